/*
 * channel.h: one channel between a local client and a remote scamper.
 */
#ifndef CHANNEL_H
#define CHANNEL_H

#include <stddef.h>
#include <stdint.h>

struct channel;
struct evbuffer;
struct master;

struct channel	*channel_new(struct master *, uint32_t, int);
void		 channel_free(struct channel *);
uint32_t	 channel_id(const struct channel *);
void		 channel_recv(struct channel *, struct evbuffer *, size_t);
void		 channel_fin(struct channel *);
void		 channel_throttle(struct channel *, int);
int		 channel_backlogged(const struct channel *);
void		 channel_stuck(struct channel *);

#endif

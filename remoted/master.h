/*
 * master.h: one remote scamper, as the controller sees it.
 */
#ifndef MASTER_H
#define MASTER_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct master;
struct channel;

void		 master_accept(int, const struct sockaddr *);
void		 master_free_all(void);

const char	*master_name(const struct master *);
int		 master_throttled(const struct master *);
void		 master_send_data(struct master *, uint32_t, const void *,
		     size_t);
void		 master_send_fin(struct master *, uint32_t);
void		 master_channel_remove(struct master *, struct channel *);
void		 master_backlog(struct master *, int);

#endif

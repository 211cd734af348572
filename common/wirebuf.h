/*
 * wirebuf.h: remote-protocol messages in evbuffers: reassembly from a byte
 * stream, and the retransmit queue of reliable messages kept exactly as
 * they went on the wire.
 */
#ifndef WIREBUF_H
#define WIREBUF_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct evbuffer;

/* 1 and *h set when a whole message is at the head of in, else 0. */
int		 wirebuf_peek(struct evbuffer *, struct wire_hdr *);

struct rtxq {
	struct evbuffer	*buf;		/* created on first use */
	uint32_t	 count;
};

void		 rtxq_push(struct rtxq *, uint32_t, uint32_t, const void *,
		     size_t);
void		 rtxq_push_encoded(struct rtxq *, const void *, size_t,
		     uint32_t);
int		 rtxq_head(const struct rtxq *, uint32_t *);
void		 rtxq_pop(struct rtxq *);
void		 rtxq_trim(struct rtxq *, uint32_t);
void		 rtxq_replay(const struct rtxq *, struct evbuffer *);
size_t		 rtxq_bytes(const struct rtxq *);
void		 rtxq_clear(struct rtxq *);

#endif

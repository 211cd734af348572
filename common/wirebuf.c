/*
 * wirebuf.c: message reassembly and the retransmit queue.
 *
 * The queue is one evbuffer of whole messages, headers included, so it
 * costs nothing per message beyond the bytes and a resume replays it with
 * one copy.  Sequence numbers are read back from the stored headers rather
 * than derived, so that a queue holding another session's messages (the
 * Debian stale-queue quirk fakescamper reproduces) behaves as it does there.
 */
#include <stdlib.h>

#include <event2/buffer.h>

#include "log.h"
#include "wirebuf.h"

int
wirebuf_peek(struct evbuffer *in, struct wire_hdr *h)
{
	uint8_t	hdr[WIRE_HDRLEN];
	size_t	avail = evbuffer_get_length(in);

	if (avail < WIRE_HDRLEN)
		return (0);
	evbuffer_copyout(in, hdr, sizeof hdr);
	wire_hdr_decode(hdr, h);
	return (avail >= WIRE_HDRLEN + (size_t)h->len);
}

void
rtxq_push(struct rtxq *q, uint32_t seq, uint32_t channel, const void *buf,
    size_t len)
{
	uint8_t	hdr[WIRE_HDRLEN];

	if (q->buf == NULL && (q->buf = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	wire_hdr_encode(hdr, seq, channel, (uint16_t)len);
	if (evbuffer_add(q->buf, hdr, sizeof hdr) == -1 ||
	    evbuffer_add(q->buf, buf, len) == -1)
		fatal("evbuffer_add");
	q->count++;
}

/* count whole messages, already encoded back to back in buf. */
void
rtxq_push_encoded(struct rtxq *q, const void *buf, size_t len,
    uint32_t count)
{
	if (q->buf == NULL && (q->buf = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	if (evbuffer_add(q->buf, buf, len) == -1)
		fatal("evbuffer_add");
	q->count += count;
}

int
rtxq_head(const struct rtxq *q, uint32_t *seq)
{
	uint8_t		hdr[WIRE_HDRLEN];
	struct wire_hdr	h;

	if (q->count == 0)
		return (0);
	evbuffer_copyout(q->buf, hdr, sizeof hdr);
	wire_hdr_decode(hdr, &h);
	*seq = h.seq;
	return (1);
}

void
rtxq_pop(struct rtxq *q)
{
	uint8_t		hdr[WIRE_HDRLEN];
	struct wire_hdr	h;

	if (q->count == 0)
		return;
	evbuffer_copyout(q->buf, hdr, sizeof hdr);
	wire_hdr_decode(hdr, &h);
	evbuffer_drain(q->buf, WIRE_HDRLEN + (size_t)h.len);
	q->count--;
}

/* Drop queued messages numbered before seq (a resume's cumulative ACK). */
void
rtxq_trim(struct rtxq *q, uint32_t seq)
{
	uint32_t	head;

	while (rtxq_head(q, &head) && wire_seq_lt(head, seq))
		rtxq_pop(q);
}

void
rtxq_replay(const struct rtxq *q, struct evbuffer *out)
{
	struct evbuffer_iovec	*v;
	int			 i, n;

	if (q->count == 0)
		return;
	n = evbuffer_peek(q->buf, -1, NULL, NULL, 0);
	if ((v = calloc((size_t)n, sizeof *v)) == NULL)
		fatal("calloc");
	n = evbuffer_peek(q->buf, -1, NULL, v, n);
	for (i = 0; i < n; i++) {
		if (evbuffer_add(out, v[i].iov_base, v[i].iov_len) == -1)
			fatal("evbuffer_add");
	}
	free(v);
}

size_t
rtxq_bytes(const struct rtxq *q)
{
	return (q->buf != NULL ? evbuffer_get_length(q->buf) : 0);
}

void
rtxq_clear(struct rtxq *q)
{
	if (q->buf != NULL)
		evbuffer_free(q->buf);
	q->buf = NULL;
	q->count = 0;
}

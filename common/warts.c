/*
 * warts.c: write LIST, CYCLE_START, CYCLE_STOP, PING and TRACE records.
 *
 * Optional fields go in a "flags + parameters" block (warts-subset.md §3):
 * parameters are added in ascending order to a wparams, which writes the
 * flag bytes, the u16 length and the values.  Addresses are defined inline
 * once per record and referenced by index afterwards, as scamper does.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "warts.h"

#define WARTS_MAXADDR	260

static void
wbuf_grow(struct wbuf *b, size_t n)
{
	size_t	 cap;
	uint8_t	*p;

	if (b->len + n <= b->cap)
		return;
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap < b->len + n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		fatal("realloc");
	b->p = p;
	b->cap = cap;
}

static void
wbuf_add(struct wbuf *b, const void *p, size_t n)
{
	wbuf_grow(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
wbuf_u8(struct wbuf *b, uint8_t v)
{
	wbuf_add(b, &v, 1);
}

static void
wbuf_u16(struct wbuf *b, uint16_t v)
{
	uint8_t	p[2] = { v >> 8, v & 0xff };

	wbuf_add(b, p, 2);
}

static void
wbuf_u32(struct wbuf *b, uint32_t v)
{
	uint8_t	p[4] = { v >> 24, v >> 16, v >> 8, v };

	wbuf_add(b, p, 4);
}

static void
wbuf_str(struct wbuf *b, const char *s)
{
	wbuf_add(b, s, strlen(s) + 1);
}

void
wbuf_reset(struct wbuf *b)
{
	b->len = 0;
}

void
wbuf_free(struct wbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* Record header; the length is patched by record_end(). */
static size_t
record_begin(struct wbuf *b, uint16_t type)
{
	size_t	off = b->len;

	wbuf_u16(b, 0x1205);
	wbuf_u16(b, type);
	wbuf_u32(b, 0);
	return (off);
}

static void
record_end(struct wbuf *b, size_t off)
{
	uint32_t	len = (uint32_t)(b->len - off - 8);

	b->p[off + 4] = len >> 24;
	b->p[off + 5] = len >> 16;
	b->p[off + 6] = len >> 8;
	b->p[off + 7] = len;
}

/* The per-record address table (warts-subset.md §4). */
struct addrtab {
	struct warts_addr	a[WARTS_MAXADDR];
	uint32_t		n;
};

static size_t
addr_len(const struct warts_addr *a)
{
	return (a->type == 1 ? 4 : 16);
}

struct wparams {
	uint64_t	 bits;
	int		 maxp;
	struct wbuf	 v;
	struct addrtab	*tab;
};

static void
wp_mark(struct wparams *wp, int id)
{
	wp->bits |= (uint64_t)1 << (id - 1);
	wp->maxp = id;
}

static void
wp_u8(struct wparams *wp, int id, uint8_t v)
{
	wp_mark(wp, id);
	wbuf_u8(&wp->v, v);
}

static void
wp_u16(struct wparams *wp, int id, uint16_t v)
{
	wp_mark(wp, id);
	wbuf_u16(&wp->v, v);
}

static void
wp_u32(struct wparams *wp, int id, uint32_t v)
{
	wp_mark(wp, id);
	wbuf_u32(&wp->v, v);
}

static void
wp_tv(struct wparams *wp, int id, const struct warts_tv *tv)
{
	wp_mark(wp, id);
	wbuf_u32(&wp->v, tv->sec);
	wbuf_u32(&wp->v, tv->usec);
}

static void
wp_str(struct wparams *wp, int id, const char *s)
{
	wp_mark(wp, id);
	wbuf_str(&wp->v, s);
}

static void
wp_addr(struct wparams *wp, int id, const struct warts_addr *a)
{
	struct addrtab	*t = wp->tab;
	size_t		 len = addr_len(a);
	uint32_t	 i;

	wp_mark(wp, id);
	for (i = 0; i < t->n; i++) {
		if (t->a[i].type == a->type && memcmp(t->a[i].a, a->a, len) == 0) {
			wbuf_u8(&wp->v, 0);
			wbuf_u32(&wp->v, i);
			return;
		}
	}
	if (t->n < WARTS_MAXADDR)
		t->a[t->n++] = *a;
	wbuf_u8(&wp->v, (uint8_t)len);
	wbuf_u8(&wp->v, a->type);
	wbuf_add(&wp->v, a->a, len);
}

static void
wp_begin(struct wparams *wp, struct addrtab *tab)
{
	wp->bits = 0;
	wp->maxp = 0;
	wbuf_reset(&wp->v);
	wp->tab = tab;
}

/* Flag bytes, then the u16 length and the values (none: one 00 byte). */
static void
wp_end(struct wparams *wp, struct wbuf *out)
{
	int	nbytes, i, bit;
	uint8_t	f;

	if (wp->maxp == 0) {
		wbuf_u8(out, 0);
		return;
	}
	nbytes = (wp->maxp + 6) / 7;
	for (i = 0; i < nbytes; i++) {
		f = i + 1 < nbytes ? 0x80 : 0;
		for (bit = 0; bit < 7; bit++) {
			if (wp->bits & ((uint64_t)1 << (i * 7 + bit)))
				f |= (uint8_t)(1 << bit);
		}
		wbuf_u8(out, f);
	}
	wbuf_u16(out, (uint16_t)wp->v.len);
	wbuf_add(out, wp->v.p, wp->v.len);
}

void
warts_list(struct wbuf *b, const char *name, const char *monitor)
{
	struct wparams	wp = { 0 };
	size_t		off = record_begin(b, WARTS_LIST);

	wbuf_u32(b, 1);
	wbuf_u32(b, 0);
	wbuf_str(b, name);
	wp_begin(&wp, NULL);
	if (monitor != NULL && *monitor != '\0')
		wp_str(&wp, 2, monitor);
	wp_end(&wp, b);
	wbuf_free(&wp.v);
	record_end(b, off);
}

void
warts_cycle_start(struct wbuf *b, uint32_t start, const char *hostname)
{
	struct wparams	wp = { 0 };
	size_t		off = record_begin(b, WARTS_CYCLE_START);

	wbuf_u32(b, 1);
	wbuf_u32(b, 1);
	wbuf_u32(b, 1);
	wbuf_u32(b, start);
	wp_begin(&wp, NULL);
	wp_str(&wp, 2, hostname);
	wp_end(&wp, b);
	wbuf_free(&wp.v);
	record_end(b, off);
}

void
warts_cycle_stop(struct wbuf *b, uint32_t stop)
{
	size_t	off = record_begin(b, WARTS_CYCLE_STOP);

	wbuf_u32(b, 1);
	wbuf_u32(b, stop);
	wbuf_u8(b, 0);
	record_end(b, off);
}

/*
 * The parameters every result starts with: list and cycle 1, start time,
 * stop reason and data.  Returns the record's address table.
 */
static struct addrtab *
wp_result(struct wparams *wp, const struct warts_tv *start, uint8_t reason)
{
	struct addrtab	*tab;

	if ((tab = calloc(1, sizeof *tab)) == NULL)
		fatal("calloc");
	wp_begin(wp, tab);
	wp_u32(wp, 1, 1);
	wp_u32(wp, 2, 1);
	wp_tv(wp, 5, start);
	wp_u8(wp, 6, reason);
	wp_u8(wp, 7, 0);
	return (tab);
}

void
warts_ping(struct wbuf *b, const struct warts_ping *p)
{
	struct wparams			 wp = { 0 };
	struct addrtab			*tab;
	const struct warts_ping_reply	*r;
	size_t				 off = record_begin(b, WARTS_PING);
	int				 v6 = p->dst.type == 2;
	uint16_t			 i;

	tab = wp_result(&wp, &p->start, p->stop_reason);
	wp_u16(&wp, 10, p->count);
	wp_u16(&wp, 11, p->size);
	wp_u8(&wp, 12, p->wait);
	wp_u8(&wp, 13, p->ttl);
	wp_u16(&wp, 14, p->replies_req);
	wp_u16(&wp, 15, p->sent);
	wp_u16(&wp, 17, p->icmp_id);
	wp_addr(&wp, 20, &p->src);
	wp_addr(&wp, 21, &p->dst);
	if (p->timeout != p->wait)
		wp_u8(&wp, 27, p->timeout);
	if (p->wait_us != 0)
		wp_u32(&wp, 28, p->wait_us);
	wp_end(&wp, b);
	wbuf_u16(b, p->nreplies);
	for (i = 0; i < p->nreplies; i++) {
		r = &p->replies[i];
		wp_begin(&wp, tab);
		if (r->flags != 0)
			wp_u8(&wp, 2, r->flags);
		if (r->flags & 0x01)
			wp_u8(&wp, 3, r->ttl);
		wp_u16(&wp, 4, r->size);
		wp_mark(&wp, 5);
		wbuf_u8(&wp.v, r->icmp_type);
		wbuf_u8(&wp.v, r->icmp_code);
		wp_u32(&wp, 6, r->rtt);
		wp_u16(&wp, 7, r->probe_id);
		if (v6 || (r->flags & 0x02))
			wp_u16(&wp, 8, r->reply_ipid);
		if (v6 || (r->flags & 0x04))
			wp_u16(&wp, 9, r->probe_ipid);
		wp_addr(&wp, 12, &r->from);
		if (!v6)
			wp_u32(&wp, 15, 0);	/* scamper's 2021 quirk */
		if (r->tx.sec != 0)
			wp_tv(&wp, 16, &r->tx);
		wp_end(&wp, b);
	}
	wbuf_free(&wp.v);
	free(tab);
	record_end(b, off);
}

void
warts_trace(struct wbuf *b, const struct warts_trace *t)
{
	struct wparams		 wp = { 0 };
	struct addrtab		*tab;
	const struct warts_hop	*h;
	size_t			 off = record_begin(b, WARTS_TRACE);
	uint16_t		 i;

	tab = wp_result(&wp, &t->start, t->stop_reason);
	wp_u8(&wp, 9, t->attempts);
	wp_u8(&wp, 10, t->hoplimit);
	wp_u8(&wp, 11, 5);			/* udp-paris */
	wp_u16(&wp, 12, t->probe_size);
	wp_u16(&wp, 13, t->sport);
	wp_u16(&wp, 14, t->dport);
	wp_u8(&wp, 15, 1);
	wp_u8(&wp, 16, 0);
	wp_u8(&wp, 17, t->wait);
	wp_u8(&wp, 18, 1);
	wp_u16(&wp, 19, t->hop_count);
	wp_u8(&wp, 20, t->gaplimit);
	wp_u8(&wp, 21, 1);
	wp_u8(&wp, 22, 0);
	wp_u16(&wp, 23, t->probes_sent);
	wp_u8(&wp, 24, 0);
	wp_u8(&wp, 25, 0);
	wp_addr(&wp, 26, &t->src);
	wp_addr(&wp, 27, &t->dst);
	wp_end(&wp, b);
	wbuf_u16(b, t->nhops);
	for (i = 0; i < t->nhops; i++) {
		h = &t->hops[i];
		wp_begin(&wp, tab);
		wp_u8(&wp, 2, h->probe_ttl);
		wp_u8(&wp, 3, h->reply_ttl);
		wp_u8(&wp, 4, 0x11);
		wp_u8(&wp, 5, 0);
		wp_u32(&wp, 6, h->rtt);
		wp_mark(&wp, 7);
		wbuf_u8(&wp.v, h->icmp_type);
		wbuf_u8(&wp.v, h->icmp_code);
		wp_u16(&wp, 8, t->probe_size);
		wp_u16(&wp, 9, h->reply_size);
		if (h->reply_ipid != 0)
			wp_u16(&wp, 10, h->reply_ipid);
		wp_u8(&wp, 11, 0);
		if (h->from.type == 1)
			wp_u8(&wp, 16, 0);	/* quoted TOS, IPv4 only */
		wp_addr(&wp, 18, &h->from);
		if (h->tx.sec != 0)
			wp_tv(&wp, 19, &h->tx);
		wp_end(&wp, b);
	}
	wbuf_u16(b, 0);				/* end of attributes */
	wbuf_free(&wp.v);
	free(tab);
	record_end(b, off);
}

const char *
warts_check(const uint8_t *p, size_t len, uint16_t *type)
{
	uint32_t	blen;

	if (len < 8)
		return ("record shorter than its header");
	if (p[0] != 0x12 || p[1] != 0x05)
		return ("record does not start with the warts magic 12 05");
	*type = (uint16_t)(p[2] << 8 | p[3]);
	if (*type == 0)
		return ("record of type 0");
	blen = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
	    (uint32_t)p[6] << 8 | p[7];
	if (blen != len - 8)
		return ("record length does not match its header");
	return (NULL);
}

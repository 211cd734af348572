/*
 * sim.c: synthetic, reproducible measurement results.
 *
 * Everything but timestamps derives from the destination, the seed and the
 * task, so the same commands give the same result bytes.  Traces follow
 * warts-subset.md §13.5 exactly.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "log.h"
#include "warts.h"

static uint32_t
fnv1a(const uint8_t *p, size_t n, uint32_t h)
{
	size_t	i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x01000193u;
	return (h);
}

static size_t
alen(int family)
{
	return (family == AF_INET ? 4 : 16);
}

static struct warts_addr
waddr(int family, const uint8_t *a)
{
	struct warts_addr	w;

	memset(&w, 0, sizeof w);
	w.type = family == AF_INET ? 1 : 2;
	memcpy(w.a, a, alen(family));
	return (w);
}

static struct warts_tv
tv_at(uint64_t us)
{
	struct warts_tv	tv = { (uint32_t)(us / 1000000), (uint32_t)(us % 1000000) };

	return (tv);
}

int
sim_unresponsive(int family, const uint8_t *a)
{
	const struct prefix	*p;
	int			 i, full, rest;

	for (i = 0; i < fconf.nunresp; i++) {
		p = &fconf.unresp[i];
		if (p->family != family)
			continue;
		full = p->bits / 8;
		rest = p->bits % 8;
		if (memcmp(p->addr, a, (size_t)full) != 0)
			continue;
		if (rest != 0 && ((p->addr[full] ^ a[full]) &
		    (0xff << (8 - rest))) != 0)
			continue;
		return (1);
	}
	return (0);
}

static int
loopback(int family, const uint8_t *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	return (family == AF_INET ? a[0] == 127 : memcmp(a, v6lo, 16) == 0);
}

/*
 * A ping result with `sent` probes (fewer than the count when halted).
 * start is the wall-clock start in microseconds.  Returns how long the
 * task takes, in microseconds of record time.
 */
uint64_t
sim_ping(struct wbuf *b, const struct ping_req *r, uint64_t start,
    uint16_t sent, int halted)
{
	struct warts_ping	 p;
	struct warts_ping_reply	*rep = NULL;
	uint32_t		 h, base;
	uint16_t		 i, n;
	int			 v4 = r->family == AF_INET;

	h = fnv1a(r->dst, alen(r->family), 0x811c9dc5u) ^ (uint32_t)fconf.seed;
	base = loopback(r->family, r->dst) ? 20 + h % 40 : 1000 + h % 20000;

	memset(&p, 0, sizeof p);
	p.start = tv_at(start);
	p.stop_reason = halted ? 3 : 1;
	p.count = r->count;
	p.size = r->size;
	p.wait = (uint8_t)(r->wait_us / 1000000);
	p.wait_us = r->wait_us % 1000000;
	p.timeout = r->timeout;
	p.ttl = r->ttl;
	p.replies_req = r->replies_req;
	p.icmp_id = r->icmp_id;
	p.src = waddr(r->family, r->src);
	p.dst = waddr(r->family, r->dst);

	n = sent;
	if (!halted && r->replies_req != 0 && r->replies_req < n &&
	    !sim_unresponsive(r->family, r->dst))
		n = r->replies_req;	/* stop once enough replies came */
	p.sent = n;
	if (!sim_unresponsive(r->family, r->dst) && n > 0) {
		if ((rep = calloc(n, sizeof *rep)) == NULL)
			fatal("calloc");
		for (i = 0; i < n; i++) {
			rep[i].flags = v4 ? 0x07 : 0x01;
			rep[i].ttl = loopback(r->family, r->dst) ? 64 :
			    (uint8_t)(64 - (3 + h % 6));
			rep[i].size = r->size;
			rep[i].icmp_type = v4 ? 0 : 129;
			rep[i].rtt = base + (h >> 8 ^ (uint32_t)i * 37) % 97;
			rep[i].probe_id = i;
			if (v4) {
				rep[i].reply_ipid = (uint16_t)(h + r->task_id * 131 + i);
				rep[i].probe_ipid = (uint16_t)((h >> 16) + r->task_id * 17 + i);
			}
			rep[i].from = p.dst;
			rep[i].tx = tv_at(start + (uint64_t)i * r->wait_us);
		}
		p.nreplies = n;
		p.replies = rep;
	}
	warts_ping(b, &p);
	free(rep);
	return ((uint64_t)r->count * r->wait_us);
}

/* The router at TTL t on the synthetic path (§13.5). */
static void
trace_router(const struct trace_req *r, uint32_t x, int t, uint8_t *out)
{
	if (r->family == AF_INET) {
		out[0] = 198;
		out[1] = 18;
		out[2] = (uint8_t)x;
		out[3] = (uint8_t)t;
		if (memcmp(out, r->dst, 4) == 0)
			out[1] = 19;
		return;
	}
	memset(out, 0, 16);
	out[0] = 0x20; out[1] = 0x01; out[2] = 0x0d; out[3] = 0xb8;
	out[4] = 0xff; out[5] = 0xff;
	out[6] = 0; out[7] = (uint8_t)x;
	out[14] = 0; out[15] = (uint8_t)t;
	if (memcmp(out, r->dst, 16) == 0)
		out[5] = 0xfe;
}

/*
 * A trace result.  halt_after, when non-zero, is the record time in
 * microseconds at which a halt arrived.  Returns the task's duration in
 * microseconds of record time.
 */
uint64_t
sim_trace(struct wbuf *b, const struct trace_req *r, uint64_t start,
    uint64_t halt_after)
{
	struct warts_trace	 t;
	struct warts_hop	*hops;
	uint8_t			 addr[16];
	uint32_t		 h, n, j, x, ipi, rtt;
	uint64_t		 now = 0;
	int			 ttl, limit, gap = 0, v4 = r->family == AF_INET;
	int			 dark = sim_unresponsive(r->family, r->dst);
	uint16_t		 nh = 0, probes = 0, hopcount = 0;

	h = fnv1a(r->dst, alen(r->family), 0x811c9dc5u) ^ fconf.trace_seed;
	n = 3 + h % 6;
	j = h % 1000;
	x = (h >> 8) & 0xff;
	ipi = h >> 16;
	limit = r->hoplimit == 0 ? 255 : r->hoplimit;

	memset(&t, 0, sizeof t);
	if ((hops = calloc(256, sizeof *hops)) == NULL)
		fatal("calloc");
	t.start = tv_at(start);
	t.attempts = r->attempts;
	t.hoplimit = r->hoplimit;
	t.probe_size = v4 ? 44 : 60;
	t.sport = r->sport;
	t.dport = r->dport;
	t.wait = r->wait;
	t.gaplimit = r->gaplimit;
	t.src = waddr(r->family, r->src);
	t.dst = waddr(r->family, r->dst);

	for (ttl = 1; ; ttl++) {
		int	 at_dst = (uint32_t)ttl >= n, answered;

		answered = !(at_dst && dark);
		if (halt_after != 0 && now >= halt_after) {
			t.stop_reason = 9;
			probes++;		/* the probe in flight */
			break;
		}
		if (answered) {
			rtt = 1000u * (uint32_t)ttl + j;
			if (at_dst)
				memcpy(addr, r->dst, alen(r->family));
			else
				trace_router(r, x, ttl, addr);
			hops[nh].probe_ttl = (uint8_t)ttl;
			hops[nh].reply_ttl = (uint8_t)(at_dst ? 65 - (int)n : 256 - ttl);
			hops[nh].rtt = rtt;
			hops[nh].icmp_type = at_dst ? (v4 ? 3 : 1) : (v4 ? 11 : 3);
			hops[nh].icmp_code = at_dst ? (v4 ? 3 : 4) : 0;
			hops[nh].reply_size = v4 ? (at_dst ? 72 : 56) : 108;
			if (v4)
				hops[nh].reply_ipid = (uint16_t)(ipi + ttl) != 0 ?
				    (uint16_t)(ipi + ttl) : 1;
			hops[nh].from = waddr(r->family, addr);
			hops[nh].tx = tv_at(start + now);
			nh++;
			probes++;
			now += rtt;
			gap = 0;
			hopcount = (uint16_t)ttl;
			if (at_dst) {
				t.stop_reason = 1;
				break;
			}
		} else {
			probes += r->attempts;
			now += (uint64_t)r->attempts * r->wait * 1000000;
			gap++;
			hopcount = (uint16_t)ttl;
		}
		if (ttl >= limit) {
			t.stop_reason = 7;
			break;
		}
		if (gap >= r->gaplimit) {
			t.stop_reason = 5;
			break;
		}
	}
	t.hop_count = hopcount;
	t.probes_sent = probes;
	t.nhops = nh;
	t.hops = hops;
	warts_trace(b, &t);
	free(hops);
	return (now);
}

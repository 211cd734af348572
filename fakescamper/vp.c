/*
 * vp.c: one simulated `scamper -R`: connection, registration, sequence
 * numbers and ACKs, keepalive and dead-peer timers, resume, and the fault
 * injection switches (remote-protocol.md §6.4, §8.2, §13).
 *
 * Channel output made while not in GO is held in `held`, unnumbered, and
 * numbered only after MASTER_ID or MASTER_OK, behind the retransmissions,
 * as scamper does.
 */
#include <sys/random.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "fake.h"
#include "log.h"
#include "util.h"
#include "wire.h"
#include "wirebuf.h"

enum vp_state {
	VP_WAIT,		/* until the retry timer fires */
	VP_CONNECTING,		/* TCP connect in progress */
	VP_CONNECT,		/* NEW/RES sent, waiting for ID/OK/REJ */
	VP_GO,
};

struct vchan {
	uint32_t	 id;
	struct fchan	*fc;
};

struct vp {
	int			 idx;
	char			 monitor[WIRE_MAXMONITOR + 1];
	enum vp_state		 state;
	struct bufferevent	*bev;
	struct event		*tmr;
	struct event		*dropper;	/* --drop-every */
	struct event		*unstall;	/* --stall-for */
	uint64_t		 last_rx, last_tx;

	uint8_t			 magic[8];
	char			 alias[WIRE_MAXMONITOR + 1];
	int			 resume;	/* got MASTER_ID */
	uint32_t		 snd_nxt, rcv_nxt;
	struct rtxq		 rtx;
	struct evbuffer		*held;		/* [u32 ch][u16 len][bytes] */

	struct vchan		*chans;
	size_t			 nchans, chans_alloc;

	unsigned long		 sent;		/* messages, ever */
	unsigned long		 conn_rcvd;	/* messages, this connection */
	int			 stalled;
	int			 dying;		/* --drop-after reached */
	uint32_t		 flood_ch;	/* --flood channel, or 0 */
	unsigned long		 flood_left;
};

/* --flood keeps this much queued toward the controller, no more. */
#define VP_FLOOD_HIGH	(1024 * 1024)
#define VP_FLOOD_LOW	(256 * 1024)

/* Channel list names count channels across the whole process. */
static unsigned int	channel_counter;
static int		registered;	/* VPs that ever got MASTER_ID */

static void	vp_read(struct bufferevent *, void *);
static void	vp_event(struct bufferevent *, short, void *);
static void	vp_timer(evutil_socket_t, short, void *);
static void	vp_go(struct vp *);
static void	vp_fail(struct vp *, const char *, int);

const char *
vp_alias(const struct vp *vp)
{
	return (vp->alias);
}

const char *
vp_monitor(const struct vp *vp)
{
	return (vp->monitor[0] != '\0' ? vp->monitor : NULL);
}

static void
vp_arm(struct vp *vp, uint64_t ms)
{
	struct timeval	tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(vp->tmr, &tv);
}

static void
vp_new_magic(struct vp *vp)
{
	if (getrandom(vp->magic, sizeof vp->magic, 0) !=
	    (ssize_t)sizeof vp->magic)
		fatal("getrandom");
}

struct vp *
vp_new(int idx, const char *monitor)
{
	struct vp	*vp;

	if ((vp = calloc(1, sizeof *vp)) == NULL)
		fatal("calloc");
	vp->idx = idx;
	if (monitor != NULL)
		snprintf(vp->monitor, sizeof vp->monitor, "%s", monitor);
	if ((vp->tmr = evtimer_new(fconf.base, vp_timer, vp)) == NULL ||
	    (vp->held = evbuffer_new()) == NULL)
		fatal("vp_new");
	vp_new_magic(vp);
	return (vp);
}

static const char *
vp_name(const struct vp *vp)
{
	static char	buf[300];

	snprintf(buf, sizeof buf, "vp %d%s%s", vp->idx,
	    vp->monitor[0] != '\0' ? " " : "", vp->monitor);
	return (buf);
}

/* Channels. */

static struct vchan *
vp_chan_find(struct vp *vp, uint32_t id)
{
	size_t	i;

	for (i = 0; i < vp->nchans; i++) {
		if (vp->chans[i].id == id)
			return (&vp->chans[i]);
	}
	return (NULL);
}

static void
vp_chan_forget(struct vp *vp, uint32_t id)
{
	struct vchan	*c = vp_chan_find(vp, id);
	size_t		 i;

	if (c == NULL)
		return;
	i = (size_t)(c - vp->chans);
	memmove(c, c + 1, (vp->nchans - i - 1) * sizeof *c);
	vp->nchans--;
}

static void
vp_chans_drop(struct vp *vp)
{
	size_t	i;

	for (i = 0; i < vp->nchans; i++)
		control_free(vp->chans[i].fc);
	free(vp->chans);
	vp->chans = NULL;
	vp->nchans = vp->chans_alloc = 0;
}

/* Output. */

/* After the --drop-after'th message this connection is as good as dead. */
static int
vp_dying(const struct vp *vp)
{
	return (vp->dying);
}

static void
vp_write(struct vp *vp, const void *buf, size_t len)
{
	if (vp->bev == NULL || vp_dying(vp))
		return;
	bufferevent_write(vp->bev, buf, len);
	vp->last_tx = util_now_ms();
}

/* A dying connection still reads, so that closing it sends a FIN. */
static void
vp_discard(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	(void)arg;
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
vp_drained(struct bufferevent *bev, void *arg)
{
	(void)bev;
	vp_fail(arg, "dropping the connection (fault: --drop-after)", 0);
}

/*
 * Count a whole message.  The Nth one of --drop-after is the last on its
 * connection: that closes once it is written, and later output waits in
 * the retransmit queue for the resume.  It happens once per VP.
 */
static void
vp_sent(struct vp *vp)
{
	if (vp->bev == NULL || vp_dying(vp))
		return;
	if (++vp->sent == fconf.drop_after) {
		vp->dying = 1;
		bufferevent_setcb(vp->bev, vp_discard, vp_drained, vp_event, vp);
	}
}

static void
vp_send_ctl(struct vp *vp, uint8_t type, uint32_t v)
{
	uint8_t	buf[WIRE_CTLMAX];

	if (vp->state != VP_GO)
		return;
	if (type == WIRE_KEEPALIVE)
		vp_write(vp, buf, wire_ctl_encode(buf, vp->snd_nxt, type));
	else
		vp_write(vp, buf, wire_ctl32_encode(buf, vp->snd_nxt, type, v));
	vp_sent(vp);
}

static void
vp_send_reliable(struct vp *vp, uint32_t ch, const void *buf, size_t len)
{
	uint8_t	hdr[WIRE_HDRLEN];

	rtxq_push(&vp->rtx, vp->snd_nxt, ch, buf, len);
	wire_hdr_encode(hdr, vp->snd_nxt, ch, (uint16_t)len);
	vp->snd_nxt++;
	vp_write(vp, hdr, sizeof hdr);
	vp_write(vp, buf, len);
	vp_sent(vp);
}

/* Channel output: numbered now in GO, else held until GO. */
void
vp_chan_send(struct vp *vp, uint32_t ch, const void *buf, size_t len)
{
	uint8_t	hdr[6];

	if (vp->state == VP_GO) {
		vp_send_reliable(vp, ch, buf, len);
		return;
	}
	hdr[0] = ch >> 24;
	hdr[1] = ch >> 16;
	hdr[2] = ch >> 8;
	hdr[3] = ch;
	hdr[4] = len >> 8;
	hdr[5] = len & 0xff;
	evbuffer_add(vp->held, hdr, sizeof hdr);
	evbuffer_add(vp->held, buf, len);
}

/* The channel wrote its CYCLE_STOP: forget it, then send our FIN. */
void
vp_chan_finished(struct vp *vp, uint32_t ch)
{
	struct vchan	*c = vp_chan_find(vp, ch);
	uint8_t		 body[5] = { WIRE_CHANNEL_FIN, ch >> 24, ch >> 16,
	    ch >> 8, ch };

	if (c != NULL) {
		control_free(c->fc);
		vp_chan_forget(vp, ch);
	}
	vp_chan_send(vp, 0, body, sizeof body);
}

/*
 * --flood: data messages as fast as the connection takes them, encoded
 * in batches of up to 64 KiB so that the simulator stays far from being
 * the bottleneck of a benchmark.  Not counted by --drop-after.
 */
static void
vp_flood(struct vp *vp)
{
	static uint8_t	 batch[64 * 1024 + WIRE_HDRLEN + WIRE_MAXMSG];
	static uint8_t	 payload[WIRE_MAXMSG];
	struct evbuffer	*out;
	size_t		 len, msg = WIRE_HDRLEN + fconf.flood_size;
	uint32_t	 n;

	if (payload[0] == 0) {
		memset(payload, 'x', sizeof payload);
		payload[fconf.flood_size - 1] = '\n';
	}
	if (vp->state != VP_GO || vp->bev == NULL || vp_dying(vp))
		return;
	out = bufferevent_get_output(vp->bev);
	while (vp->flood_left > 0 && evbuffer_get_length(out) < VP_FLOOD_HIGH) {
		for (len = 0, n = 0; vp->flood_left > 0 &&
		    (len == 0 || len + msg <= 64 * 1024); n++) {
			wire_hdr_encode(batch + len, vp->snd_nxt++,
			    vp->flood_ch, (uint16_t)fconf.flood_size);
			memcpy(batch + len + WIRE_HDRLEN, payload,
			    fconf.flood_size);
			len += msg;
			vp->flood_left--;
		}
		rtxq_push_encoded(&vp->rtx, batch, len, n);
		vp_write(vp, batch, len);
	}
}

static void
vp_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	vp_flood(arg);
}

static void
vp_flush_held(struct vp *vp)
{
	uint8_t		 hdr[6], *p;
	uint32_t	 ch;
	size_t		 len;

	while (evbuffer_get_length(vp->held) >= sizeof hdr) {
		evbuffer_remove(vp->held, hdr, sizeof hdr);
		ch = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		    (uint32_t)hdr[2] << 8 | hdr[3];
		len = (size_t)hdr[4] << 8 | hdr[5];
		if ((p = evbuffer_pullup(vp->held, (ssize_t)len)) == NULL)
			fatalx("held output corrupt");
		vp_send_reliable(vp, ch, p, len);
		evbuffer_drain(vp->held, len);
	}
}

/* Connection life. */

static uint64_t
vp_retry_ms(void)
{
	unsigned int	span = fconf.retry_max - fconf.retry_min + 1;

	return ((uint64_t)(fconf.retry_min + fake_rand() % span) * 1000);
}

static void
vp_connect(struct vp *vp)
{
	if ((vp->bev = bufferevent_socket_new(fconf.base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_socket_new");
	bufferevent_setcb(vp->bev, vp_read, fconf.flood_size ? vp_written : NULL,
	    vp_event, vp);
	bufferevent_setwatermark(vp->bev, EV_WRITE, VP_FLOOD_LOW, 0);
	bufferevent_enable(vp->bev, EV_READ);
	vp->state = VP_CONNECTING;
	vp->conn_rcvd = 0;
	vp->dying = 0;
	vp->stalled = 0;
	vp->last_rx = vp->last_tx = util_now_ms();
	if (fconf.connect_timeout != 0)
		vp_arm(vp, (uint64_t)fconf.connect_timeout * 1000);
	if (bufferevent_socket_connect(vp->bev,
	    (struct sockaddr *)&fconf.dst, (int)fconf.dstlen) == -1) {
		bufferevent_free(vp->bev);
		vp->bev = NULL;
		vp->state = VP_WAIT;
		log_info("%s: connect failed; retrying", vp_name(vp));
		vp_arm(vp, vp_retry_ms());
	}
}

void
vp_start(struct vp *vp)
{
	vp_connect(vp);
}

/*
 * Forget the session, as scamper does without a resume flag.  Debian's
 * scamper keeps its retransmit queue (--stale-queue).
 */
static void
vp_reset(struct vp *vp)
{
	vp->alias[0] = '\0';
	vp_chans_drop(vp);
	vp->snd_nxt = vp->rcv_nxt = 0;
	evbuffer_drain(vp->held, evbuffer_get_length(vp->held));
	if (!fconf.stale_queue)
		rtxq_clear(&vp->rtx);
}

/*
 * What was already queued (the ACK scamper sends before it validates a
 * message, say) goes out before the close, as it does from scamper.  The
 * bufferevent freezes its output, so write the bytes ourselves.
 */
static void
vp_flush_now(struct vp *vp)
{
	struct evbuffer	*out = bufferevent_get_output(vp->bev);
	size_t		 n = evbuffer_get_length(out);
	uint8_t		*p;

	if (n == 0 || vp->state != VP_GO ||
	    (p = evbuffer_pullup(out, (ssize_t)n)) == NULL)
		return;
	if (write(bufferevent_getfd(vp->bev), p, n) == -1)
		log_debug("%s: flush before close: %s", vp_name(vp),
		    strerror(errno));
}

/* Any failure: close, keep or drop the session, reconnect later. */
static void
vp_fail(struct vp *vp, const char *why, int now)
{
	log_info("%s: %s; %s", vp_name(vp), why,
	    now ? "reconnecting at once" : "will retry");
	if (vp->bev != NULL) {
		vp_flush_now(vp);
		bufferevent_free(vp->bev);
	}
	vp->bev = NULL;
	if (vp->unstall != NULL)
		evtimer_del(vp->unstall);
	if (!vp->resume)
		vp_reset(vp);
	vp->state = VP_WAIT;
	vp_arm(vp, now ? 0 : vp_retry_ms());
}

static void
vp_connected(struct vp *vp)
{
	uint8_t		buf[WIRE_CTLMAX];
	struct wire_res	r;
	uint32_t	una;
	int		fd = bufferevent_getfd(vp->bev), on = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	vp->state = VP_CONNECT;
	if (fconf.no_register) {
		log_debug("%s: connected; not registering (fault)",
		    vp_name(vp));
		return;
	}
	if (vp->resume) {
		memset(&r, 0, sizeof r);
		r.magic_len = sizeof vp->magic;
		memcpy(r.magic, vp->magic, sizeof vp->magic);
		r.rcv_nxt = vp->rcv_nxt;
		r.snd_una = rtxq_head(&vp->rtx, &una) ? una : vp->snd_nxt;
		r.snd_nxt = vp->snd_nxt;
		vp_write(vp, buf, wire_res_encode(buf, &r));
		vp_sent(vp);
		log_debug("%s: sent MASTER_RES", vp_name(vp));
	} else {
		vp_write(vp, buf, wire_new_encode(buf, vp->magic,
		    sizeof vp->magic, vp_monitor(vp)));
		vp_sent(vp);
		log_debug("%s: sent MASTER_NEW", vp_name(vp));
	}
}

static void
vp_event(struct bufferevent *bev, short what, void *arg)
{
	struct vp	*vp = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		vp_connected(vp);
		return;
	}
	if (what & BEV_EVENT_EOF)
		vp_fail(vp, "connection closed by the controller", 0);
	else if (what & BEV_EVENT_ERROR)
		vp_fail(vp, strerror(EVUTIL_SOCKET_ERROR()), 0);
}

static void
vp_go(struct vp *vp)
{
	vp->state = VP_GO;
	vp_flush_held(vp);
	vp_arm(vp, fconf.keepalive_ms);
}

static void
vp_ack(struct vp *vp, uint32_t seq)
{
	vp_send_ctl(vp, WIRE_ACK, seq);
	vp->rcv_nxt++;
}

/* Messages in CONNECT mode: MASTER_ID, OK or REJ, all with sequence 0. */
static int
vp_connect_msg(struct vp *vp, uint8_t type, const uint8_t *body, size_t len)
{
	uint32_t	v;
	const char	*err;
	char		 id[WIRE_MAXMONITOR + 1];

	switch (type) {
	case WIRE_MASTER_ID:
		if ((err = wire_id_decode(body, len, id, sizeof id)) != NULL) {
			vp_fail(vp, err, 0);
			return (-1);
		}
		memcpy(vp->alias, id, sizeof id);
		vp->resume = 1;
		log_debug("%s: registered as %s", vp_name(vp), vp->alias);
		if (++registered == fconf.nvps)	/* benchmarks wait for this */
			log_info("all %d VPs registered", fconf.nvps);
		vp_go(vp);
		return (0);
	case WIRE_MASTER_OK:
		if (wire_u32_decode(body, len, &v) != NULL) {
			vp_fail(vp, "MASTER_OK body is not 4 bytes", 0);
			return (-1);
		}
		rtxq_trim(&vp->rtx, v);
		log_info("%s: resumed; retransmitting %u", vp_name(vp),
		    vp->rtx.count);
		rtxq_replay(&vp->rtx, bufferevent_get_output(vp->bev));
		vp->last_tx = util_now_ms();
		vp_go(vp);
		return (0);
	case WIRE_MASTER_REJ:
		vp->resume = 0;
		if (!fconf.reuse_magic)
			vp_new_magic(vp);
		vp_fail(vp, "resume refused (REJ)", 0);
		return (-1);
	}
	vp_fail(vp, "unexpected message while registering", 0);
	return (-1);
}

static int
vp_go_msg(struct vp *vp, struct wire_hdr *h, const uint8_t *p)
{
	struct vchan	*c;
	uint32_t	 v, head;
	char		 why[96];

	if (h->channel != 0) {
		vp_ack(vp, h->seq);
		if ((c = vp_chan_find(vp, h->channel)) != NULL) {
			control_input(c->fc, p, h->len);
			return (0);
		}
		if (fconf.lenient)
			return (0);
		snprintf(why, sizeof why, "could not find channel %u",
		    h->channel);
		vp_fail(vp, why, 0);
		return (-1);
	}
	if (h->len == 0) {
		vp_fail(vp, "empty control message", 0);
		return (-1);
	}
	switch (p[0]) {
	case WIRE_KEEPALIVE:
		if (h->len == 1)
			return (0);
		break;
	case WIRE_ACK:
		if (wire_u32_decode(p + 1, h->len - 1, &v) != NULL ||
		    !rtxq_head(&vp->rtx, &head) || head != v)
			break;
		rtxq_pop(&vp->rtx);
		return (0);
	case WIRE_CHANNEL_NEW:
		vp_ack(vp, h->seq);
		if (wire_u32_decode(p + 1, h->len - 1, &v) != NULL)
			break;
		if (vp->nchans == vp->chans_alloc) {
			vp->chans_alloc = vp->chans_alloc ? vp->chans_alloc * 2 : 4;
			vp->chans = reallocarray(vp->chans, vp->chans_alloc,
			    sizeof *vp->chans);
			if (vp->chans == NULL)
				fatal("reallocarray");
		}
		vp->chans[vp->nchans].id = v;
		vp->chans[vp->nchans].fc = control_open(vp, v,
		    channel_counter++);
		vp->nchans++;
		log_debug("%s: channel %u opened", vp_name(vp), v);
		if (fconf.flood_size != 0 && vp->flood_ch == 0) {
			vp->flood_ch = v;
			vp->flood_left = fconf.flood_count;
			vp_flood(vp);
		}
		return (0);
	case WIRE_CHANNEL_FIN:
		vp_ack(vp, h->seq);
		if (wire_u32_decode(p + 1, h->len - 1, &v) != NULL)
			break;
		if ((c = vp_chan_find(vp, v)) == NULL) {
			if (fconf.lenient)
				return (0);
			break;
		}
		control_fin(c->fc);
		return (0);
	}
	snprintf(why, sizeof why, "bad %s from the controller",
	    wire_type_name(p[0]));
	vp_fail(vp, why, 0);
	return (-1);
}

static void
vp_unstall(evutil_socket_t fd, short events, void *arg)
{
	struct vp	*vp = arg;

	(void)fd;
	(void)events;
	vp->stalled = 0;
	if (vp->bev != NULL) {
		log_info("%s: reading again", vp_name(vp));
		bufferevent_enable(vp->bev, EV_READ);
		vp->last_rx = util_now_ms();
		vp_read(vp->bev, vp);	/* what arrived meanwhile */
	}
}

static void
vp_stall(struct vp *vp)
{
	struct timeval	tv = { fconf.stall_for, 0 };

	vp->stalled = 1;
	log_info("%s: not reading for %u s (fault)", vp_name(vp),
	    fconf.stall_for);
	bufferevent_disable(vp->bev, EV_READ);
	if (vp->unstall == NULL &&
	    (vp->unstall = evtimer_new(fconf.base, vp_unstall, vp)) == NULL)
		fatal("evtimer_new");
	evtimer_add(vp->unstall, &tv);
}

static void
vp_read(struct bufferevent *bev, void *arg)
{
	struct vp	*vp = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct wire_hdr	 h;
	uint8_t		*p;
	char		 why[96];

	vp->last_rx = util_now_ms();
	while (vp->bev == bev && !vp->stalled && wirebuf_peek(in, &h)) {
		evbuffer_drain(in, WIRE_HDRLEN);
		p = evbuffer_pullup(in, h.len);
		if (vp->state == VP_CONNECT) {
			if (h.seq != 0 || h.channel != 0 || h.len == 0) {
				vp_fail(vp, "bad message while registering", 0);
				return;
			}
			if (vp_connect_msg(vp, p[0], p + 1, h.len - 1) == -1)
				return;
		} else if (vp->state == VP_GO) {
			if (h.seq != vp->rcv_nxt) {
				snprintf(why, sizeof why, "sequence %u, "
				    "expected %u", h.seq, vp->rcv_nxt);
				vp_fail(vp, why, 0);
				return;
			}
			if (vp_go_msg(vp, &h, p) == -1)
				return;
		} else {
			vp_fail(vp, "data before registering", 0);
			return;
		}
		evbuffer_drain(in, h.len);
		if (++vp->conn_rcvd == fconf.stall_after && fconf.stall_for)
			vp_stall(vp);
	}
}

static void
vp_timer(evutil_socket_t fd, short events, void *arg)
{
	struct vp	*vp = arg;
	uint64_t	 now = util_now_ms(), ka, dead, next;

	(void)fd;
	(void)events;
	switch (vp->state) {
	case VP_WAIT:
		vp_connect(vp);
		return;
	case VP_CONNECTING:
	case VP_CONNECT:
		if (fconf.connect_timeout != 0 && now >= vp->last_tx +
		    (uint64_t)fconf.connect_timeout * 1000) {
			vp_fail(vp, "no answer to registration", 0);
			return;
		}
		if (fconf.connect_timeout != 0)
			vp_arm(vp, vp->last_tx +
			    (uint64_t)fconf.connect_timeout * 1000 - now);
		return;
	case VP_GO:
		break;
	}
	if (!vp->stalled && now >= vp->last_rx + fconf.deadpeer_ms) {
		vp_fail(vp, "nothing received from the controller", 1);
		return;
	}
	if (now >= vp->last_tx + fconf.keepalive_ms)
		vp_send_ctl(vp, WIRE_KEEPALIVE, 0);
	ka = vp->last_tx + fconf.keepalive_ms;
	dead = vp->last_rx + fconf.deadpeer_ms;
	next = ka < dead ? ka : dead;
	vp_arm(vp, next > now ? next - now : 0);
}

static void
vp_dropper(evutil_socket_t fd, short events, void *arg)
{
	struct vp	*vp = arg;

	(void)fd;
	(void)events;
	if (vp->bev != NULL && vp->state == VP_GO)
		vp_fail(vp, "dropping the connection (fault: --drop-every)", 0);
}

void
vp_free(struct vp *vp)
{
	if (vp->bev != NULL)
		bufferevent_free(vp->bev);
	vp_chans_drop(vp);
	rtxq_clear(&vp->rtx);
	evbuffer_free(vp->held);
	event_free(vp->tmr);
	if (vp->dropper != NULL)
		event_free(vp->dropper);
	if (vp->unstall != NULL)
		event_free(vp->unstall);
	free(vp);
}

void
vp_faults_start(struct vp *vp)
{
	struct timeval	tv = { fconf.drop_every, 0 };

	if (fconf.drop_every == 0)
		return;
	vp->dropper = event_new(fconf.base, -1, EV_PERSIST, vp_dropper, vp);
	if (vp->dropper == NULL)
		fatal("event_new");
	event_add(vp->dropper, &tv);
}

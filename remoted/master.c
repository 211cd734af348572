/*
 * master.c: one remote scamper: registration, sequence numbers and ACKs,
 * the retransmit queue, keepalive and dead-peer timing, resume and zombies
 * (remote-protocol.md §4-§8).
 *
 * A freshly accepted connection is a master in CONNECT state.  MASTER_NEW
 * turns it into a registered master; MASTER_RES hands its connection over
 * to the registered master it names and frees the temporary one.
 *
 * Reading from scamper does not go through the bufferevent: libevent 2.1
 * reads at most 4096 bytes per call there, which halves relay throughput
 * for 8 KiB results.  A read event of our own fills `in` with up to
 * MASTER_READMAX bytes per readv; the bufferevent does the writing.
 */
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/uio.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "addr.h"
#include "channel.h"
#include "log.h"
#include "master.h"
#include "remoted.h"
#include "unixdir.h"
#include "util.h"
#include "wire.h"
#include "wirebuf.h"

/* Largest single read from scamper's connection. */
#define MASTER_READMAX	(256 * 1024)

enum master_state {
	MASTER_CONNECT,		/* accepted, waiting for NEW or RES */
	MASTER_GO,		/* registered and connected */
	MASTER_FLUSH,		/* REJ queued; freed once written */
	MASTER_ZOMBIE,		/* registered, connection gone */
};

struct chanent {
	uint32_t	 id;
	struct channel	*ch;
};

struct master {
	enum master_state	 state;
	struct bufferevent	*bev;		/* writes; NULL while a zombie */
	struct event		*rev;		/* reads, with bev */
	struct evbuffer		*in;		/* bytes read, not yet handled */
	int			 backlogged;	/* channels over the mark */
	uint64_t		 paused_at;	/* ms; reading paused since */
	struct event		*tmr;		/* the one timer, per state */
	uint64_t		 last_rx;	/* ms, last bytes read */
	uint64_t		 last_tx;	/* ms, last message sent */

	char			 peer[ADDR_NAMELEN];	/* MASTER_ID form */
	char			*name;		/* [monitor-]peer */
	char			*monitor;	/* NULL when none */
	uint8_t			*magic;
	uint8_t			 magic_len;
	uint32_t		 id;		/* instance id, from 1 */

	uint32_t		 snd_nxt;
	uint32_t		 rcv_nxt;
	struct rtxq		 rtx;		/* unacknowledged messages */
	int			 throttled;

	struct chanent		*chans;		/* sorted by id */
	size_t			 nchans;
	size_t			 chans_alloc;
	uint32_t		 next_chan;
	struct unixsock		*usock;

	struct master		*hnext;		/* magic hash chain */
	TAILQ_ENTRY(master)	 entry;
};

static TAILQ_HEAD(, master)	 masters = TAILQ_HEAD_INITIALIZER(masters);
static struct master		**mtab;		/* registered, by magic */
static size_t			  mtab_size;
static size_t			  mtab_count;
static uint32_t			  instance_counter;

static void	master_readable(evutil_socket_t, short, void *);
static void	master_event(struct bufferevent *, short, void *);
static void	master_timer(evutil_socket_t, short, void *);
static void	master_free(struct master *);

const char *
master_name(const struct master *m)
{
	return (m->name != NULL ? m->name : m->peer);
}

int
master_throttled(const struct master *m)
{
	return (m->throttled);
}

/* Registered masters are found by magic (MASTER_NEW duplicates, RES). */

static uint32_t
master_hash(const uint8_t *magic, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++)
		h = (h ^ magic[i]) * 16777619u;
	return (h);
}

static struct master *
master_find(const uint8_t *magic, uint8_t len)
{
	struct master	*m;

	if (mtab_size == 0)
		return (NULL);
	m = mtab[master_hash(magic, len) & (mtab_size - 1)];
	for (; m != NULL; m = m->hnext) {
		if (m->magic_len == len && memcmp(m->magic, magic, len) == 0)
			return (m);
	}
	return (NULL);
}

static void
master_hash_insert(struct master *m)
{
	struct master	**nt, *e, *next;
	size_t		  i, nsize, b;

	if (mtab_count >= mtab_size) {
		nsize = mtab_size == 0 ? 64 : mtab_size * 2;
		if ((nt = calloc(nsize, sizeof *nt)) == NULL)
			fatal("calloc");
		for (i = 0; i < mtab_size; i++) {
			for (e = mtab[i]; e != NULL; e = next) {
				next = e->hnext;
				b = master_hash(e->magic, e->magic_len) &
				    (nsize - 1);
				e->hnext = nt[b];
				nt[b] = e;
			}
		}
		free(mtab);
		mtab = nt;
		mtab_size = nsize;
	}
	b = master_hash(m->magic, m->magic_len) & (mtab_size - 1);
	m->hnext = mtab[b];
	mtab[b] = m;
	mtab_count++;
}

static void
master_hash_remove(struct master *m)
{
	struct master	**pp;

	if (m->magic == NULL || mtab_size == 0)
		return;
	pp = &mtab[master_hash(m->magic, m->magic_len) & (mtab_size - 1)];
	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == m) {
			*pp = m->hnext;
			mtab_count--;
			return;
		}
	}
}

/* Timers: one event per master, its meaning set by the state. */

static void
master_arm(struct master *m, uint64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(m->tmr, &tv);
}

/*
 * In GO the timer is not moved on every send or read; it fires at the
 * earlier of the two deadlines and re-arms itself for what is left.
 */
static void
master_arm_go(struct master *m)
{
	uint64_t	now = util_now_ms(), ka, dead, next;

	ka = m->last_tx + REMOTED_KEEPALIVE_MS;
	dead = m->last_rx + REMOTED_DEADPEER_MS;
	next = ka < dead ? ka : dead;
	master_arm(m, next > now ? next - now : 0);
}

/* Output. */

static void
master_write(struct master *m, const void *buf, size_t len)
{
	if (m->bev == NULL)
		return;
	if (bufferevent_write(m->bev, buf, len) == -1)
		fatalx("%s: bufferevent_write failed", master_name(m));
	m->last_tx = util_now_ms();
}

/*
 * MASTER_ID is the first thing a new connection gets: written straight to
 * the socket, it saves registration an EPOLLOUT round trip.  Not for the
 * ACK stream, where it would cost a system call per message.
 */
static void
master_write_now(struct master *m, const void *buf, size_t len)
{
	ssize_t	n = 0;

	if (m->bev == NULL)
		return;
	if (evbuffer_get_length(bufferevent_get_output(m->bev)) == 0)
		n = send(bufferevent_getfd(m->bev), buf, len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		n = 0;		/* EAGAIN or a dead peer: the bufferevent says */
	if ((size_t)n < len)
		master_write(m, (const uint8_t *)buf + n, len - (size_t)n);
	else
		m->last_tx = util_now_ms();
}

/* ACK and KEEPALIVE carry our snd_nxt; only sent in GO. */
static void
master_send_ctl(struct master *m, uint8_t type, uint32_t v)
{
	uint8_t	buf[WIRE_CTLMAX];
	size_t	len;

	if (m->state != MASTER_GO)
		return;
	if (type == WIRE_KEEPALIVE)
		len = wire_ctl_encode(buf, m->snd_nxt, type);
	else
		len = wire_ctl32_encode(buf, m->snd_nxt, type, v);
	master_write(m, buf, len);
}

static size_t
master_txbytes(const struct master *m)
{
	size_t	n = rtxq_bytes(&m->rtx);

	if (m->bev != NULL)
		n += evbuffer_get_length(bufferevent_get_output(m->bev));
	return (n);
}

/*
 * Bound what local clients can make us hold for one master: above
 * REMOTED_TXMAX stop reading their sockets, so the kernel pushes back on
 * them, until the queue falls below REMOTED_TXLOW.
 */
static void
master_check_throttle(struct master *m)
{
	size_t	n = master_txbytes(m), i;
	int	on;

	if (!m->throttled && n >= REMOTED_TXMAX)
		on = 1;
	else if (m->throttled && n < REMOTED_TXLOW)
		on = 0;
	else
		return;
	m->throttled = on;
	log_debug("%s: %s local clients (%zu bytes queued)", master_name(m),
	    on ? "pausing" : "resuming", n);
	for (i = 0; i < m->nchans; i++)
		channel_throttle(m->chans[i].ch, on);
}

/* Data, CHANNEL_NEW and CHANNEL_FIN: numbered, queued, sent if connected. */
static void
master_send_reliable(struct master *m, uint32_t channel, const void *buf,
    size_t len)
{
	uint8_t	hdr[WIRE_HDRLEN];

	rtxq_push(&m->rtx, m->snd_nxt, channel, buf, len);
	wire_hdr_encode(hdr, m->snd_nxt, channel, (uint16_t)len);
	m->snd_nxt++;
	if (m->state == MASTER_GO) {
		master_write(m, hdr, sizeof hdr);
		master_write(m, buf, len);
	}
	master_check_throttle(m);
}

void
master_send_data(struct master *m, uint32_t channel, const void *buf,
    size_t len)
{
	const uint8_t	*p = buf;
	size_t		 n;

	while (len > 0) {
		n = len > WIRE_MAXMSG ? WIRE_MAXMSG : len;
		master_send_reliable(m, channel, p, n);
		p += n;
		len -= n;
	}
}

static void
master_send_chanctl(struct master *m, uint8_t type, uint32_t channel)
{
	uint8_t	body[5];

	body[0] = type;
	body[1] = channel >> 24;
	body[2] = channel >> 16;
	body[3] = channel >> 8;
	body[4] = channel;
	master_send_reliable(m, 0, body, sizeof body);
}

void
master_send_fin(struct master *m, uint32_t channel)
{
	log_debug("%s: channel %u: sending FIN", master_name(m), channel);
	master_send_chanctl(m, WIRE_CHANNEL_FIN, channel);
}

static uint32_t
master_snd_una(const struct master *m)
{
	uint32_t	seq;

	return (rtxq_head(&m->rtx, &seq) ? seq : m->snd_nxt);
}

/* Channels: a sorted array, since ids are handed out in rising order. */

static size_t
master_chan_index(const struct master *m, uint32_t id)
{
	size_t	lo = 0, hi = m->nchans, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->chans[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

static struct channel *
master_chan_find(const struct master *m, uint32_t id)
{
	size_t	i = master_chan_index(m, id);

	if (i < m->nchans && m->chans[i].id == id)
		return (m->chans[i].ch);
	return (NULL);
}

/* Ids count up from 1, skip 0 on wraparound and skip ids still open. */
static uint32_t
master_chan_newid(struct master *m)
{
	uint32_t	id;

	do {
		id = m->next_chan++;
	} while (id == 0 || master_chan_find(m, id) != NULL);
	return (id);
}

static void
master_chan_insert(struct master *m, uint32_t id, struct channel *ch)
{
	struct chanent	*n;
	size_t		 i, nalloc;

	if (m->nchans == m->chans_alloc) {
		nalloc = m->chans_alloc == 0 ? 4 : m->chans_alloc * 2;
		if ((n = reallocarray(m->chans, nalloc, sizeof *n)) == NULL)
			fatal("reallocarray");
		m->chans = n;
		m->chans_alloc = nalloc;
	}
	i = master_chan_index(m, id);
	memmove(&m->chans[i + 1], &m->chans[i],
	    (m->nchans - i) * sizeof *m->chans);
	m->chans[i].id = id;
	m->chans[i].ch = ch;
	m->nchans++;
}

void
master_channel_remove(struct master *m, struct channel *ch)
{
	size_t	i = master_chan_index(m, channel_id(ch));

	if (i >= m->nchans || m->chans[i].ch != ch)
		return;
	memmove(&m->chans[i], &m->chans[i + 1],
	    (m->nchans - i - 1) * sizeof *m->chans);
	if (--m->nchans == 0) {
		/* an idle VP keeps no channel array */
		free(m->chans);
		m->chans = NULL;
		m->chans_alloc = 0;
	}
}

/* A local client connected to this master's per-remote socket. */
static void
master_unix_accept(int fd, void *arg)
{
	struct master	*m = arg;
	struct channel	*ch;
	uint32_t	 id;

	if (m->nchans >= REMOTED_MAXCHANNELS) {
		log_info("%s: %d channels open; refusing a local client",
		    master_name(m), REMOTED_MAXCHANNELS);
		close(fd);
		return;
	}
	id = master_chan_newid(m);
	if ((ch = channel_new(m, id, fd)) == NULL)
		return;
	master_chan_insert(m, id, ch);
	log_debug("%s: channel %u: local client connected", master_name(m),
	    id);
	master_send_chanctl(m, WIRE_CHANNEL_NEW, id);
	if (m->throttled)
		channel_throttle(ch, 1);
}

static void
master_unix_open(struct master *m)
{
	if (conf.unix_dir == NULL || m->usock != NULL)
		return;
	m->usock = unixsock_open(conf.unix_dir, m->name, master_unix_accept,
	    m);
	if (m->usock != NULL)
		log_debug("%s: socket %s", m->name, unixsock_path(m->usock));
}

static void
master_set_name(struct master *m)
{
	size_t	len = strlen(m->peer) + 1;
	char	*name;

	if (m->monitor != NULL)
		len += strlen(m->monitor) + 1;
	if ((name = malloc(len)) == NULL)
		fatal("malloc");
	if (m->monitor != NULL)
		snprintf(name, len, "%s-%s", m->monitor, m->peer);
	else
		snprintf(name, len, "%s", m->peer);
	free(m->name);
	m->name = name;
}

/* Connections. */

/* Attach connection fd (already in m->bev) to m for reading. */
static void
master_attach(struct master *m, int fd)
{
	if (m->rev != NULL)
		event_free(m->rev);
	m->rev = event_new(conf.base, fd, EV_READ | EV_PERSIST,
	    master_readable, m);
	if (m->rev == NULL)
		fatalx("%s: cannot watch the connection", master_name(m));
	/* a resumed master may still have clients holding its reads back */
	if (m->backlogged == 0 && event_add(m->rev, NULL) == -1)
		fatalx("%s: cannot watch the connection", master_name(m));
	if (m->in == NULL && (m->in = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	evbuffer_drain(m->in, evbuffer_get_length(m->in));
	bufferevent_setcb(m->bev, NULL, NULL, master_event, m);
	bufferevent_disable(m->bev, EV_READ);
}

/*
 * Channels over the backlog mark pause reading from scamper; the last one
 * to drain resumes it.  Resuming goes through the read event, never
 * straight into master_input(), so no channel callback re-enters it.
 */
void
master_backlog(struct master *m, int delta)
{
	m->backlogged += delta;
	if (delta > 0 && m->backlogged == 1) {
		m->paused_at = util_now_ms();
		if (m->rev != NULL)
			event_del(m->rev);
		log_debug("%s: a local client is behind; pausing reads",
		    master_name(m));
	} else if (delta < 0 && m->backlogged == 0) {
		m->last_rx = util_now_ms();	/* the pause was ours */
		if (m->rev != NULL) {
			event_add(m->rev, NULL);
			event_active(m->rev, EV_READ, 1);
		}
		log_debug("%s: resuming reads", master_name(m));
	}
}

/* The connection is gone: stop watching it. */
static void
master_detach(struct master *m)
{
	if (m->rev != NULL)
		event_free(m->rev);
	m->rev = NULL;
	if (m->bev != NULL)
		bufferevent_free(m->bev);
	m->bev = NULL;
	if (m->in != NULL)
		evbuffer_drain(m->in, evbuffer_get_length(m->in));
}

void
master_accept(int fd, const struct sockaddr *sa)
{
	struct master	*m;

	if ((m = calloc(1, sizeof *m)) == NULL)
		fatal("calloc");
	if (addr_name(sa, m->peer, sizeof m->peer) == -1)
		snprintf(m->peer, sizeof m->peer, "?");
	m->state = MASTER_CONNECT;
	m->next_chan = 1;
	m->bev = bufferevent_socket_new(conf.base, fd, BEV_OPT_CLOSE_ON_FREE);
	m->tmr = evtimer_new(conf.base, master_timer, m);
	if (m->bev == NULL || m->tmr == NULL)
		fatalx("%s: cannot set up connection", m->peer);
	bufferevent_set_max_single_write(m->bev, MASTER_READMAX);
	master_attach(m, fd);
	m->last_rx = m->last_tx = util_now_ms();
	TAILQ_INSERT_TAIL(&masters, m, entry);
	/* a fixed deadline: bytes trickling in do not extend it */
	master_arm(m, REMOTED_HANDSHAKE_MS);
	log_debug("%s: connection accepted", m->peer);
}

static void
master_free(struct master *m)
{
	size_t	i;

	TAILQ_REMOVE(&masters, m, entry);
	master_hash_remove(m);
	/* closing a master closes its local clients; no FIN is sent */
	for (i = 0; i < m->nchans; i++)
		channel_free(m->chans[i].ch);
	free(m->chans);
	unixsock_close(m->usock);
	master_detach(m);
	if (m->in != NULL)
		evbuffer_free(m->in);
	event_free(m->tmr);
	rtxq_clear(&m->rtx);
	free(m->name);
	free(m->monitor);
	free(m->magic);
	free(m);
}

/* Protocol errors: close, free, no zombie (remote-protocol.md §11.2). */
static void
master_drop(struct master *m, const char *reason)
{
	log_info("%s: dropped: %s", master_name(m), reason);
	master_free(m);
}

/* EOF, I/O error or silence: a registered master becomes a zombie. */
static void
master_disconnect(struct master *m, const char *reason)
{
	if (m->state != MASTER_GO || conf.zombie_time == 0) {
		if (m->state == MASTER_GO)
			log_info("%s: disconnected (%s); freed (-Z 0)",
			    master_name(m), reason);
		else
			log_debug("%s: connection closed (%s)",
			    master_name(m), reason);
		master_free(m);
		return;
	}
	log_info("%s: disconnected (%s); zombie for %u s", master_name(m),
	    reason, conf.zombie_time);
	master_detach(m);
	unixsock_close(m->usock);
	m->usock = NULL;
	m->state = MASTER_ZOMBIE;
	master_arm(m, (uint64_t)conf.zombie_time * 1000);
}

/* Drop the clients that kept reading paused for REMOTED_BACKLOG_MS. */
static void
master_unstick(struct master *m)
{
	size_t	i = m->nchans;

	while (i-- > 0 && m->backlogged > 0) {
		if (i < m->nchans && channel_backlogged(m->chans[i].ch))
			channel_stuck(m->chans[i].ch);
	}
}

static void
master_timer(evutil_socket_t fd, short events, void *arg)
{
	struct master	*m = arg;
	uint64_t	 now = util_now_ms();

	(void)fd;
	(void)events;
	switch (m->state) {
	case MASTER_CONNECT:
		master_drop(m, "did not register within 30 s");
		return;
	case MASTER_FLUSH:
		master_drop(m, "REJ not written within 60 s");
		return;
	case MASTER_ZOMBIE:
		log_info("%s: zombie expired after %u s", master_name(m),
		    conf.zombie_time);
		master_free(m);
		return;
	case MASTER_GO:
		break;
	}
	if (m->backlogged > 0) {
		m->last_rx = now;		/* silence is ours, not scamper's */
		if (now >= m->paused_at + REMOTED_BACKLOG_MS)
			master_unstick(m);
	}
	if (now >= m->last_rx + REMOTED_DEADPEER_MS) {
		master_disconnect(m, "nothing received for 60 s");
		return;
	}
	if (now >= m->last_tx + REMOTED_KEEPALIVE_MS) {
		master_send_ctl(m, WIRE_KEEPALIVE, 0);
		master_unix_open(m);		/* retry a failed socket */
	}
	master_arm_go(m);
}

/* Registration: MASTER_NEW (remote-protocol.md §5.1). */
static int
master_register(struct master *m, const uint8_t *body, size_t len)
{
	struct wire_new	 n;
	struct master	*old;
	const char	*err, *oldmon;
	uint8_t		 buf[WIRE_CTLMAX];

	if ((err = wire_new_decode(body, len, &n)) != NULL) {
		master_drop(m, err);
		return (-1);
	}
	if ((old = master_find(n.magic, n.magic_len)) != NULL) {
		oldmon = old->monitor != NULL ? old->monitor : "";
		if (strcmp(oldmon, n.monitor) != 0) {
			master_drop(m, "MASTER_NEW reuses the magic of another "
			    "monitor");
			return (-1);
		}
		/* Debian scamper re-registers with its old magic after REJ */
		log_info("%s: re-registered with the same magic; replacing %s",
		    m->peer, master_name(old));
		master_free(old);
	}
	if ((m->magic = malloc(n.magic_len)) == NULL)
		fatal("malloc");
	memcpy(m->magic, n.magic, n.magic_len);
	m->magic_len = n.magic_len;
	if (n.monitor[0] != '\0' && (m->monitor = strdup(n.monitor)) == NULL)
		fatal("strdup");
	master_set_name(m);
	if (conf.unix_dir != NULL) {
		master_unix_open(m);
		if (m->usock == NULL) {
			master_drop(m, "cannot create its unix socket");
			return (-1);
		}
	}
	m->id = ++instance_counter;
	if (m->id == 0)
		m->id = ++instance_counter;
	master_hash_insert(m);
	m->state = MASTER_GO;
	master_write_now(m, buf, wire_id_encode(buf, m->peer));
	master_arm_go(m);
	log_info("%s: registered (instance %u)", m->name, m->id);
	return (0);
}

/* The new connection of a refused resume: send REJ, then close. */
static void
master_flushed(struct bufferevent *bev, void *arg)
{
	(void)bev;
	log_debug("%s: REJ written; closing", master_name(arg));
	master_free(arg);
}

static void
master_reject(struct master *t, const char *reason)
{
	uint8_t	buf[WIRE_CTLMAX];

	log_info("%s: resume refused (REJ): %s", t->peer, reason);
	master_write(t, buf, wire_ctl_encode(buf, 0, WIRE_MASTER_REJ));
	t->state = MASTER_FLUSH;
	bufferevent_setcb(t->bev, NULL, master_flushed, master_event, t);
	master_arm(t, REMOTED_FLUSH_MS);
}

/* Resume: MASTER_RES on temporary connection t (remote-protocol.md §6.5). */
static void
master_resume(struct master *t, const uint8_t *body, size_t len)
{
	struct wire_res	 r;
	struct master	*m;
	const char	*err;
	uint8_t		 buf[WIRE_CTLMAX];

	if ((err = wire_res_decode(body, len, &r)) != NULL) {
		master_drop(t, err);
		return;
	}
	if ((m = master_find(r.magic, r.magic_len)) == NULL) {
		master_reject(t, "unknown magic");
		return;
	}
	if (!wire_seq_le(master_snd_una(m), r.rcv_nxt) ||
	    !wire_seq_le(r.rcv_nxt, m->snd_nxt)) {
		master_reject(t, "scamper's rcv_nxt is outside our queue");
		return;
	}
	if (!wire_seq_le(r.snd_una, m->rcv_nxt) ||
	    !wire_seq_le(m->rcv_nxt, r.snd_nxt)) {
		master_reject(t, "our rcv_nxt is outside scamper's window");
		return;
	}
	rtxq_trim(&m->rtx, r.rcv_nxt);

	/* take over t's connection; an old one not yet seen dead is closed */
	if (m->bev != NULL) {
		log_info("%s: resumed while still connected; closing the old "
		    "connection", m->name);
		master_detach(m);
	}
	m->bev = t->bev;
	t->bev = NULL;
	/* nothing may follow a RES before our OK: m->in starts empty */
	master_attach(m, bufferevent_getfd(m->bev));
	unixsock_close(m->usock);
	m->usock = NULL;
	memcpy(m->peer, t->peer, sizeof m->peer);
	master_set_name(m);
	master_free(t);

	m->state = MASTER_GO;
	m->last_rx = util_now_ms();
	master_write(m, buf, wire_ctl32_encode(buf, 0, WIRE_MASTER_OK,
	    m->rcv_nxt));
	rtxq_replay(&m->rtx, bufferevent_get_output(m->bev));
	/* unlike MASTER_NEW, a resume completes without its socket (§9.2) */
	master_unix_open(m);
	master_arm_go(m);
	log_info("%s: resumed (instance %u, %u messages retransmitted)",
	    m->name, m->id, m->rtx.count);
}

static void
master_ack(struct master *m, uint32_t seq)
{
	log_debug("%s: sending ACK %u", master_name(m), seq);
	master_send_ctl(m, WIRE_ACK, seq);
	m->rcv_nxt++;
}

/*
 * One control message.  Returns 0 to go on reading, -1 when m is gone or
 * its connection was handed to another master.
 */
static int
master_control(struct master *m, uint8_t type, const uint8_t *body,
    size_t len)
{
	struct channel	*ch;
	uint32_t	 v;
	char		 why[128];

	if (m->state == MASTER_CONNECT) {
		switch (type) {
		case WIRE_MASTER_NEW:
			return (master_register(m, body, len));
		case WIRE_MASTER_RES:
			master_resume(m, body, len);
			return (-1);
		}
		snprintf(why, sizeof why, "%s before registration",
		    wire_type_name(type));
		master_drop(m, why);
		return (-1);
	}

	switch (type) {
	case WIRE_KEEPALIVE:
		if (len != 0) {
			master_drop(m, "KEEPALIVE with a body");
			return (-1);
		}
		return (0);
	case WIRE_ACK:
		if (wire_u32_decode(body, len, &v) != NULL) {
			master_drop(m, "ACK body is not 4 bytes");
			return (-1);
		}
		if (m->rtx.count == 0) {
			master_drop(m, "ACK with nothing outstanding");
			return (-1);
		}
		if (v != master_snd_una(m)) {
			snprintf(why, sizeof why, "ACK %u, expected %u", v,
			    master_snd_una(m));
			master_drop(m, why);
			return (-1);
		}
		rtxq_pop(&m->rtx);
		if (m->throttled)
			master_check_throttle(m);
		return (0);
	case WIRE_CHANNEL_FIN:
		master_ack(m, m->rcv_nxt);
		if (wire_u32_decode(body, len, &v) != NULL) {
			master_drop(m, "CHANNEL_FIN body is not 4 bytes");
			return (-1);
		}
		if ((ch = master_chan_find(m, v)) == NULL) {
			log_info("%s: FIN for unknown channel %u ignored",
			    m->name, v);
			return (0);
		}
		log_debug("%s: channel %u: FIN from scamper", m->name, v);
		channel_fin(ch);
		return (0);
	}
	snprintf(why, sizeof why, "unexpected %s (type %u) from scamper",
	    wire_type_name(type), type);
	master_drop(m, why);
	return (-1);
}

/*
 * Handle every whole message in m->in.  Returns -1 when m is gone (freed,
 * or its connection handed to another master), else 0.
 */
static int
master_input(struct master *m)
{
	struct evbuffer	*in = m->in;
	struct channel	*ch;
	struct wire_hdr	 h;
	uint8_t		 hdr[WIRE_HDRLEN], *body;
	size_t		 avail;
	char		 why[128];

	while (m->backlogged == 0) {
		avail = evbuffer_get_length(in);
		if (avail < WIRE_HDRLEN)
			return (0);
		evbuffer_copyout(in, hdr, sizeof hdr);
		wire_hdr_decode(hdr, &h);
		if (m->state == MASTER_CONNECT && h.seq != 0) {
			master_drop(m, hdr[0] == 0x16 && hdr[1] == 0x03 ?
			    "TLS ClientHello on a plaintext listener" :
			    "first message has a non-zero sequence");
			return (-1);
		}
		if (m->state == MASTER_GO && h.seq != m->rcv_nxt) {
			snprintf(why, sizeof why, "sequence %u, expected %u",
			    h.seq, m->rcv_nxt);
			master_drop(m, why);
			return (-1);
		}
		if (avail < WIRE_HDRLEN + (size_t)h.len)
			return (0);
		evbuffer_drain(in, WIRE_HDRLEN);

		if (h.channel == 0) {
			if (h.len == 0) {
				master_drop(m, "empty control message");
				return (-1);
			}
			if ((body = evbuffer_pullup(in, h.len)) == NULL)
				fatalx("evbuffer_pullup");
			if (master_control(m, body[0], body + 1,
			    (size_t)h.len - 1) == -1)
				return (-1);
			evbuffer_drain(in, h.len);
			continue;
		}

		if (m->state != MASTER_GO) {
			master_drop(m, "data before registration");
			return (-1);
		}
		master_ack(m, h.seq);
		if ((ch = master_chan_find(m, h.channel)) == NULL) {
			log_info("%s: %u bytes for unknown channel %u "
			    "discarded", m->name, h.len, h.channel);
			evbuffer_drain(in, h.len);
			continue;
		}
		channel_recv(ch, in, h.len);
	}
	return (0);
}

static void
master_readable(evutil_socket_t fd, short events, void *arg)
{
	struct master		*m = arg;
	struct evbuffer_iovec	 v[2];
	int			 avail = 0, nv;
	ssize_t			 n;
	size_t			 want, left;
	char			 why[128];

	(void)events;
	if (m->backlogged > 0)
		return;
	if (evbuffer_get_length(m->in) >= WIRE_HDRLEN) {
		/* left over from a pause */
		if (master_input(m) == -1 || m->backlogged > 0)
			return;
	}
	if (ioctl(fd, FIONREAD, &avail) == -1 || avail <= 0)
		avail = 4096;
	want = (size_t)avail < MASTER_READMAX ? (size_t)avail : MASTER_READMAX;
	if ((nv = evbuffer_reserve_space(m->in, (ev_ssize_t)want, v, 2)) <= 0)
		fatal("evbuffer_reserve_space");
	if (nv == 2 && v[0].iov_len >= want)
		nv = 1;
	n = readv(fd, (struct iovec *)v, nv);
	if (n <= 0) {
		evbuffer_commit_space(m->in, v, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (m->state == MASTER_FLUSH) {
			master_free(m);
			return;
		}
		if (n == 0)
			master_disconnect(m, "connection closed by scamper");
		else {
			snprintf(why, sizeof why, "read error: %s",
			    strerror(errno));
			master_disconnect(m, why);
		}
		return;
	}
	left = (size_t)n;
	if (v[0].iov_len > left)
		v[0].iov_len = left;
	left -= v[0].iov_len;
	if (nv == 2)
		v[1].iov_len = left;
	evbuffer_commit_space(m->in, v, nv);
	m->last_rx = util_now_ms();
	if (m->state == MASTER_FLUSH) {
		master_drop(m, "sent data after REJ");
		return;
	}
	(void)master_input(m);
}

static void
master_event(struct bufferevent *bev, short what, void *arg)
{
	struct master	*m = arg;
	char		 why[128];

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		snprintf(why, sizeof why, "write error: %s",
		    strerror(EVUTIL_SOCKET_ERROR()));
		master_disconnect(m, why);
	}
}

void
master_free_all(void)
{
	struct master	*m;

	while ((m = TAILQ_FIRST(&masters)) != NULL)
		master_free(m);
	free(mtab);
	mtab = NULL;
	mtab_size = mtab_count = 0;
}

/*
 * channel.c: one channel between a local client on a per-remote socket
 * and its scamper.  Bytes are relayed unchanged both ways; the only thing
 * read from them is whether a `done` line went to scamper, because after
 * that a client EOF must not send CHANNEL_FIN (remote-protocol.md §7.5).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "channel.h"
#include "log.h"
#include "master.h"
#include "remoted.h"
#include "wire.h"

#define CH_FIN_SENT	0x01	/* our CHANNEL_FIN is queued */
#define CH_FIN_RCVD	0x02	/* scamper finished the channel */
#define CH_DONE		0x04	/* a `done` line was forwarded */
#define CH_READ_EOF	0x08	/* the client stopped writing */
#define CH_BACKLOG	0x10	/* output above the high mark */

#define CH_LINEMAX	6	/* "done\r" plus one to see a longer line */
#define CH_IOMAX	(256 * 1024)

struct channel {
	struct master		*m;
	struct bufferevent	*bev;		/* NULL once the client is gone */
	uint32_t		 id;
	uint8_t			 flags;
	uint8_t			 linelen;
	char			 line[CH_LINEMAX];
};

static void	channel_read(struct bufferevent *, void *);
static void	channel_write(struct bufferevent *, void *);
static void	channel_event(struct bufferevent *, short, void *);

uint32_t
channel_id(const struct channel *ch)
{
	return (ch->id);
}

struct channel *
channel_new(struct master *m, uint32_t id, int fd)
{
	struct channel	*ch;

	if ((ch = calloc(1, sizeof *ch)) == NULL)
		fatal("calloc");
	ch->m = m;
	ch->id = id;
	if ((ch->bev = bufferevent_socket_new(conf.base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("%s: cannot set up a local client", master_name(m));
		close(fd);
		free(ch);
		return (NULL);
	}
	bufferevent_set_max_single_read(ch->bev, CH_IOMAX);
	bufferevent_set_max_single_write(ch->bev, CH_IOMAX);
	bufferevent_setcb(ch->bev, channel_read, channel_write, channel_event,
	    ch);
	bufferevent_enable(ch->bev, EV_READ);
	return (ch);
}

/* Freed with its master: close the client, no FIN (§7.5 case 4). */
void
channel_free(struct channel *ch)
{
	if (ch->bev != NULL)
		bufferevent_free(ch->bev);
	free(ch);
}

/*
 * A client with more than REMOTED_BACKLOG_HIGH unread makes its master
 * stop reading from scamper (TCP then pushes back on scamper) until the
 * client is below REMOTED_BACKLOG_LOW: bursts never cost data.
 */
static void
channel_backlog(struct channel *ch, int on)
{
	if (on == ((ch->flags & CH_BACKLOG) != 0))
		return;
	if (on) {
		ch->flags |= CH_BACKLOG;
		bufferevent_setwatermark(ch->bev, EV_WRITE,
		    REMOTED_BACKLOG_LOW, 0);
	} else {
		ch->flags &= ~CH_BACKLOG;
		if (ch->bev != NULL)
			bufferevent_setwatermark(ch->bev, EV_WRITE, 0, 0);
	}
	master_backlog(ch->m, on ? 1 : -1);
}

int
channel_backlogged(const struct channel *ch)
{
	return ((ch->flags & CH_BACKLOG) != 0);
}

/* The channel is over on both sides: forget it. */
static void
channel_destroy(struct channel *ch)
{
	log_debug("%s: channel %u: closed", master_name(ch->m), ch->id);
	channel_backlog(ch, 0);
	master_channel_remove(ch->m, ch);
	channel_free(ch);
}

/* Watch the start of every line for "done" (scamper's own test). */
static void
channel_scan(struct channel *ch, const uint8_t *p, size_t n)
{
	const uint8_t	*nl;
	size_t		 seg, i, len;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		seg = nl != NULL ? (size_t)(nl - p) : n;
		for (i = 0; i < seg && ch->linelen < CH_LINEMAX; i++)
			ch->line[ch->linelen++] = (char)p[i];
		if (nl == NULL)
			return;
		len = ch->linelen;
		if (len > 0 && ch->line[len - 1] == '\r')
			len--;
		if (len == 4 && strncasecmp(ch->line, "done", 4) == 0)
			ch->flags |= CH_DONE;
		ch->linelen = 0;
		p += seg + 1;
		n -= seg + 1;
	}
}

/* The client will send no more: FIN, unless scamper needs none. */
static void
channel_client_finished(struct channel *ch)
{
	if (ch->flags & (CH_FIN_SENT | CH_FIN_RCVD | CH_DONE))
		return;
	ch->flags |= CH_FIN_SENT;
	master_send_fin(ch->m, ch->id);
}

/* Local read or write error, or a client that stopped reading (§7.5.3). */
static void
channel_client_lost(struct channel *ch, const char *why)
{
	log_info("%s: channel %u: local client lost: %s", master_name(ch->m),
	    ch->id, why);
	bufferevent_free(ch->bev);
	ch->bev = NULL;
	channel_backlog(ch, 0);
	channel_client_finished(ch);
	if (ch->flags & CH_FIN_RCVD)
		channel_destroy(ch);
}

static void
channel_read(struct bufferevent *bev, void *arg)
{
	struct channel	*ch = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	const uint8_t	*p;
	size_t		 len;

	while ((len = evbuffer_get_length(in)) > 0) {
		if (len > WIRE_MAXMSG)
			len = WIRE_MAXMSG;
		if ((p = evbuffer_pullup(in, len)) == NULL)
			fatalx("evbuffer_pullup");
		if (ch->flags & CH_FIN_RCVD)
			log_debug("%s: channel %u: %zu bytes after scamper's "
			    "FIN discarded", master_name(ch->m), ch->id, len);
		else {
			channel_scan(ch, p, len);
			master_send_data(ch->m, ch->id, p, len);
		}
		evbuffer_drain(in, len);
	}
}

/*
 * Output down to the write watermark: below the backlog mark, or drained,
 * after which a channel scamper has finished can close.
 */
static void
channel_write(struct bufferevent *bev, void *arg)
{
	struct channel	*ch = arg;
	size_t		 left = evbuffer_get_length(bufferevent_get_output(bev));

	if ((ch->flags & CH_BACKLOG) && left <= REMOTED_BACKLOG_LOW)
		channel_backlog(ch, 0);
	if ((ch->flags & CH_FIN_RCVD) && left == 0)
		channel_destroy(ch);
}

/* Its client has not read for REMOTED_BACKLOG_MS: drop it. */
void
channel_stuck(struct channel *ch)
{
	channel_client_lost(ch, "client stopped reading for 60 s");
}

static void
channel_event(struct bufferevent *bev, short what, void *arg)
{
	struct channel	*ch = arg;

	(void)bev;
	if (what & BEV_EVENT_ERROR) {
		channel_client_lost(ch, strerror(EVUTIL_SOCKET_ERROR()));
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/* keep writing: a half-closed client still reads results */
		log_debug("%s: channel %u: local client EOF",
		    master_name(ch->m), ch->id);
		ch->flags |= CH_READ_EOF;
		bufferevent_disable(ch->bev, EV_READ);
		channel_client_finished(ch);
	}
}

/* len bytes of channel data from scamper, at the head of in. */
void
channel_recv(struct channel *ch, struct evbuffer *in, size_t len)
{
	struct evbuffer	*out;

	if (ch->bev == NULL || (ch->flags & CH_FIN_RCVD)) {
		if (ch->flags & CH_FIN_RCVD)
			log_info("%s: channel %u: data after scamper's FIN "
			    "discarded", master_name(ch->m), ch->id);
		evbuffer_drain(in, len);
		return;
	}
	out = bufferevent_get_output(ch->bev);
	if (evbuffer_remove_buffer(in, out, len) != (int)len)
		fatalx("evbuffer_remove_buffer");
	if (evbuffer_get_length(out) > REMOTED_CLIENTMAX)
		channel_client_lost(ch, "more than 16 MiB unread");
	else if (evbuffer_get_length(out) > REMOTED_BACKLOG_HIGH)
		channel_backlog(ch, 1);
}

/* scamper's CHANNEL_FIN: flush what the client has not read, then close. */
void
channel_fin(struct channel *ch)
{
	if (ch->flags & CH_FIN_RCVD) {
		log_info("%s: channel %u: second FIN from scamper ignored",
		    master_name(ch->m), ch->id);
		return;
	}
	ch->flags |= CH_FIN_RCVD;
	if (ch->bev == NULL) {
		channel_destroy(ch);
		return;
	}
	bufferevent_disable(ch->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(ch->bev)) == 0)
		channel_destroy(ch);
}

void
channel_throttle(struct channel *ch, int on)
{
	if (ch->bev == NULL || (ch->flags & (CH_READ_EOF | CH_FIN_RCVD)))
		return;
	if (on)
		bufferevent_disable(ch->bev, EV_READ);
	else
		bufferevent_enable(ch->bev, EV_READ);
}

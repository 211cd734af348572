/*
 * control.c: one channel of a simulated scamper: the attached-mode text
 * protocol (control-protocol.md §9) and its measurement tasks.
 */
#include <sys/queue.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "fake.h"
#include "log.h"
#include "util.h"
#include "uu.h"
#include "warts.h"

#define CTL_LINEMAX	65536		/* longest partial command line */
#define CTL_CHUNK	8192		/* uuencoded bytes per message */
#define CTL_MAXARGS	40

enum task_type { TASK_PING, TASK_TRACE };

struct task {
	struct fchan		*ch;
	uint32_t		 id;
	enum task_type		 type;
	struct ping_req		 ping;
	struct trace_req	 trace;
	uint64_t		 start_us;	/* wall clock */
	uint64_t		 start_ms;	/* monotonic */
	uint64_t		 dur_us;	/* record time */
	struct event		*ev;
	TAILQ_ENTRY(task)	 entry;
};

struct fchan {
	struct vp		*vp;
	uint32_t		 id;
	char			 name[300];
	uint32_t		 ntasks;	/* task id counter */
	int			 done;		/* no more commands */
	int			 flush;		/* CYCLE_STOP sent */
	struct evbuffer		*line;		/* partial input line */
	TAILQ_HEAD(, task)	 tasks;
};

static uint64_t
wall_us(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return ((uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec);
}

static void
control_line_out(struct fchan *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Each text line is its own data message, as scamper sends them. */
static void
control_line_out(struct fchan *c, const char *fmt, ...)
{
	char	buf[256];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf - 1)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	vp_chan_send(c->vp, c->id, buf, (size_t)n);
}

/* One record: its DATA line, then whole uuencoded lines in ≤ 8 KiB. */
static void
control_data(struct fchan *c, const struct wbuf *rec, uint32_t task_id)
{
	size_t	 n = uu_enclen(rec->len), off, end, next;
	char	*enc;

	if ((enc = malloc(n)) == NULL)
		fatal("malloc");
	uu_encode(rec->p, rec->len, enc);
	if (task_id != 0 && fconf.data_id)
		control_line_out(c, "DATA %zu id-%u", n, task_id);
	else
		control_line_out(c, "DATA %zu", n);
	for (off = 0; off < n; off = end) {
		end = off;
		while (end < n) {
			next = (size_t)((char *)memchr(enc + end, '\n',
			    n - end) - enc) + 1;
			if (next - off > CTL_CHUNK && end > off)
				break;
			end = next;
		}
		vp_chan_send(c->vp, c->id, enc + off, end - off);
	}
	free(enc);
}

static void
control_err(struct fchan *c, const char *reason)
{
	if (fconf.err_reason && reason != NULL)
		control_line_out(c, "ERR command not accepted: %s", reason);
	else
		control_line_out(c, "ERR command not accepted");
}

struct fchan *
control_open(struct vp *vp, uint32_t id, unsigned int k)
{
	struct fchan	*c;
	struct wbuf	 b = { 0 };

	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->line = evbuffer_new()) == NULL)
		fatal("control_open");
	c->vp = vp;
	c->id = id;
	TAILQ_INIT(&c->tasks);
	snprintf(c->name, sizeof c->name, "%s_%u", vp_alias(vp), k);

	control_line_out(c, "MORE");
	warts_list(&b, c->name, vp_monitor(vp));
	control_data(c, &b, 0);
	wbuf_reset(&b);
	warts_cycle_start(&b, (uint32_t)(wall_us() / 1000000), fconf.hostname);
	control_data(c, &b, 0);
	wbuf_free(&b);
	return (c);
}

static void
task_free(struct task *t)
{
	TAILQ_REMOVE(&t->ch->tasks, t, entry);
	if (t->ev != NULL)
		event_free(t->ev);
	free(t);
}

void
control_free(struct fchan *c)
{
	struct task	*t;

	while ((t = TAILQ_FIRST(&c->tasks)) != NULL)
		task_free(t);
	evbuffer_free(c->line);
	free(c);
}

/* CYCLE_STOP, then scamper's FIN; the channel is forgotten. */
static void
control_end(struct fchan *c)
{
	struct wbuf	b = { 0 };

	warts_cycle_stop(&b, (uint32_t)(wall_us() / 1000000));
	control_data(c, &b, 0);
	wbuf_free(&b);
	c->flush = 1;
	vp_chan_finished(c->vp, c->id);		/* frees c */
}

static void
control_abandon(struct fchan *c)
{
	struct task	*t;

	while ((t = TAILQ_FIRST(&c->tasks)) != NULL)
		task_free(t);
	control_end(c);
}

/*
 * A task's result: halted is the record time elapsed, or 0.  Returns -1
 * when that ended the channel (c is freed).
 */
static int
task_finish(struct task *t, int halted, uint64_t elapsed_us)
{
	struct fchan	*c = t->ch;
	struct wbuf	 b = { 0 };
	uint64_t	 sent;

	if (t->type == TASK_PING) {
		sent = t->ping.count;
		if (halted) {
			sent = t->ping.wait_us == 0 ? t->ping.count :
			    elapsed_us / t->ping.wait_us + 1;
			if (sent > t->ping.count)
				sent = t->ping.count;
		}
		sim_ping(&b, &t->ping, t->start_us, (uint16_t)sent, halted);
	} else
		sim_trace(&b, &t->trace, t->start_us,
		    halted ? (elapsed_us != 0 ? elapsed_us : 1) : 0);
	control_data(c, &b, t->id);
	wbuf_free(&b);
	task_free(t);
	if (c->done && TAILQ_EMPTY(&c->tasks)) {
		control_end(c);
		return (-1);
	}
	return (0);
}

static void
task_timer(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)task_finish(arg, 0, 0);
}

static void
task_start(struct fchan *c, struct task *t)
{
	struct timeval	tv;
	uint64_t	us;

	t->ch = c;
	t->id = ++c->ntasks;
	t->start_us = wall_us();
	t->start_ms = util_now_ms();
	if (t->type == TASK_PING) {
		t->ping.task_id = t->id;
		t->dur_us = (uint64_t)t->ping.count * t->ping.wait_us;
	} else {
		struct wbuf	b = { 0 };

		t->dur_us = sim_trace(&b, &t->trace, t->start_us, 0);
		wbuf_free(&b);
	}
	us = (uint64_t)((double)t->dur_us * fconf.time_scale);
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	if ((t->ev = evtimer_new(fconf.base, task_timer, t)) == NULL)
		fatal("evtimer_new");
	evtimer_add(t->ev, &tv);
	TAILQ_INSERT_TAIL(&c->tasks, t, entry);
	control_line_out(c, "OK id-%u", t->id);
}

/* Option parsing shared by ping and trace. */

static int
parse_num(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *v)
{
	char	*end;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	*v = strtoul(s, &end, 10);
	return (*end != '\0' || errno != 0 || *v < lo || *v > hi ? -1 : 0);
}

/* A numeric command option: its letter, range and name in ERR reasons. */
struct numopt {
	char		 opt;
	unsigned long	 lo, hi;
	const char	*what;
	unsigned long	*val;
};

/*
 * If av[*i] is one of opts, parse its value into place.  Returns 1 if it
 * was, 0 if it is not a numeric option, -1 (with *err) for a bad value.
 */
static int
parse_numopt(const struct numopt *opts, size_t n, char **av, int *i,
    const char **err)
{
	static char	why[96];
	size_t		k;

	for (k = 0; k < n; k++) {
		if (av[*i][1] != opts[k].opt)
			continue;
		if (parse_num(av[++*i], opts[k].lo, opts[k].hi,
		    opts[k].val) == -1) {
			snprintf(why, sizeof why, "-%c failed: %s must be "
			    "within %lu - %lu", opts[k].opt, opts[k].what,
			    opts[k].lo, opts[k].hi);
			*err = why;
			return (-1);
		}
		return (1);
	}
	return (0);
}

static int
parse_addr(const char *s, int *family, uint8_t *out)
{
	if (inet_pton(AF_INET, s, out) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, s, out) == 1)
		*family = AF_INET6;
	else
		return (-1);
	return (0);
}

/* The source for a destination: -S, or loopback of the same family. */
static void
default_src(int family, uint8_t *src)
{
	memset(src, 0, 16);
	if (family == AF_INET) {
		src[0] = 127;
		src[3] = 1;
	} else
		src[15] = 1;
}

/* -S src, which must be of the destination's family, or the default. */
static const char *
parse_src(const char *src, int family, uint8_t *out)
{
	uint8_t	a[16];
	int	fam;

	if (src == NULL) {
		default_src(family, out);
		return (NULL);
	}
	if (parse_addr(src, &fam, a) == -1 || fam != family)
		return ("-S failed: invalid source address");
	memcpy(out, a, 16);
	return (NULL);
}

static const char *
parse_ping(char **av, int ac, struct task *t)
{
	struct ping_req	*p = &t->ping;
	unsigned long	 count = 4, ttl = 64, replies = 0, size = 0, timeout = 0;
	struct numopt	 opts[] = {
		{ 'c', 1, 65535, "attempts", &count },
		{ 'm', 1, 255, "ttl", &ttl },
		{ 'o', 0, 65535, "replies", &replies },
		{ 's', 28, 65535, "size", &size },
		{ 'W', 1, 255, "timeout", &timeout },
	};
	double		 w;
	char		*end;
	const char	*src = NULL, *err;
	int		 i, rc;
	static char	 why[96];

	p->wait_us = 1000000;
	for (i = 1; i < ac - 1; i++) {
		if (av[i][0] != '-' || av[i][1] == '\0' || av[i][2] != '\0' ||
		    i + 1 >= ac - 1)
			return ("could not parse ping command");
		if ((rc = parse_numopt(opts, sizeof opts / sizeof opts[0], av,
		    &i, &err)) == -1)
			return (err);
		if (rc == 1)
			continue;
		switch (av[i][1]) {
		case 'i':
			w = strtod(av[++i], &end);
			if (*end != '\0' || !(w >= 0.001 && w <= 20))
				return ("-i failed: wait must be within "
				    "0.001 - 20 seconds");
			p->wait_us = (uint32_t)(w * 1000000 + 0.5);
			break;
		case 'P':
			i++;
			if (strcasecmp(av[i], "icmp-echo") != 0)
				return ("-P failed: only icmp-echo is "
				    "simulated");
			break;
		case 'S':
			src = av[++i];
			break;
		default:
			snprintf(why, sizeof why, "invalid option -%c",
			    av[i][1]);
			return (why);
		}
	}
	if (parse_addr(av[ac - 1], &p->family, p->dst) == -1)
		return ("invalid destination address");
	p->count = (uint16_t)count;
	p->ttl = (uint8_t)ttl;
	p->replies_req = (uint16_t)replies;
	p->size = (uint16_t)(size != 0 ? size :
	    p->family == AF_INET ? 84 : 104);
	/* scamper's timeout defaults to the wait, in whole seconds */
	p->timeout = (uint8_t)(timeout != 0 ? timeout :
	    p->wait_us >= 1000000 ? p->wait_us / 1000000 : 1);
	p->icmp_id = (uint16_t)(0x8000 | ((fconf.seed + t->id) & 0x7fff));
	return (parse_src(src, p->family, p->src));
}

static const char *
parse_trace(char **av, int ac, struct task *t)
{
	struct trace_req	*r = &t->trace;
	unsigned long		 q = 2, w = 5, g = 5, m = 0, dport = 33435;
	unsigned long		 sport = 0x8000 + (fconf.seed & 0x7fff);
	struct numopt		 opts[] = {
		{ 'q', 1, 20, "attempts", &q },
		{ 'w', 1, 10, "wait", &w },
		{ 'g', 1, 255, "gaplimit", &g },
		{ 'm', 0, 255, "maxttl", &m },
		{ 's', 1, 65535, "sport", &sport },
		{ 'd', 1, 65535, "dport", &dport },
	};
	const char		*src = NULL, *err;
	int			 i, rc;
	static char		 why[96];

	for (i = 1; i < ac - 1; i++) {
		if (av[i][0] != '-' || av[i][1] == '\0' || av[i][2] != '\0' ||
		    i + 1 >= ac - 1)
			return ("could not parse trace command");
		if ((rc = parse_numopt(opts, sizeof opts / sizeof opts[0], av,
		    &i, &err)) == -1)
			return (err);
		if (rc == 1)
			continue;
		switch (av[i][1]) {
		case 'P':
			i++;
			if (strcasecmp(av[i], "udp-paris") != 0)
				return ("-P failed: only udp-paris is "
				    "simulated");
			break;
		case 'S':
			src = av[++i];
			break;
		default:
			snprintf(why, sizeof why, "invalid option -%c",
			    av[i][1]);
			return (why);
		}
	}
	if (parse_addr(av[ac - 1], &r->family, r->dst) == -1)
		return ("invalid destination address");
	r->attempts = (uint8_t)q;
	r->wait = (uint8_t)w;
	r->gaplimit = (uint8_t)g;
	r->hoplimit = (uint8_t)m;
	r->sport = (uint16_t)sport;
	r->dport = (uint16_t)dport;
	return (parse_src(src, r->family, r->src));
}

/* Returns -1 when the halted task was the last of a finished channel. */
static int
control_halt(struct fchan *c, const char *arg)
{
	struct task	*t;
	unsigned long	 n;
	uint64_t	 elapsed;
	char		*end;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (!isdigit((unsigned char)*arg) || *end != '\0') {
		control_line_out(c, "ERR usage: halt [id]");
		return (0);
	}
	if (errno != 0 || n == 0 || n > 4294967295UL) {
		control_line_out(c, "ERR halt number invalid");
		return (0);
	}
	TAILQ_FOREACH(t, &c->tasks, entry) {
		if (t->id == n)
			break;
	}
	if (t == NULL) {
		control_line_out(c, "ERR no task id-%lu", n);
		return (0);
	}
	control_line_out(c, "OK halted %lu", n);
	elapsed = (uint64_t)((double)(util_now_ms() - t->start_ms) * 1000 /
	    (fconf.time_scale > 0 ? fconf.time_scale : 1));
	return (task_finish(t, 1, elapsed));
}

/* One complete line.  Returns 1 if a measurement was accepted, -1 if the
 * channel ended (c is freed), else 0. */
static int
control_command(struct fchan *c, char *line, size_t len)
{
	char		*av[CTL_MAXARGS], *p, *save;
	struct task	*t;
	const char	*err;
	int		 ac = 0;
	size_t		 i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)line[i] < 0x20 ||
		    (unsigned char)line[i] > 0x7e) {
			control_line_out(c, "ERR invalid character in line");
			control_abandon(c);
			return (-1);
		}
	}
	if (strcasecmp(line, "done") == 0) {
		control_line_out(c, "OK");
		c->done = 1;
		if (TAILQ_EMPTY(&c->tasks)) {
			control_end(c);
			return (-1);
		}
		return (0);
	}
	for (p = strtok_r(line, " ", &save); p != NULL && ac < CTL_MAXARGS;
	    p = strtok_r(NULL, " ", &save))
		av[ac++] = p;
	if (ac == 0)
		return (0);
	if (strcasecmp(av[0], "halt") == 0 && ac == 2)
		return (control_halt(c, av[1]));
	if (ac < 2 || (strcasecmp(av[0], "ping") != 0 &&
	    strcasecmp(av[0], "trace") != 0)) {
		control_err(c, "could not determine command type");
		return (0);
	}
	if ((t = calloc(1, sizeof *t)) == NULL)
		fatal("calloc");
	t->id = c->ntasks + 1;
	if (strcasecmp(av[0], "ping") == 0) {
		t->type = TASK_PING;
		err = parse_ping(av, ac, t);
	} else {
		t->type = TASK_TRACE;
		err = parse_trace(av, ac, t);
	}
	if (err != NULL) {
		free(t);
		control_err(c, err);
		return (0);
	}
	task_start(c, t);
	return (1);
}

/* Bytes of one data message from the controller. */
void
control_input(struct fchan *c, const uint8_t *buf, size_t len)
{
	struct evbuffer_ptr	 pos;
	char			*line;
	size_t			 n;
	int			 accepted = 0, rc;

	if (c->flush)
		return;
	if (evbuffer_add(c->line, buf, len) == -1)
		fatal("evbuffer_add");
	for (;;) {
		pos = evbuffer_search(c->line, "\n", 1, NULL);
		if (pos.pos == -1)
			break;
		n = (size_t)pos.pos;
		if ((line = malloc(n + 1)) == NULL)
			fatal("malloc");
		evbuffer_remove(c->line, line, n);
		evbuffer_drain(c->line, 1);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		rc = n == 0 ? 0 : control_command(c, line, n);
		free(line);
		if (rc == -1)
			return;
		accepted |= rc;
	}
	if (evbuffer_get_length(c->line) > CTL_LINEMAX) {
		evbuffer_drain(c->line, evbuffer_get_length(c->line));
		control_err(c, "command line too long");
	}
	if (accepted && !c->done)
		control_line_out(c, "MORE");
}

/* The controller's CHANNEL_FIN (already acknowledged). */
void
control_fin(struct fchan *c)
{
	if (c->flush)
		return;
	if (fconf.fin_abandon) {
		control_abandon(c);
		return;
	}
	c->done = 1;
	if (TAILQ_EMPTY(&c->tasks))
		control_end(c);
}

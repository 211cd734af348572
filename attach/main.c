/*
 * sc_rattach: run a list of measurements through one scamper channel and
 * save the results as warts (control-protocol.md §10).
 *
 * main.c: options, input, the connection, output, the timeout and the
 * progress line.  The protocol itself is in session.c.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "addr.h"
#include "log.h"
#include "session.h"

#ifndef VERSION
#define VERSION	"0.1"
#endif

#define RATTACH_LINEMAX		(1 << 20)	/* longest line from scamper */
#define RATTACH_PROGRESS_MS	250

struct rattach {
	struct event_base	*base;
	struct bufferevent	*bev;		/* the scamper channel */
	struct bufferevent	*in;		/* stdin, when read as we go */
	struct session		*s;
	const char		*prefix;	/* -c */
	int			 outfd;
	int			 status;	/* -1 until decided */
	char			 reason[300];
	struct event		*timeout;
	struct event		*progress;
	int			 progress_shown;
	unsigned int		 timeout_s;
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sc_rattach [-dv?] (-R socket | -U socket | -p [ip:]port)\n"
	    "                  -o file [-i file] [-c command] "
	    "[-O impatient|random]\n"
	    "                  [-P priority] [-t seconds] [target ...]\n"
	    "\n"
	    "  -R  per-VP socket of sc_remoted (channel already attached)\n"
	    "  -U  unix control socket of a local scamper\n"
	    "  -p  control port of a local scamper (address 127.0.0.1 by "
	    "default)\n"
	    "  -i  file of commands or targets, - for standard input\n"
	    "  -o  warts output file, - for standard output\n"
	    "  -c  prefix each input line with this command\n"
	    "  -O  impatient: do not wait for MORE; random: shuffle the input\n"
	    "  -P  attach priority (-U and -p only)\n"
	    "  -t  give up after this many seconds\n"
	    "  -d  trace commands and replies on standard error\n"
	    "  -v  print the version\n");
	exit(status);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "sc_rattach: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(EXIT_USAGE);
}

/* End the run: the first decision stands. */
static void
rattach_end(struct rattach *ra, int status, const char *reason)
{
	if (ra->status != -1)
		return;
	ra->status = status;
	if (reason != NULL && reason != ra->reason)
		snprintf(ra->reason, sizeof ra->reason, "%s", reason);
	event_base_loopbreak(ra->base);
}

static void
progress_clear(struct rattach *ra)
{
	if (ra->progress_shown) {
		fputs("\r\033[K", stderr);
		ra->progress_shown = 0;
	}
}

static void
progress_show(evutil_socket_t fd, short events, void *arg)
{
	struct rattach	*ra = arg;
	size_t		 sent, results, errors, total;

	(void)fd;
	(void)events;
	session_counts(ra->s, &sent, &results, &errors, &total);
	fprintf(stderr, "\r\033[Ksent %zu/%zu, results %zu, errors %zu",
	    sent, total, results, errors);
	ra->progress_shown = 1;
}

static void
send_line(void *arg, const char *line)
{
	struct rattach	*ra = arg;

	bufferevent_write(ra->bev, line, strlen(line));
	bufferevent_write(ra->bev, "\n", 1);
}

static int
write_record(void *arg, const uint8_t *p, size_t len)
{
	struct rattach	*ra = arg;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(ra->outfd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(ra->reason, sizeof ra->reason,
			    "cannot write the output: %s", strerror(errno));
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* One input line: skip blanks and comments, refuse what scamper would. */
static void
add_input(struct rattach *ra, char *line)
{
	char	 buf[8192];
	size_t	 len = strlen(line), i;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return;
	for (i = 0; line[i] != '\0'; i++) {
		if ((unsigned char)line[i] < 0x20 ||
		    (unsigned char)line[i] > 0x7e) {
			log_warnx("skipping input line with a non-printable "
			    "byte (scamper would abandon the channel): %.40s",
			    line);
			return;
		}
	}
	if (ra->prefix != NULL) {
		snprintf(buf, sizeof buf, "%s %s", ra->prefix, line);
		session_command(ra->s, buf);
	} else
		session_command(ra->s, line);
}

static void
read_file(struct rattach *ra, FILE *fp, const char *name)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;

	while ((n = getline(&line, &cap, fp)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		add_input(ra, line);
	}
	if (ferror(fp)) {
		fprintf(stderr, "sc_rattach: %s: %s\n", name, strerror(errno));
		exit(EXIT_SETUP);
	}
	free(line);
}

/* stdin read as the run goes, so a generator can feed commands. */
static void
stdin_read(struct bufferevent *bev, void *arg)
{
	struct rattach	*ra = arg;
	char		*line;
	size_t		 len;

	while ((line = evbuffer_readln(bufferevent_get_input(bev), &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		add_input(ra, line);
		free(line);
	}
	session_pump(ra->s);
}

static void
stdin_event(struct bufferevent *bev, short what, void *arg)
{
	struct rattach	*ra = arg;
	char		*line;
	size_t		 len;

	(void)what;
	/* a last line without a newline */
	len = evbuffer_get_length(bufferevent_get_input(bev));
	if (len > 0 && (line = calloc(1, len + 1)) != NULL) {
		evbuffer_remove(bufferevent_get_input(bev), line, len);
		add_input(ra, line);
		free(line);
	}
	session_input_done(ra->s);
	session_pump(ra->s);
	bufferevent_free(ra->in);
	ra->in = NULL;
}

static void
sock_read(struct bufferevent *bev, void *arg)
{
	struct rattach		*ra = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 nl;
	char			*p;
	int			 rc;

	for (;;) {
		nl = evbuffer_search(in, "\n", 1, NULL);
		if (nl.pos == -1) {
			if (evbuffer_get_length(in) > RATTACH_LINEMAX)
				rattach_end(ra, EXIT_PROTO,
				    "a line from scamper is too long");
			break;
		}
		if ((p = (char *)evbuffer_pullup(in, nl.pos + 1)) == NULL)
			fatalx("evbuffer_pullup");
		rc = session_line(ra->s, p, (size_t)nl.pos);
		evbuffer_drain(in, (size_t)nl.pos + 1);
		if (rc == -1) {
			rattach_end(ra, EXIT_PROTO, session_error(ra->s));
			return;
		}
		if (rc == -2) {
			rattach_end(ra, EXIT_SETUP, ra->reason);
			return;
		}
		if (rc == -3) {
			rattach_end(ra, EXIT_SETUP, session_error(ra->s));
			return;
		}
	}
	session_pump(ra->s);
}

static void
sock_event(struct bufferevent *bev, short what, void *arg)
{
	struct rattach	*ra = arg;
	const char	*reason;
	char		 buf[300];
	int		 status;

	(void)bev;
	if (!(what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)))
		return;
	/* what the session saw says more than the socket error */
	status = session_finish(ra->s, &reason);
	if ((what & BEV_EVENT_ERROR) && reason == NULL) {
		snprintf(buf, sizeof buf, "connection error: %s",
		    strerror(EVUTIL_SOCKET_ERROR()));
		reason = buf;
	}
	rattach_end(ra, status, reason);
}

static void
on_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct rattach	*ra = arg;
	char		 buf[64];

	(void)fd;
	(void)events;
	snprintf(buf, sizeof buf, "timed out after %u s", ra->timeout_s);
	rattach_end(ra, EXIT_TIMEOUT, buf);
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
connect_tcp(const struct addr_listen *al)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd;

	memset(&ss, 0, sizeof ss);
	if (al->family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(al->port);
		inet_pton(AF_INET6, al->host, &sin6->sin6_addr);
		len = sizeof *sin6;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(al->port);
		inet_pton(AF_INET, al->family == AF_INET ? al->host :
		    "127.0.0.1", &sin->sin_addr);
		len = sizeof *sin;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&ss, len) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

int
main(int argc, char *argv[])
{
	struct rattach		 ra;
	struct session_cb	 cb;
	struct addr_listen	 al;
	struct timeval		 tv;
	const char		*rpath = NULL, *upath = NULL, *port = NULL;
	const char		*input = NULL, *output = NULL, *err;
	char			 attach[64], *end;
	unsigned long		 prio = 0, t = 0;
	int			 ch, fd, impatient = 0, randomise = 0;
	int			 debug = 0, i, live_stdin = 0;
	FILE			*fp;

	memset(&ra, 0, sizeof ra);
	ra.status = -1;
	ra.outfd = -1;
	while ((ch = getopt(argc, argv, "?dhvR:U:p:i:o:c:O:P:t:")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'v':
			printf("sc_rattach version %s\n", VERSION);
			return (0);
		case 'R':
			rpath = optarg;
			break;
		case 'U':
			upath = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'i':
			input = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'c':
			ra.prefix = optarg;
			break;
		case 'O':
			if (strcmp(optarg, "impatient") == 0)
				impatient = 1;
			else if (strcmp(optarg, "random") == 0)
				randomise = 1;
			else
				usage_error("-O: unknown option '%s'", optarg);
			break;
		case 'P':
			errno = 0;
			prio = strtoul(optarg, &end, 10);
			if (*optarg == '-' || *end != '\0' || errno != 0 ||
			    prio < 1 || prio > 100000)
				usage_error("-P: '%s' must be 1..100000",
				    optarg);
			break;
		case 't':
			errno = 0;
			t = strtoul(optarg, &end, 10);
			if (*optarg == '-' || *end != '\0' || errno != 0 ||
			    t < 1 || t > 86400 * 365)
				usage_error("-t: '%s' must be a number of "
				    "seconds", optarg);
			ra.timeout_s = (unsigned int)t;
			break;
		case 'h':
			usage(0);
		default:
			if (optopt == '?' || optopt == 0)
				usage(0);
			usage(EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if ((rpath != NULL) + (upath != NULL) + (port != NULL) != 1)
		usage_error("exactly one of -R, -U and -p is needed");
	if (output == NULL)
		usage_error("-o: an output file is needed");
	if (input == NULL && argc == 0)
		usage_error("give commands with -i, or targets as arguments");
	if (input != NULL && argc > 0)
		usage_error("give commands with -i or as arguments, not both");
	if (prio != 0 && rpath != NULL)
		usage_error("-P: only with -U or -p");
	if (port != NULL && (err = addr_parse_listen(port, &al)) != NULL)
		usage_error("-p: '%s': %s", port, err);

	log_init("sc_rattach", debug, debug);
	signal(SIGPIPE, SIG_IGN);

	cb.send = send_line;
	cb.record = write_record;
	cb.arg = &ra;
	if (rpath != NULL)
		attach[0] = '\0';
	else if (prio != 0)
		snprintf(attach, sizeof attach, "attach priority %lu", prio);
	else
		snprintf(attach, sizeof attach, "attach");
	ra.s = session_new(&cb, impatient, attach[0] != '\0' ? attach : NULL);

	/* input first: a bad file is found before anything is connected */
	for (i = 0; i < argc; i++)
		add_input(&ra, argv[i]);
	if (input != NULL && strcmp(input, "-") != 0) {
		if ((fp = fopen(input, "r")) == NULL) {
			fprintf(stderr, "sc_rattach: -i %s: %s\n", input,
			    strerror(errno));
			session_free(ra.s);
			return (EXIT_SETUP);
		}
		read_file(&ra, fp, input);
		fclose(fp);
	} else if (input != NULL && randomise)
		read_file(&ra, stdin, "standard input");
	else if (input != NULL)
		live_stdin = 1;		/* read as the run goes */
	if (!live_stdin)
		session_input_done(ra.s);
	if (randomise)
		session_shuffle(ra.s, (uint64_t)time(NULL) ^
		    (uint64_t)getpid() << 16);

	if (strcmp(output, "-") == 0)
		ra.outfd = STDOUT_FILENO;
	else if ((ra.outfd = open(output, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0644)) == -1) {
		fprintf(stderr, "sc_rattach: -o %s: %s\n", output,
		    strerror(errno));
		session_free(ra.s);
		return (EXIT_SETUP);
	}

	if (rpath != NULL || upath != NULL)
		fd = connect_unix(rpath != NULL ? rpath : upath);
	else
		fd = connect_tcp(&al);
	if (fd == -1) {
		fprintf(stderr, "sc_rattach: cannot connect to %s: %s\n",
		    rpath != NULL ? rpath : upath != NULL ? upath : port,
		    strerror(errno));
		session_free(ra.s);
		if (ra.outfd != STDOUT_FILENO)
			close(ra.outfd);
		return (EXIT_SETUP);
	}
	evutil_make_socket_nonblocking(fd);

	if ((ra.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((ra.bev = bufferevent_socket_new(ra.base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_socket_new");
	bufferevent_setcb(ra.bev, sock_read, NULL, sock_event, &ra);
	bufferevent_enable(ra.bev, EV_READ);
	if (live_stdin) {
		evutil_make_socket_nonblocking(STDIN_FILENO);
		ra.in = bufferevent_socket_new(ra.base, STDIN_FILENO, 0);
		if (ra.in == NULL)
			fatalx("bufferevent_socket_new");
		bufferevent_setcb(ra.in, stdin_read, NULL, stdin_event, &ra);
		bufferevent_enable(ra.in, EV_READ);
	}
	if (ra.timeout_s != 0) {
		tv.tv_sec = ra.timeout_s;
		tv.tv_usec = 0;
		ra.timeout = evtimer_new(ra.base, on_timeout, &ra);
		evtimer_add(ra.timeout, &tv);
	}
	if (isatty(STDERR_FILENO) && !debug) {
		tv.tv_sec = 0;
		tv.tv_usec = RATTACH_PROGRESS_MS * 1000;
		ra.progress = event_new(ra.base, -1, EV_PERSIST, progress_show,
		    &ra);
		event_add(ra.progress, &tv);
	}
	session_pump(ra.s);

	event_base_dispatch(ra.base);

	progress_clear(&ra);
	if (ra.status > 0 && ra.reason[0] != '\0')
		fprintf(stderr, "sc_rattach: %s\n", ra.reason);
	if (ra.in != NULL)
		bufferevent_free(ra.in);
	bufferevent_free(ra.bev);
	if (ra.timeout != NULL)
		event_free(ra.timeout);
	if (ra.progress != NULL)
		event_free(ra.progress);
	event_base_free(ra.base);
	session_free(ra.s);
	if (ra.outfd != STDOUT_FILENO)
		close(ra.outfd);
	return (ra.status == -1 ? EXIT_PROTO : ra.status);
}

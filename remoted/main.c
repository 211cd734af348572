/*
 * sc_remoted: controller for remotely controlled scamper instances.
 *
 * main.c: options, start-up order (remote-protocol.md §10.2), daemon mode,
 * pid file and signals.
 */
#include <sys/select.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "listen.h"
#include "log.h"
#include "master.h"
#include "remoted.h"
#include "util.h"

#ifndef VERSION
#define VERSION	"0.1"
#endif

struct remoted_conf	conf;
static const char	*pidfile;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: sc_remoted [-?46Dv] -P [ip:]port -U unix-dir "
	    "[-O option] [-e pid-file]\n"
	    "                  [-Z zombie-time]\n"
	    "\n"
	    "  -?  print this help\n"
	    "  -4  listen on IPv4 only\n"
	    "  -6  listen on IPv6 only\n"
	    "  -D  run as a daemon, logging to syslog\n"
	    "  -e  write the process id to pid-file\n"
	    "  -O  allowgroup | allowother | debug | notimes | select\n"
	    "  -P  address and port scamper instances connect to\n"
	    "  -U  directory for one unix socket per connected scamper\n"
	    "  -v  print the version and exit\n"
	    "  -Z  seconds to keep a disconnected scamper for resume "
	    "(0..%d, default 900)\n", REMOTED_MAXZOMBIE);
}

/* One line naming the option and the reason; exit 1, nothing created. */
static void __attribute__((noreturn, format(printf, 2, 3)))
badopt(char opt, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "sc_remoted: -%c: ", opt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* select(2) cannot watch descriptors at or above FD_SETSIZE. */
int
remoted_fd_ok(int fd)
{
	if (conf.select_mode && fd >= FD_SETSIZE) {
		log_warnx("descriptor %d is beyond select's limit of %d; "
		    "connection refused", fd, FD_SETSIZE);
		return (0);
	}
	return (1);
}

static unsigned int
parse_zombie(const char *arg)
{
	char		*end;
	unsigned long	 v;

	if (*arg < '0' || *arg > '9')
		badopt('Z', "'%s' is not a number of seconds", arg);
	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno != 0 || v > REMOTED_MAXZOMBIE)
		badopt('Z', "'%s' is out of range (0..%d seconds)", arg,
		    REMOTED_MAXZOMBIE);
	if (*end != '\0')
		fprintf(stderr, "sc_remoted: -Z: ignoring '%s' after %lu\n",
		    end, v);
	return ((unsigned int)v);
}

static void
parse_O(const char *arg, int *debug, int *times)
{
	if (strcasecmp(arg, "allowgroup") == 0)
		conf.sock_mode |= 0070;
	else if (strcasecmp(arg, "allowother") == 0)
		conf.sock_mode |= 0007;
	else if (strcasecmp(arg, "debug") == 0)
		*debug = 1;
	else if (strcasecmp(arg, "notimes") == 0)
		*times = 0;
	else if (strcasecmp(arg, "select") == 0)
		conf.select_mode = 1;
	else if (strcasecmp(arg, "skipnameverification") == 0 ||
	    strcasecmp(arg, "muxdepartclose") == 0)
		badopt('O', "'%s' is not supported yet: it needs TLS or the "
		    "mux socket", arg);
	else
		badopt('O', "unknown option '%s'", arg);
}

static void
check_dir(const char *dir)
{
	struct stat	sb;

	if (stat(dir, &sb) == -1)
		badopt('U', "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		badopt('U', "%s: not a directory", dir);
}

static void
daemonise(void)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0)
		_exit(0);
	if (setsid() == -1)
		fatal("setsid");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	log_syslog();
}

static void
write_pidfile(void)
{
	FILE	*fp;
	int	 fd;

	fd = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("-e: %s", pidfile);
		if (fd != -1)
			close(fd);
		listen_close_all();
		exit(1);
	}
	fprintf(fp, "%ld\n", (long)getpid());
	fclose(fp);
}

static void
on_exit_signal(evutil_socket_t sig, short events, void *arg)
{
	(void)events;
	log_info("caught signal %d; exiting", (int)sig);
	event_base_loopbreak(arg);
}

static void
on_hup(evutil_socket_t sig, short events, void *arg)
{
	(void)sig;
	(void)events;
	(void)arg;
	log_info("SIGHUP: nothing to reload (no TLS or metadata configured)");
}

int
main(int argc, char *argv[])
{
	struct addr_listen	 al;
	struct event_config	*cfg;
	struct event		*sigint, *sigterm, *sighup;
	const char		*port = NULL, *err;
	int			 ch, only4 = 0, only6 = 0, daemon = 0;
	int			 debug = 0, times = 1;

	conf.sock_mode = 0700;
	conf.zombie_time = 900;
	while ((ch = getopt(argc, argv, ":?46DvP:U:Z:O:e:M:m:c:p:C:R:")) != -1) {
		switch (ch) {
		case '4':
			only4 = 1;
			break;
		case '6':
			only6 = 1;
			break;
		case 'D':
			daemon = 1;
			break;
		case 'v':
			printf("sc_remoted version %s\n", VERSION);
			return (0);
		case 'P':
			port = optarg;
			break;
		case 'U':
			conf.unix_dir = optarg;
			break;
		case 'Z':
			conf.zombie_time = parse_zombie(optarg);
			break;
		case 'O':
			parse_O(optarg, &debug, &times);
			break;
		case 'e':
			pidfile = optarg;
			break;
		case 'M':
		case 'm':
		case 'c':
		case 'p':
		case 'C':
		case 'R':
			badopt((char)ch, "not supported yet (mux, metadata, TLS "
			    "and chroot come in later releases)");
		case ':':
			badopt((char)optopt, "needs an argument");
		case '?':
			if (optopt != '?' && optopt != 0)
				badopt((char)optopt, "unknown option");
			usage(stderr);
			return (255);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sc_remoted: does not accept positional "
		    "arguments ('%s')\n", argv[optind]);
		return (1);
	}
	if (port == NULL)
		badopt('P', "is required");
	if (only4 && only6)
		badopt('6', "cannot be combined with -4");
	if ((err = addr_parse_listen(port, &al)) != NULL)
		badopt('P', "'%s': %s", port, err);
	if ((only4 && al.family == AF_INET6) || (only6 && al.family == AF_INET))
		badopt('P', "'%s' is not an %s address", port,
		    only4 ? "IPv4" : "IPv6");
	if (conf.unix_dir == NULL)
		badopt('U', "is required");
	check_dir(conf.unix_dir);

	log_init("sc_remoted", debug, times);
	util_raise_nofile();		/* two descriptors per VP */
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new");
	if (conf.select_mode) {
		event_config_avoid_method(cfg, "epoll");
		event_config_avoid_method(cfg, "poll");
	}
	/*
	 * Relaying turns EPOLLOUT on and off around every write; the
	 * changelist folds those into one epoll_ctl per loop iteration.
	 */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	if ((conf.base = event_base_new_with_config(cfg)) == NULL)
		fatalx("cannot create the event loop");
	event_config_free(cfg);
	log_debug("event backend: %s", event_base_get_method(conf.base));

	if (listen_open(&al, only4, only6) == -1) {
		listen_close_all();
		return (1);
	}
	if (daemon) {
		daemonise();
		if (event_reinit(conf.base) == -1)
			fatalx("event_reinit");
	}
	if (pidfile != NULL)
		write_pidfile();

	signal(SIGPIPE, SIG_IGN);
	sigint = evsignal_new(conf.base, SIGINT, on_exit_signal, conf.base);
	sigterm = evsignal_new(conf.base, SIGTERM, on_exit_signal, conf.base);
	sighup = evsignal_new(conf.base, SIGHUP, on_hup, NULL);
	if (sigint == NULL || sigterm == NULL || sighup == NULL ||
	    evsignal_add(sigint, NULL) == -1 ||
	    evsignal_add(sigterm, NULL) == -1 ||
	    evsignal_add(sighup, NULL) == -1)
		fatalx("cannot install signal handlers");
	listen_start();
	log_info("sc_remoted %s listening on %s, sockets in %s", VERSION,
	    port, conf.unix_dir);

	event_base_dispatch(conf.base);

	listen_close_all();
	master_free_all();
	event_free(sigint);
	event_free(sigterm);
	event_free(sighup);
	event_base_free(conf.base);
	if (pidfile != NULL && unlink(pidfile) == -1)
		log_warn("%s: unlink", pidfile);
	return (0);
}

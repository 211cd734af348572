/*
 * fakescamper: a simulator of `scamper -R` for tests and load.
 *
 * main.c: the command line (scamper's options where scamper has them, long
 * options for the simulation), and the event loop running every VP.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
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
#include "fake.h"
#include "log.h"
#include "util.h"
#include "wire.h"

#ifndef VERSION
#define VERSION	"0.1"
#endif

#define FAKE_MAXVPS	100000

struct fake_conf	fconf;
static uint64_t		rng_state;

/* splitmix64: reproducible from --seed */
uint64_t
fake_rand(void)
{
	uint64_t	z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fakescamper [-dv?] -R host:port [-M monitor] [-O option]\n"
	    "         [--vps n] [--seed n] [--profile 2021|2026]\n"
	    "         [--data-form plain|id] [--fin finish|abandon]\n"
	    "         [--err-form short|reason] [--reuse-magic on|off]\n"
	    "         [--stale-queue on|off] [--connect-timeout s]\n"
	    "         [--retry min,max] [--keepalive s] [--dead-peer s]\n"
	    "         [--time-scale f] [--trace-seed n] [--unresponsive prefix]\n"
	    "         [--lenient-unknown-channel] [--drop-after n]\n"
	    "         [--drop-every s] [--stall-after n] [--stall-for s]\n"
	    "         [--no-register] [--flood size,count]\n");
}

static void __attribute__((noreturn, format(printf, 2, 3)))
badopt(const char *opt, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "fakescamper: %s: ", opt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static unsigned long
num(const char *opt, const char *s, unsigned long lo, unsigned long hi)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (*s == '-' || *s == '\0' || *end != '\0' || errno != 0 || v < lo ||
	    v > hi)
		badopt(opt, "'%s' must be a number from %lu to %lu", s, lo, hi);
	return (v);
}

static unsigned int
msecs(const char *opt, const char *s)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (*end != '\0' || !(v > 0 && v <= 86400))
		badopt(opt, "'%s' must be seconds, more than 0", s);
	return ((unsigned int)(v * 1000 + 0.5));
}

static int
onoff(const char *opt, const char *s)
{
	if (strcasecmp(s, "on") == 0)
		return (1);
	if (strcasecmp(s, "off") == 0)
		return (0);
	badopt(opt, "'%s' must be on or off", s);
}

static void
parse_prefix(const char *s)
{
	struct prefix	*p;
	char		 buf[80], *slash;
	unsigned long	 bits;

	if (fconf.nunresp == FAKE_MAXUNRESP)
		badopt("--unresponsive", "at most %d prefixes", FAKE_MAXUNRESP);
	p = &fconf.unresp[fconf.nunresp];
	snprintf(buf, sizeof buf, "%s", s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = AF_INET6;
	else
		badopt("--unresponsive", "'%s' is not an address/prefix", s);
	bits = p->family == AF_INET ? 32 : 128;
	if (slash != NULL)
		bits = num("--unresponsive", slash, 0, bits);
	p->bits = (int)bits;
	fconf.nunresp++;
}

/* -R host:port or [v6]:port.  Hostnames need -O notls (no TLS yet). */
static void
parse_remote(const char *arg, int notls)
{
	struct addrinfo		 hints, *res;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&fconf.dst;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&fconf.dst;
	char			 host[256];
	const char		*port, *p, *err;
	int			 portnum;
	size_t			 hlen;

	if (arg[0] == '[') {
		if ((p = strchr(arg, ']')) == NULL || p[1] != ':')
			badopt("-R", "expected [ipv6-address]:port");
		hlen = (size_t)(p - arg - 1);
		port = p + 2;
		arg++;
	} else {
		if ((p = strrchr(arg, ':')) == NULL)
			badopt("-R", "expected host:port");
		hlen = (size_t)(p - arg);
		port = p + 1;
	}
	if (hlen == 0 || hlen >= sizeof host)
		badopt("-R", "bad host");
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	if ((err = addr_parse_port(port, &portnum)) != NULL)
		badopt("-R", "%s", err);
	memset(&fconf.dst, 0, sizeof fconf.dst);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(portnum);
		fconf.dstlen = sizeof *sin;
		return;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(portnum);
		fconf.dstlen = sizeof *sin6;
		return;
	}
	/* scamper uses TLS for a hostname unless told not to */
	if (!notls)
		badopt("-R", "TLS is not supported yet: use an IP address, or "
		    "-O notls-remote");
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;		/* A records only */
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		badopt("-R", "cannot resolve '%s'", host);
	memcpy(sin, res->ai_addr, sizeof *sin);
	sin->sin_port = htons(portnum);
	fconf.dstlen = sizeof *sin;
	freeaddrinfo(res);
}

static void
set_profile(const char *p)
{
	if (strcmp(p, "2021") == 0) {
		fconf.data_id = 0;
		fconf.fin_abandon = 0;
		fconf.err_reason = 0;
		fconf.reuse_magic = 1;
		fconf.stale_queue = 1;
	} else if (strcmp(p, "2026") == 0) {
		fconf.data_id = 1;
		fconf.fin_abandon = 1;
		fconf.err_reason = 1;
		fconf.reuse_magic = 0;
		fconf.stale_queue = 0;
	} else
		badopt("--profile", "'%s' must be 2021 or 2026", p);
}

enum {
	OPT_VPS = 256, OPT_SEED, OPT_PROFILE, OPT_DATAFORM, OPT_FIN,
	OPT_ERRFORM, OPT_REUSE, OPT_STALE, OPT_CONNTIMEOUT, OPT_RETRY,
	OPT_KEEPALIVE, OPT_DEADPEER, OPT_TIMESCALE, OPT_TRACESEED,
	OPT_UNRESP, OPT_LENIENT, OPT_DROPAFTER, OPT_DROPEVERY,
	OPT_STALLAFTER, OPT_STALLFOR, OPT_NOREGISTER, OPT_FLOOD,
};

static const struct option longopts[] = {
	{ "vps", required_argument, NULL, OPT_VPS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "data-form", required_argument, NULL, OPT_DATAFORM },
	{ "fin", required_argument, NULL, OPT_FIN },
	{ "err-form", required_argument, NULL, OPT_ERRFORM },
	{ "reuse-magic", required_argument, NULL, OPT_REUSE },
	{ "stale-queue", required_argument, NULL, OPT_STALE },
	{ "connect-timeout", required_argument, NULL, OPT_CONNTIMEOUT },
	{ "retry", required_argument, NULL, OPT_RETRY },
	{ "keepalive", required_argument, NULL, OPT_KEEPALIVE },
	{ "dead-peer", required_argument, NULL, OPT_DEADPEER },
	{ "time-scale", required_argument, NULL, OPT_TIMESCALE },
	{ "trace-seed", required_argument, NULL, OPT_TRACESEED },
	{ "unresponsive", required_argument, NULL, OPT_UNRESP },
	{ "lenient-unknown-channel", no_argument, NULL, OPT_LENIENT },
	{ "drop-after", required_argument, NULL, OPT_DROPAFTER },
	{ "drop-every", required_argument, NULL, OPT_DROPEVERY },
	{ "stall-after", required_argument, NULL, OPT_STALLAFTER },
	{ "stall-for", required_argument, NULL, OPT_STALLFOR },
	{ "no-register", no_argument, NULL, OPT_NOREGISTER },
	{ "flood", required_argument, NULL, OPT_FLOOD },
	{ NULL, 0, NULL, 0 },
};

static void
on_signal(evutil_socket_t sig, short events, void *arg)
{
	(void)sig;
	(void)events;
	event_base_loopbreak(arg);
}

int
main(int argc, char *argv[])
{
	struct vp	**vps;
	struct event	*sigint, *sigterm;
	const char	*remote = NULL, *opt;
	char		 name[WIRE_MAXMONITOR + 16], *comma, *end;
	char		 optname[40];
	int		 ch, i, notls = 0, debug = 0, longindex = 0;
	double		 d;

	set_profile("2026");
	fconf.nvps = 1;
	fconf.connect_timeout = 60;
	fconf.retry_min = 30;
	fconf.retry_max = 61;
	fconf.keepalive_ms = 30000;
	fconf.deadpeer_ms = 60000;
	fconf.time_scale = 1;
	while ((ch = getopt_long(argc, argv, "?dhvR:M:O:", longopts,
	    &longindex)) != -1) {
		if (ch >= OPT_VPS) {
			snprintf(optname, sizeof optname, "--%s",
			    longopts[longindex].name);
			opt = optname;
		} else
			opt = "?";
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'v':
			printf("fakescamper version %s\n", VERSION);
			return (0);
		case 'R':
			remote = optarg;
			break;
		case 'M':
			if (!wire_monitor_valid(optarg))
				badopt("-M", "'%s' is not a valid monitor name "
				    "(1-254 of A-Z a-z 0-9 . -)", optarg);
			fconf.monitor = optarg;
			break;
		case 'O':
			if (strcasecmp(optarg, "notls") == 0 ||
			    strcasecmp(optarg, "notls-remote") == 0)
				notls = 1;
			else if (strncasecmp(optarg, "cafile=", 7) == 0 ||
			    strncasecmp(optarg, "client-certfile=", 16) == 0 ||
			    strncasecmp(optarg, "client-privfile=", 16) == 0)
				badopt("-O", "'%s': TLS is not supported yet",
				    optarg);
			else
				badopt("-O", "unknown option '%s'", optarg);
			break;
		case OPT_VPS:
			fconf.nvps = (int)num(opt, optarg, 1, FAKE_MAXVPS);
			break;
		case OPT_SEED:
			fconf.seed = num(opt, optarg, 0, ULONG_MAX);
			break;
		case OPT_PROFILE:
			set_profile(optarg);
			break;
		case OPT_DATAFORM:
			if (strcmp(optarg, "plain") && strcmp(optarg, "id"))
				badopt(opt, "'%s' must be plain or id", optarg);
			fconf.data_id = strcmp(optarg, "id") == 0;
			break;
		case OPT_FIN:
			if (strcmp(optarg, "finish") && strcmp(optarg, "abandon"))
				badopt(opt, "'%s' must be finish or abandon",
				    optarg);
			fconf.fin_abandon = strcmp(optarg, "abandon") == 0;
			break;
		case OPT_ERRFORM:
			if (strcmp(optarg, "short") && strcmp(optarg, "reason"))
				badopt(opt, "'%s' must be short or reason",
				    optarg);
			fconf.err_reason = strcmp(optarg, "reason") == 0;
			break;
		case OPT_REUSE:
			fconf.reuse_magic = onoff(opt, optarg);
			break;
		case OPT_STALE:
			fconf.stale_queue = onoff(opt, optarg);
			break;
		case OPT_CONNTIMEOUT:
			fconf.connect_timeout = (unsigned int)num(opt, optarg,
			    0, 86400);
			break;
		case OPT_RETRY:
			if ((comma = strchr(optarg, ',')) == NULL)
				badopt(opt, "expected min,max seconds");
			*comma = '\0';
			fconf.retry_min = (unsigned int)num(opt, optarg, 0,
			    86400);
			fconf.retry_max = (unsigned int)num(opt, comma + 1,
			    fconf.retry_min, 86400);
			break;
		case OPT_KEEPALIVE:
			fconf.keepalive_ms = msecs(opt, optarg);
			break;
		case OPT_DEADPEER:
			fconf.deadpeer_ms = msecs(opt, optarg);
			break;
		case OPT_TIMESCALE:
			d = strtod(optarg, &end);
			if (*end != '\0' || !(d >= 0 && d <= 1000))
				badopt(opt, "'%s' must be 0..1000", optarg);
			fconf.time_scale = d;
			break;
		case OPT_TRACESEED:
			fconf.trace_seed = (uint32_t)num(opt, optarg, 0,
			    UINT32_MAX);
			break;
		case OPT_UNRESP:
			parse_prefix(optarg);
			break;
		case OPT_LENIENT:
			fconf.lenient = 1;
			break;
		case OPT_DROPAFTER:
			fconf.drop_after = num(opt, optarg, 1, ULONG_MAX);
			break;
		case OPT_DROPEVERY:
			fconf.drop_every = (unsigned int)num(opt, optarg, 1,
			    86400);
			break;
		case OPT_STALLAFTER:
			fconf.stall_after = num(opt, optarg, 1, ULONG_MAX);
			break;
		case OPT_STALLFOR:
			fconf.stall_for = (unsigned int)num(opt, optarg, 1,
			    86400);
			break;
		case OPT_NOREGISTER:
			fconf.no_register = 1;
			break;
		case OPT_FLOOD:
			if ((comma = strchr(optarg, ',')) == NULL)
				badopt(opt, "expected size,count");
			*comma = '\0';
			fconf.flood_size = (unsigned int)num(opt, optarg, 1,
			    WIRE_MAXMSG);
			fconf.flood_count = num(opt, comma + 1, 1, ULONG_MAX);
			break;
		case 'h':
		case '?':
		default:
			if (ch == '?' && optopt != 0 && optopt != '?')
				return (1);
			usage(ch == 'h' || ch == '?' ? stdout : stderr);
			return (ch == 'h' || optopt == '?' ? 0 : 1);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fakescamper: unexpected argument '%s'\n",
		    argv[optind]);
		return (1);
	}
	if (remote == NULL)
		badopt("-R", "is required");
	parse_remote(remote, notls);
	if ((fconf.stall_after != 0) != (fconf.stall_for != 0))
		badopt("--stall-after", "goes with --stall-for");
	if (gethostname(fconf.hostname, sizeof fconf.hostname - 1) == -1)
		snprintf(fconf.hostname, sizeof fconf.hostname, "fakescamper");
	rng_state = fconf.seed;

	log_init("fakescamper", debug, 1);
	util_raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	if ((fconf.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((vps = calloc((size_t)fconf.nvps, sizeof *vps)) == NULL)
		fatal("calloc");
	for (i = 0; i < fconf.nvps; i++) {
		if (fconf.monitor != NULL && fconf.nvps > 1) {
			snprintf(name, sizeof name, "%s-%04d", fconf.monitor,
			    i + 1);
			if (!wire_monitor_valid(name))
				badopt("-M", "'%s' is too long for --vps",
				    fconf.monitor);
		}
		vps[i] = vp_new(i + 1, fconf.nvps > 1 && fconf.monitor ?
		    name : fconf.monitor);
		vp_start(vps[i]);
		vp_faults_start(vps[i]);
	}
	sigint = evsignal_new(fconf.base, SIGINT, on_signal, fconf.base);
	sigterm = evsignal_new(fconf.base, SIGTERM, on_signal, fconf.base);
	if (sigint == NULL || sigterm == NULL || evsignal_add(sigint, NULL) ||
	    evsignal_add(sigterm, NULL))
		fatalx("cannot install signal handlers");
	log_info("%d VP%s dialling %s", fconf.nvps, fconf.nvps > 1 ? "s" : "",
	    remote);

	event_base_dispatch(fconf.base);

	for (i = 0; i < fconf.nvps; i++)
		vp_free(vps[i]);
	free(vps);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(fconf.base);
	return (0);
}

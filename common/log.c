/*
 * log.c: stderr or syslog logging with optional millisecond timestamps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

static const char	*log_prog = "?";
static int		 log_debug_on;
static int		 log_times = 1;
static int		 log_to_syslog;
static int		 log_silent;

void
log_init(const char *prog, int debug, int timestamps)
{
	log_prog = prog;
	log_debug_on = debug;
	log_times = timestamps;
}

void
log_syslog(void)
{
	openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_to_syslog = 1;
}

void
log_silence(void)
{
	log_silent = 1;
}

int
log_debugging(void)
{
	return (log_debug_on);
}

static void
log_vwrite(int pri, const char *fmt, va_list ap, const char *err)
{
	char		 msg[1024], stamp[32] = "";
	struct timeval	 tv;
	struct tm	 tm;

	if (log_silent && pri != LOG_ERR)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_to_syslog) {
		if (err != NULL)
			syslog(pri, "%s: %s", msg, err);
		else
			syslog(pri, "%s", msg);
		return;
	}
	if (log_times) {
		gettimeofday(&tv, NULL);
		localtime_r(&tv.tv_sec, &tm);
		snprintf(stamp, sizeof stamp, "[%02d:%02d:%02d:%03d] ",
		    tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
	}
	if (err != NULL)
		fprintf(stderr, "%s%s: %s: %s\n", stamp, log_prog, msg, err);
	else
		fprintf(stderr, "%s%s: %s\n", stamp, log_prog, msg);
	fflush(stderr);
}

#define LOG_BODY(pri, err) do {						\
	va_list ap;							\
	va_start(ap, fmt);						\
	log_vwrite(pri, fmt, ap, err);					\
	va_end(ap);							\
} while (0)

void
log_warn(const char *fmt, ...)
{
	const char *err = strerror(errno);

	LOG_BODY(LOG_WARNING, err);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, NULL);
}

void
log_debug(const char *fmt, ...)
{
	if (!log_debug_on)
		return;
	LOG_BODY(LOG_DEBUG, NULL);
}

void
fatal(const char *fmt, ...)
{
	const char *err = strerror(errno);

	LOG_BODY(LOG_ERR, err);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, NULL);
	exit(1);
}

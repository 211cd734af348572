/*
 * log.h: one logger for every program.  Lines go to stderr, with an
 * [HH:MM:SS:mmm] prefix unless timestamps are off, or to syslog once the
 * program has daemonised.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

void	log_init(const char *prog, int debug, int timestamps);
void	log_syslog(void);		/* switch to syslog(LOG_DAEMON) */
int	log_debugging(void);
void	log_silence(void);		/* drop warnings and info (fuzzing) */

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif

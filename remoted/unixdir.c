/*
 * unixdir.c: create, guard and remove listening unix sockets.
 *
 * A socket left behind by a crash would block a VP's registration for ever,
 * so a path that is a socket nobody answers on is treated as stale and
 * replaced.  Anything else at the path (a live socket, a regular file) is
 * never touched.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "remoted.h"
#include "unixdir.h"

struct unixsock {
	struct evconnlistener	*lev;
	struct event		*pause;		/* only after accept fails */
	unixsock_cb		 cb;
	void			*arg;
	char			 path[];
};

#define UNIXSOCK_PAUSE_SEC	1

/* Is path a socket that refuses connections? */
static int
unixsock_stale(const struct sockaddr_un *sun)
{
	struct stat	sb;
	int		fd, stale;

	if (lstat(sun->sun_path, &sb) == -1 || !S_ISSOCK(sb.st_mode))
		return (0);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	stale = connect(fd, (const struct sockaddr *)sun, sizeof *sun) == -1 &&
	    errno == ECONNREFUSED;
	close(fd);
	return (stale);
}

static int
unixsock_bind(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, tries;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		log_warnx("%s: socket path longer than %zu bytes", path,
		    sizeof sun.sun_path - 1);
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		log_warn("%s: socket", path);
		return (-1);
	}
	for (tries = 0; ; tries++) {
		if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			break;
		if (errno != EADDRINUSE || tries > 0 || !unixsock_stale(&sun)) {
			log_warn("%s: bind", path);
			close(fd);
			return (-1);
		}
		log_info("%s: removing stale socket", path);
		if (unlink(path) == -1 && errno != ENOENT) {
			log_warn("%s: unlink", path);
			close(fd);
			return (-1);
		}
	}
	if (listen(fd, SOMAXCONN) == -1 || chmod(path, conf.sock_mode) == -1) {
		log_warn("%s: listen/chmod", path);
		close(fd);
		unlink(path);
		return (-1);
	}
	return (fd);
}

static void
unixsock_resume(evutil_socket_t fd, short events, void *arg)
{
	struct unixsock	*us = arg;

	(void)fd;
	(void)events;
	evconnlistener_enable(us->lev);
}

/* As listen_error(), with a timer owned by the socket it pauses. */
static void
unixsock_error(struct evconnlistener *lev, void *arg)
{
	struct unixsock	*us = arg;
	struct timeval	 tv = { UNIXSOCK_PAUSE_SEC, 0 };

	(void)lev;
	log_warn("%s: accept failed; pausing for 1 s", us->path);
	if (us->pause == NULL &&
	    (us->pause = evtimer_new(conf.base, unixsock_resume, us)) == NULL)
		return;
	evconnlistener_disable(us->lev);
	evtimer_add(us->pause, &tv);
}

static void
unixsock_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct unixsock	*us = arg;

	(void)lev;
	(void)sa;
	(void)salen;
	if (!remoted_fd_ok(fd)) {
		close(fd);
		return;
	}
	us->cb(fd, us->arg);
}

struct unixsock *
unixsock_open(const char *dir, const char *name, unixsock_cb cb, void *arg)
{
	struct unixsock	*us;
	size_t		 len;
	int		 fd;

	len = strlen(dir) + 1 + strlen(name) + 1;
	if ((us = malloc(sizeof *us + len)) == NULL) {
		log_warn("unixsock_open");
		return (NULL);
	}
	snprintf(us->path, len, "%s/%s", dir, name);
	if ((fd = unixsock_bind(us->path)) == -1) {
		free(us);
		return (NULL);
	}
	us->cb = cb;
	us->arg = arg;
	us->lev = evconnlistener_new(conf.base, unixsock_accept, us,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (us->lev == NULL) {
		log_warnx("%s: cannot listen", us->path);
		close(fd);
		unlink(us->path);
		free(us);
		return (NULL);
	}
	us->pause = NULL;
	evconnlistener_set_error_cb(us->lev, unixsock_error);
	return (us);
}

void
unixsock_close(struct unixsock *us)
{
	if (us == NULL)
		return;
	if (us->pause != NULL)
		event_free(us->pause);
	evconnlistener_free(us->lev);
	if (unlink(us->path) == -1 && errno != ENOENT)
		log_warn("%s: unlink", us->path);
	free(us);
}

const char *
unixsock_path(const struct unixsock *us)
{
	return (us->path);
}

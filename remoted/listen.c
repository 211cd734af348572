/*
 * listen.c: TCP listeners.  Sockets are bound before the daemon forks, so
 * that a bind failure is reported on the terminal; the libevent listeners
 * are attached afterwards by listen_start().
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "addr.h"
#include "listen.h"
#include "log.h"
#include "master.h"
#include "remoted.h"

#define LISTEN_MAX	2
#define LISTEN_PAUSE_MS	1000

static struct {
	int			 fd;
	struct evconnlistener	*lev;
	char			 name[ADDR_NAMELEN + 2];
} listeners[LISTEN_MAX];
static int	nlisteners;

static int
listen_bind(int family, const char *host, int port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, on = 1;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (*host != '\0')
			inet_pton(AF_INET, host, &sin->sin_addr);
		len = sizeof *sin;
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (*host != '\0')
			inet_pton(AF_INET6, host, &sin6->sin6_addr);
		len = sizeof *sin6;
	}
	if (nlisteners == LISTEN_MAX)
		return (-1);
	addr_name((struct sockaddr *)&ss, listeners[nlisteners].name,
	    sizeof listeners[nlisteners].name);
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		log_warn("%s: socket", listeners[nlisteners].name);
		return (-1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == -1) {
		log_warn("%s: IPV6_V6ONLY", listeners[nlisteners].name);
		close(fd);
		return (-1);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		log_warn("cannot listen on %s", listeners[nlisteners].name);
		close(fd);
		return (-1);
	}
	listeners[nlisteners++].fd = fd;
	return (0);
}

/* Bind the -P address: one literal, or 0.0.0.0 and :: for a bare port. */
int
listen_open(const struct addr_listen *al, int only4, int only6)
{
	if (al->family != AF_UNSPEC)
		return (listen_bind(al->family, al->host, al->port));
	if (!only6 && listen_bind(AF_INET, "", al->port) == -1)
		return (-1);
	if (!only4 && listen_bind(AF_INET6, "", al->port) == -1)
		return (-1);
	return (0);
}

static void
listen_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	int	on = 1;

	(void)lev;
	(void)salen;
	(void)arg;
	if (!remoted_fd_ok(fd)) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	master_accept(fd, sa);
}

static void
listen_resume(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	evconnlistener_enable(arg);
}

/*
 * accept() failing (EMFILE, ENFILE, ENOBUFS) would otherwise be retried at
 * once in a busy loop: pause that listener for a second.
 */
void
listen_error(struct evconnlistener *lev, void *arg)
{
	struct timeval	tv = { LISTEN_PAUSE_MS / 1000, 0 };

	(void)arg;
	log_warn("accept failed; pausing the listener for 1 s");
	evconnlistener_disable(lev);
	event_base_once(evconnlistener_get_base(lev), -1, EV_TIMEOUT,
	    listen_resume, lev, &tv);
}

void
listen_start(void)
{
	int	i;

	for (i = 0; i < nlisteners; i++) {
		listeners[i].lev = evconnlistener_new(conf.base, listen_accept,
		    NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0,
		    listeners[i].fd);
		if (listeners[i].lev == NULL)
			fatalx("cannot attach listener %s", listeners[i].name);
		evconnlistener_set_error_cb(listeners[i].lev, listen_error);
		log_debug("listening on %s", listeners[i].name);
	}
}

void
listen_close_all(void)
{
	int	i;

	for (i = 0; i < nlisteners; i++) {
		if (listeners[i].lev != NULL)
			evconnlistener_free(listeners[i].lev);
		else
			close(listeners[i].fd);
	}
	nlisteners = 0;
}

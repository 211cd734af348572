/*
 * unixdir.h: listening unix sockets with the spec's modes and stale-file
 * handling (remote-protocol.md §9.2).
 */
#ifndef UNIXDIR_H
#define UNIXDIR_H

struct unixsock;

typedef void	(*unixsock_cb)(int, void *);	/* accepted fd, arg */

struct unixsock	*unixsock_open(const char *, const char *, unixsock_cb,
		    void *);
void		 unixsock_close(struct unixsock *);
const char	*unixsock_path(const struct unixsock *);

#endif

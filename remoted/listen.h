/*
 * listen.h: the TCP listeners scamper instances connect to (-P, -4, -6).
 */
#ifndef LISTEN_H
#define LISTEN_H

struct addr_listen;
struct evconnlistener;

int	listen_open(const struct addr_listen *, int, int);
void	listen_start(void);
void	listen_close_all(void);
void	listen_error(struct evconnlistener *, void *);

#endif

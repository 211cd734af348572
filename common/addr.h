/*
 * addr.h: the address forms of the remote protocol: `-P [ip:]port`
 * arguments, and the peer names used in MASTER_ID and socket names.
 */
#ifndef ADDR_H
#define ADDR_H

#include <sys/socket.h>
#include <stddef.h>

/* Longest peer name: IPv6 text (45) + '.' + port (5) + NUL. */
#define ADDR_NAMELEN	64

struct addr_listen {
	int	family;		/* AF_INET, AF_INET6, or AF_UNSPEC: port only */
	char	host[64];	/* numeric literal, "" when port only */
	int	port;
};

const char	*addr_parse_port(const char *, int *);
const char	*addr_parse_listen(const char *, struct addr_listen *);
int		 addr_name(const struct sockaddr *, char *, size_t);

#endif

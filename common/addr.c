/*
 * addr.c: parse listen addresses and format peer names.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* A port 1..65535, base autodetected (0x7a69 works), nothing trailing. */
const char *
addr_parse_port(const char *s, int *port)
{
	char		*end;
	unsigned long	 v;

	if (*s == '\0' || *s == '-' || *s == '+')
		return ("port is not a number");
	errno = 0;
	v = strtoul(s, &end, 0);
	if (*end != '\0' || errno != 0)
		return ("port is not a number");
	if (v < 1 || v > 65535)
		return ("port must be 1..65535");
	*port = (int)v;
	return (NULL);
}

const char *
addr_parse_listen(const char *arg, struct addr_listen *al)
{
	const char	*p, *port;
	size_t		 hlen;
	unsigned char	 tmp[sizeof(struct in6_addr)];

	memset(al, 0, sizeof *al);
	al->family = AF_UNSPEC;
	if (arg[0] == '[') {
		if ((p = strchr(arg, ']')) == NULL || p[1] != ':')
			return ("expected [ipv6-address]:port");
		hlen = (size_t)(p - arg - 1);
		port = p + 2;
		if (hlen == 0 || hlen >= sizeof al->host)
			return ("bad IPv6 address");
		memcpy(al->host, arg + 1, hlen);
		if (inet_pton(AF_INET6, al->host, tmp) != 1)
			return ("bad IPv6 address");
		al->family = AF_INET6;
	} else if ((p = strchr(arg, ':')) != NULL) {
		hlen = (size_t)(p - arg);
		port = p + 1;
		if (hlen == 0 || hlen >= sizeof al->host)
			return ("bad address");
		memcpy(al->host, arg, hlen);
		if (inet_pton(AF_INET, al->host, tmp) == 1)
			al->family = AF_INET;
		else if (inet_pton(AF_INET6, al->host, tmp) == 1)
			al->family = AF_INET6;
		else
			return ("address must be a numeric IPv4 or IPv6 literal");
	} else
		port = arg;
	return (addr_parse_port(port, &al->port));
}

/*
 * The name the controller gives a peer: "a.b.c.d:port" for IPv4 and
 * "v6addr.port" for IPv6, with IPv4-mapped IPv6 shown as IPv4.
 */
int
addr_name(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	struct in_addr			 v4;
	char				 host[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		return (snprintf(buf, len, "%s:%u", host,
		    ntohs(sin->sin_port)) < (int)len ? 0 : -1);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(&v4, &sin6->sin6_addr.s6_addr[12], 4);
			inet_ntop(AF_INET, &v4, host, sizeof host);
			return (snprintf(buf, len, "%s:%u", host,
			    ntohs(sin6->sin6_port)) < (int)len ? 0 : -1);
		}
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		return (snprintf(buf, len, "%s.%u", host,
		    ntohs(sin6->sin6_port)) < (int)len ? 0 : -1);
	}
	return (-1);
}

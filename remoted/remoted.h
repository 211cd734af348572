/*
 * remoted.h: sc_remoted's run-time configuration, set once by main.
 */
#ifndef REMOTED_H
#define REMOTED_H

#include <sys/types.h>
#include <stdint.h>

struct event_base;

/* Limits: remote-protocol.md §11.1, documented in sc_remoted(1). */
#define REMOTED_HANDSHAKE_MS	30000		/* accept to NEW/RES */
#define REMOTED_KEEPALIVE_MS	30000		/* idle before KEEPALIVE */
#define REMOTED_DEADPEER_MS	60000		/* silence before zombie */
#define REMOTED_FLUSH_MS	60000		/* REJ output drain */
#define REMOTED_TXMAX		(16u << 20)	/* queue toward one master */
#define REMOTED_TXLOW		(8u << 20)	/* resume reading below */
#define REMOTED_CLIENTMAX	(16u << 20)	/* output to one client */
#define REMOTED_BACKLOG_HIGH	(1u << 20)	/* pause reading scamper */
#define REMOTED_BACKLOG_LOW	(256u << 10)	/* resume reading */
#define REMOTED_BACKLOG_MS	60000		/* then drop the client */
#define REMOTED_MAXCHANNELS	65535		/* open channels per master */
#define REMOTED_MAXZOMBIE	10800

struct remoted_conf {
	struct event_base	*base;
	const char		*unix_dir;	/* -U, or NULL */
	mode_t			 sock_mode;	/* 0700 | allowgroup | allowother */
	unsigned int		 zombie_time;	/* -Z seconds */
	int			 select_mode;	/* -O select */
};

extern struct remoted_conf conf;

int		remoted_fd_ok(int);	/* usable by the event backend? */

#endif

/*
 * warts.h: the warts records fakescamper writes (warts-subset.md), in the
 * layout of scamper 20211212's writer, and the check the attach client
 * makes on every decoded record.  Pure code: records go into a wbuf.
 */
#ifndef WARTS_H
#define WARTS_H

#include <stddef.h>
#include <stdint.h>

#define WARTS_LIST		1
#define WARTS_CYCLE_START	2
#define WARTS_CYCLE_STOP	4
#define WARTS_TRACE		6
#define WARTS_PING		7

struct wbuf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
};

void	wbuf_free(struct wbuf *);
void	wbuf_reset(struct wbuf *);

struct warts_addr {
	uint8_t	type;		/* 1 IPv4, 2 IPv6 */
	uint8_t	a[16];
};

struct warts_tv {
	uint32_t	sec;
	uint32_t	usec;
};

struct warts_ping_reply {
	uint8_t			flags;		/* 1 ttl, 2 reply ipid, 4 probe */
	uint8_t			ttl;
	uint16_t		size;
	uint8_t			icmp_type;
	uint8_t			icmp_code;
	uint32_t		rtt;		/* us */
	uint16_t		probe_id;
	uint16_t		reply_ipid;
	uint16_t		probe_ipid;
	struct warts_addr	from;
	struct warts_tv		tx;
};

struct warts_ping {
	struct warts_tv			 start;
	uint8_t				 stop_reason;	/* 1 done, 3 halted */
	uint16_t			 count;
	uint16_t			 size;
	uint8_t				 wait;		/* seconds */
	uint32_t			 wait_us;	/* fraction */
	uint8_t				 timeout;
	uint8_t				 ttl;
	uint16_t			 replies_req;
	uint16_t			 sent;
	uint16_t			 icmp_id;
	struct warts_addr		 src;
	struct warts_addr		 dst;
	uint16_t			 nreplies;
	const struct warts_ping_reply	*replies;
};

struct warts_hop {
	uint8_t			probe_ttl;
	uint8_t			reply_ttl;
	uint32_t		rtt;
	uint8_t			icmp_type;
	uint8_t			icmp_code;
	uint16_t		reply_size;
	uint16_t		reply_ipid;	/* 0: none (IPv6) */
	struct warts_addr	from;
	struct warts_tv		tx;
};

struct warts_trace {
	struct warts_tv		 start;
	uint8_t			 stop_reason;
	uint8_t			 attempts;
	uint8_t			 hoplimit;
	uint16_t		 probe_size;
	uint16_t		 sport;
	uint16_t		 dport;
	uint8_t			 wait;
	uint16_t		 hop_count;
	uint8_t			 gaplimit;
	uint16_t		 probes_sent;
	struct warts_addr	 src;
	struct warts_addr	 dst;
	uint16_t		 nhops;
	const struct warts_hop	*hops;
};

void	warts_list(struct wbuf *, const char *, const char *);
void	warts_cycle_start(struct wbuf *, uint32_t, const char *);
void	warts_cycle_stop(struct wbuf *, uint32_t);
void	warts_ping(struct wbuf *, const struct warts_ping *);
void	warts_trace(struct wbuf *, const struct warts_trace *);

/* 0 if buf is one whole record (magic 0x1205, length matching). */
const char *warts_check(const uint8_t *, size_t, uint16_t *);

#endif

/*
 * fake.h: fakescamper's configuration and the interfaces between its
 * modules: vp (one simulated scamper session), control (the text protocol
 * of a channel and its tasks) and sim (synthetic measurements).
 */
#ifndef FAKE_H
#define FAKE_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct wbuf;

#define FAKE_MAXUNRESP	16

struct prefix {
	int	family;
	uint8_t	addr[16];
	int	bits;
};

struct fake_conf {
	struct event_base	*base;
	struct sockaddr_storage	 dst;		/* -R */
	socklen_t		 dstlen;
	const char		*monitor;	/* -M */
	int			 nvps;
	uint64_t		 seed;
	int			 data_id;	/* DATA n id-N */
	int			 fin_abandon;	/* 2026 FIN semantics */
	int			 err_reason;	/* ERR ...: reason */
	int			 reuse_magic;
	int			 stale_queue;
	int			 lenient;
	unsigned int		 connect_timeout; /* s, 0 = hang */
	unsigned int		 retry_min, retry_max;
	unsigned int		 keepalive_ms, deadpeer_ms;
	double			 time_scale;
	uint32_t		 trace_seed;
	char			 hostname[256];
	struct prefix		 unresp[FAKE_MAXUNRESP];
	int			 nunresp;
	/* fault injection */
	unsigned long		 drop_after;	/* messages per connection */
	unsigned int		 drop_every;	/* seconds */
	unsigned long		 stall_after;	/* messages received */
	unsigned int		 stall_for;	/* seconds */
	int			 no_register;
	/* load generation for benchmarks */
	unsigned int		 flood_size;	/* bytes per data message */
	unsigned long		 flood_count;
};

extern struct fake_conf fconf;

uint64_t	fake_rand(void);		/* seeded PRNG */

/* vp.c */
struct vp;
struct fchan;
struct vp	*vp_new(int, const char *);
void		 vp_start(struct vp *);
void		 vp_faults_start(struct vp *);
void		 vp_free(struct vp *);
const char	*vp_alias(const struct vp *);
const char	*vp_monitor(const struct vp *);
void		 vp_chan_send(struct vp *, uint32_t, const void *, size_t);
void		 vp_chan_finished(struct vp *, uint32_t);

/* control.c */
struct fchan	*control_open(struct vp *, uint32_t, unsigned int);
void		 control_input(struct fchan *, const uint8_t *, size_t);
void		 control_fin(struct fchan *);
void		 control_free(struct fchan *);

/* sim.c */
struct ping_req {
	int		family;
	uint8_t		src[16], dst[16];
	uint16_t	count, size, replies_req;
	uint32_t	wait_us;	/* between probes */
	uint8_t		ttl, timeout;
	uint16_t	icmp_id;
	uint32_t	task_id;
};

struct trace_req {
	int		family;
	uint8_t		src[16], dst[16];
	uint8_t		attempts, wait, gaplimit, hoplimit;
	uint16_t	sport, dport;
};

int		 sim_unresponsive(int, const uint8_t *);
uint64_t	 sim_ping(struct wbuf *, const struct ping_req *, uint64_t,
		     uint16_t, int);
uint64_t	 sim_trace(struct wbuf *, const struct trace_req *, uint64_t,
		     uint64_t);

#endif

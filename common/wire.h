/*
 * wire.h: the scamper remote-control framing (remote-protocol.md §3, §5).
 * Pure codecs: bytes in, structs out, errors as strings.  No I/O.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_HDRLEN	10
#define WIRE_MAXMSG	65535		/* largest payload (u16 msglen) */
#define WIRE_MAXMAGIC	255
#define WIRE_MAXMONITOR	254		/* characters, NUL not counted */

enum wire_type {
	WIRE_MASTER_NEW = 0,
	WIRE_MASTER_ID = 1,
	WIRE_CHANNEL_NEW = 2,
	WIRE_CHANNEL_FIN = 3,
	WIRE_KEEPALIVE = 4,
	WIRE_ACK = 5,
	WIRE_MASTER_RES = 6,
	WIRE_MASTER_REJ = 7,
	WIRE_MASTER_OK = 8,
};

struct wire_hdr {
	uint32_t	seq;
	uint32_t	channel;
	uint16_t	len;
};

struct wire_new {
	uint8_t		magic_len;
	uint8_t		magic[WIRE_MAXMAGIC];
	char		monitor[WIRE_MAXMONITOR + 1];	/* "" when absent */
};

struct wire_res {
	uint8_t		magic_len;
	uint8_t		magic[WIRE_MAXMAGIC];
	uint32_t	rcv_nxt;
	uint32_t	snd_una;
	uint32_t	snd_nxt;
};

/* Signed 32-bit sequence comparison (remote-protocol.md §4.7). */
static inline int
wire_seq_lt(uint32_t a, uint32_t b)
{
	return ((int32_t)(a - b) < 0);
}

static inline int
wire_seq_le(uint32_t a, uint32_t b)
{
	return ((int32_t)(a - b) <= 0);
}

void		 wire_hdr_decode(const uint8_t *, struct wire_hdr *);
void		 wire_hdr_encode(uint8_t *, uint32_t, uint32_t, uint16_t);
const char	*wire_type_name(uint8_t);
int		 wire_monitor_valid(const char *);

const char	*wire_new_decode(const uint8_t *, size_t, struct wire_new *);
const char	*wire_res_decode(const uint8_t *, size_t, struct wire_res *);
const char	*wire_u32_decode(const uint8_t *, size_t, uint32_t *);
const char	*wire_id_decode(const uint8_t *, size_t, char *, size_t);

/*
 * Encoders write a whole message (header and payload) into buf, which must
 * hold WIRE_HDRLEN + 1 + 1 + 255 + 1 + 255 bytes for the largest one, and
 * return its length.
 */
#define WIRE_CTLMAX	(WIRE_HDRLEN + 513)
size_t		 wire_ctl_encode(uint8_t *, uint32_t, uint8_t);
size_t		 wire_ctl32_encode(uint8_t *, uint32_t, uint8_t, uint32_t);
size_t		 wire_new_encode(uint8_t *, const uint8_t *, uint8_t,
		     const char *);
size_t		 wire_id_encode(uint8_t *, const char *);
size_t		 wire_res_encode(uint8_t *, const struct wire_res *);

#endif

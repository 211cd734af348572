/*
 * wire.c: encode and decode remote-control messages.
 */
#include <string.h>

#include "wire.h"

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void
wire_hdr_decode(const uint8_t *p, struct wire_hdr *h)
{
	h->seq = get32(p);
	h->channel = get32(p + 4);
	h->len = (uint16_t)(p[8] << 8 | p[9]);
}

void
wire_hdr_encode(uint8_t *p, uint32_t seq, uint32_t channel, uint16_t len)
{
	put32(p, seq);
	put32(p + 4, channel);
	p[8] = len >> 8;
	p[9] = len & 0xff;
}

const char *
wire_type_name(uint8_t type)
{
	static const char *names[] = {
		"MASTER_NEW", "MASTER_ID", "CHANNEL_NEW", "CHANNEL_FIN",
		"KEEPALIVE", "ACK", "MASTER_RES", "MASTER_REJ", "MASTER_OK",
	};

	if (type < sizeof names / sizeof names[0])
		return (names[type]);
	return ("unknown");
}

static int
monitor_char(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-');
}

/* A monitor name scamper would send: 1..254 of [A-Za-z0-9.-]. */
int
wire_monitor_valid(const char *name)
{
	size_t	i;

	for (i = 0; name[i] != '\0'; i++) {
		if (i >= WIRE_MAXMONITOR || !monitor_char((unsigned char)name[i]))
			return (0);
	}
	return (i > 0);
}

/* body excludes the type byte. */
const char *
wire_new_decode(const uint8_t *body, size_t len, struct wire_new *n)
{
	size_t	 off, mon_len, i;

	memset(n, 0, sizeof *n);
	if (len < 1)
		return ("empty MASTER_NEW");
	n->magic_len = body[0];
	if (n->magic_len == 0)
		return ("MASTER_NEW with zero-length magic");
	if (len < 1 + (size_t)n->magic_len)
		return ("MASTER_NEW with truncated magic");
	memcpy(n->magic, body + 1, n->magic_len);
	off = 1 + n->magic_len;
	if (off == len)
		return (NULL);			/* no monitor-length byte */
	mon_len = body[off++];
	if (mon_len == 0)
		return (NULL);
	if (len - off < mon_len)
		return ("MASTER_NEW with truncated monitor name");
	if (body[off + mon_len - 1] != '\0')
		return ("MASTER_NEW monitor name not NUL-terminated");
	if (mon_len == 1)
		return ("MASTER_NEW with empty monitor name");
	for (i = 0; i < mon_len - 1; i++) {
		if (!monitor_char(body[off + i]))
			return ("MASTER_NEW monitor name has a bad character");
	}
	memcpy(n->monitor, body + off, mon_len);
	return (NULL);				/* trailing bytes ignored */
}

const char *
wire_res_decode(const uint8_t *body, size_t len, struct wire_res *r)
{
	const uint8_t	*p;

	memset(r, 0, sizeof *r);
	if (len < 1)
		return ("empty MASTER_RES");
	r->magic_len = body[0];
	if (r->magic_len == 0)
		return ("MASTER_RES with zero-length magic");
	if (len < 1 + (size_t)r->magic_len + 12)
		return ("MASTER_RES truncated");
	memcpy(r->magic, body + 1, r->magic_len);
	p = body + 1 + r->magic_len;
	r->rcv_nxt = get32(p);
	r->snd_una = get32(p + 4);
	r->snd_nxt = get32(p + 8);
	return (NULL);
}

const char *
wire_u32_decode(const uint8_t *body, size_t len, uint32_t *v)
{
	if (len != 4)
		return ("body is not 4 bytes");
	*v = get32(body);
	return (NULL);
}

/* MASTER_ID as scamper checks it (remote-protocol.md §5.2). */
const char *
wire_id_decode(const uint8_t *body, size_t len, char *out, size_t outlen)
{
	size_t	 id_len, i;

	if (len < 1)
		return ("empty MASTER_ID");
	id_len = body[0];
	if (id_len == 0)
		return ("MASTER_ID with zero length");
	if (len - 1 < id_len)
		return ("MASTER_ID truncated");
	for (i = 0; i < id_len - 1; i++) {
		if (body[1 + i] < 0x20 || body[1 + i] > 0x7e)
			return ("MASTER_ID not printable");
	}
	if (body[id_len] != '\0')
		return ("MASTER_ID not NUL-terminated");
	if (id_len > outlen)
		return ("MASTER_ID too long");
	memcpy(out, body + 1, id_len);
	return (NULL);
}

size_t
wire_ctl_encode(uint8_t *buf, uint32_t seq, uint8_t type)
{
	wire_hdr_encode(buf, seq, 0, 1);
	buf[WIRE_HDRLEN] = type;
	return (WIRE_HDRLEN + 1);
}

size_t
wire_ctl32_encode(uint8_t *buf, uint32_t seq, uint8_t type, uint32_t v)
{
	wire_hdr_encode(buf, seq, 0, 5);
	buf[WIRE_HDRLEN] = type;
	put32(buf + WIRE_HDRLEN + 1, v);
	return (WIRE_HDRLEN + 5);
}

size_t
wire_new_encode(uint8_t *buf, const uint8_t *magic, uint8_t magic_len,
    const char *monitor)
{
	uint8_t	*p = buf + WIRE_HDRLEN;
	size_t	 mlen = monitor != NULL ? strlen(monitor) : 0;

	if (mlen > WIRE_MAXMONITOR)
		mlen = WIRE_MAXMONITOR;
	*p++ = WIRE_MASTER_NEW;
	*p++ = magic_len;
	memcpy(p, magic, magic_len);
	p += magic_len;
	if (mlen > 0) {
		*p++ = (uint8_t)(mlen + 1);
		memcpy(p, monitor, mlen);
		p += mlen;
		*p++ = '\0';
	} else
		*p++ = 0;
	wire_hdr_encode(buf, 0, 0, (uint16_t)(p - buf - WIRE_HDRLEN));
	return ((size_t)(p - buf));
}

size_t
wire_id_encode(uint8_t *buf, const char *id)
{
	size_t	len = strlen(id);

	if (len > WIRE_MAXMONITOR)
		len = WIRE_MAXMONITOR;
	buf[WIRE_HDRLEN] = WIRE_MASTER_ID;
	buf[WIRE_HDRLEN + 1] = (uint8_t)(len + 1);
	memcpy(buf + WIRE_HDRLEN + 2, id, len);
	buf[WIRE_HDRLEN + 2 + len] = '\0';
	wire_hdr_encode(buf, 0, 0, (uint16_t)(len + 3));
	return (WIRE_HDRLEN + len + 3);
}

size_t
wire_res_encode(uint8_t *buf, const struct wire_res *r)
{
	uint8_t	*p = buf + WIRE_HDRLEN;

	*p++ = WIRE_MASTER_RES;
	*p++ = r->magic_len;
	memcpy(p, r->magic, r->magic_len);
	p += r->magic_len;
	put32(p, r->rcv_nxt);
	put32(p + 4, r->snd_una);
	put32(p + 8, r->snd_nxt);
	p += 12;
	wire_hdr_encode(buf, 0, 0, (uint16_t)(p - buf - WIRE_HDRLEN));
	return ((size_t)(p - buf));
}

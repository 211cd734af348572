/*
 * test_common.c: unit tests for the pure codecs in common/, using the byte
 * vectors observed on the wire (remote-protocol.md §14).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "uu.h"
#include "warts.h"
#include "wire.h"

static int	passed, failed;

#define CHECK(cond) do {						\
	if (cond)							\
		passed++;						\
	else {								\
		failed++;						\
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__,	\
		    __LINE__, #cond);					\
	}								\
} while (0)

static const uint8_t ping_stream[] = {
	0x12, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x76, 0x70, 0x31, 0x5f, 0x30, 0x00, 0x00, 0x12,
	0x05, 0x00, 0x02, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x65, 0x53, 0xf1, 0x00, 0x02,
	0x00, 0x07, 0x66, 0x61, 0x6b, 0x65, 0x76, 0x70, 0x00, 0x12, 0x05, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x7d, 0xf3, 0xfc, 0x65, 0x00, 0x2a, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x65, 0x53, 0xf1, 0x01, 0x00, 0x03,
	0xd0, 0x90, 0x01, 0x00, 0x00, 0x02, 0x00, 0x54, 0x01, 0x40, 0x00, 0x00,
	0x00, 0x02, 0x12, 0x34, 0x04, 0x01, 0xc0, 0x00, 0x02, 0x0a, 0x04, 0x01,
	0xc6, 0x33, 0x64, 0x07, 0x00, 0x02, 0xfe, 0x93, 0x03, 0x00, 0x21, 0x07,
	0x39, 0x00, 0x54, 0x00, 0x00, 0x00, 0x00, 0x30, 0x39, 0x00, 0x00, 0x40,
	0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x65, 0x53, 0xf1, 0x01, 0x00, 0x03, 0xd0, 0x90, 0xfe, 0x93, 0x03, 0x00,
	0x21, 0x07, 0x39, 0x00, 0x54, 0x00, 0x00, 0x00, 0x00, 0x30, 0x9d, 0x00,
	0x01, 0x40, 0x01, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x65, 0x53, 0xf1, 0x02, 0x00, 0x03, 0xd0, 0x90, 0x12, 0x05,
	0x00, 0x04, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x65, 0x53,
	0xf1, 0x05, 0x00,
};

static const uint8_t trace_stream[] = {
	0x12, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x76, 0x70, 0x31, 0x5f, 0x30, 0x00, 0x00, 0x12,
	0x05, 0x00, 0x02, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x65, 0x53, 0xf1, 0x00, 0x02,
	0x00, 0x07, 0x66, 0x61, 0x6b, 0x65, 0x76, 0x70, 0x00, 0x12, 0x05, 0x00,
	0x06, 0x00, 0x00, 0x00, 0xac, 0xf3, 0xfe, 0xff, 0x3f, 0x00, 0x34, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x65, 0x53, 0xf1, 0x01, 0x00,
	0x03, 0xd0, 0x90, 0x01, 0x00, 0x02, 0x00, 0x05, 0x00, 0x2c, 0x81, 0x23,
	0x82, 0x9b, 0x01, 0x00, 0x05, 0x01, 0x00, 0x03, 0x05, 0x01, 0x00, 0x00,
	0x03, 0x00, 0x00, 0x04, 0x01, 0xc0, 0x00, 0x02, 0x0a, 0x04, 0x01, 0xc6,
	0x33, 0x64, 0x06, 0x00, 0x03, 0xfe, 0x8f, 0x1a, 0x00, 0x20, 0x01, 0xff,
	0x11, 0x00, 0x00, 0x00, 0x07, 0x78, 0x0b, 0x00, 0x00, 0x2c, 0x00, 0x38,
	0x1f, 0xf9, 0x00, 0x00, 0x04, 0x01, 0xc6, 0x12, 0x99, 0x01, 0x65, 0x53,
	0xf1, 0x01, 0x00, 0x03, 0xd0, 0x90, 0xfe, 0x8f, 0x1a, 0x00, 0x20, 0x02,
	0xfe, 0x11, 0x00, 0x00, 0x00, 0x0b, 0x60, 0x0b, 0x00, 0x00, 0x2c, 0x00,
	0x38, 0x1f, 0xfa, 0x00, 0x00, 0x04, 0x01, 0xc6, 0x12, 0x99, 0x02, 0x65,
	0x53, 0xf1, 0x01, 0x00, 0x03, 0xd8, 0x08, 0xfe, 0x8f, 0x1a, 0x00, 0x1f,
	0x03, 0x3e, 0x11, 0x00, 0x00, 0x00, 0x0f, 0x48, 0x03, 0x03, 0x00, 0x2c,
	0x00, 0x48, 0x1f, 0xfb, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x65,
	0x53, 0xf1, 0x01, 0x00, 0x03, 0xe3, 0x68, 0x00, 0x00, 0x12, 0x05, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x65, 0x53, 0xf1,
	0x05, 0x00,
};

static struct warts_addr
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct warts_addr	x = { 1, { a, b, c, d } };

	return (x);
}

/* warts-subset.md §10: LIST, CYCLE_START, 2-probe ping, CYCLE_STOP. */
static void
test_warts_ping_stream(void)
{
	struct wbuf		b = { 0 };
	struct warts_ping_reply	r[2];
	struct warts_ping	p;
	int			i;

	memset(&p, 0, sizeof p);
	memset(r, 0, sizeof r);
	p.start.sec = 1700000001;
	p.start.usec = 250000;
	p.stop_reason = 1;
	p.count = 2;
	p.size = 84;
	p.wait = p.timeout = 1;
	p.ttl = 64;
	p.sent = 2;
	p.icmp_id = 0x1234;
	p.src = v4(192, 0, 2, 10);
	p.dst = v4(198, 51, 100, 7);
	for (i = 0; i < 2; i++) {
		r[i].flags = 7;
		r[i].ttl = 57;
		r[i].size = 84;
		r[i].rtt = 12345 + 100 * i;
		r[i].probe_id = i;
		r[i].reply_ipid = 0x4000 + i;
		r[i].probe_ipid = 0x1000 + i;
		r[i].from = p.dst;
		r[i].tx.sec = 1700000001 + i;
		r[i].tx.usec = 250000;
	}
	p.nreplies = 2;
	p.replies = r;
	warts_list(&b, "vp1_0", NULL);
	warts_cycle_start(&b, 1700000000, "fakevp");
	warts_ping(&b, &p);
	warts_cycle_stop(&b, 1700000005);
	CHECK(b.len == sizeof ping_stream);
	CHECK(b.len == sizeof ping_stream &&
	    memcmp(b.p, ping_stream, b.len) == 0);
	wbuf_free(&b);
}

/* warts-subset.md §13.6: a completed 3-hop IPv4 trace. */
static void
test_warts_trace_stream(void)
{
	struct wbuf		b = { 0 };
	struct warts_hop	h[3];
	struct warts_trace	t;
	static const uint32_t	txu[] = { 250000, 251912, 254824 };
	int			i;

	memset(&t, 0, sizeof t);
	memset(h, 0, sizeof h);
	t.start.sec = 1700000001;
	t.start.usec = 250000;
	t.stop_reason = 1;
	t.attempts = 2;
	t.probe_size = 44;
	t.sport = 33059;
	t.dport = 33435;
	t.wait = 5;
	t.hop_count = 3;
	t.gaplimit = 5;
	t.probes_sent = 3;
	t.src = v4(192, 0, 2, 10);
	t.dst = v4(198, 51, 100, 6);
	for (i = 0; i < 3; i++) {
		h[i].probe_ttl = i + 1;
		h[i].rtt = 1000 * (i + 1) + 912;
		h[i].reply_ipid = 0x1ff9 + i;
		h[i].tx.sec = 1700000001;
		h[i].tx.usec = txu[i];
		if (i < 2) {
			h[i].reply_ttl = 255 - i;
			h[i].icmp_type = 11;
			h[i].reply_size = 56;
			h[i].from = v4(198, 18, 153, i + 1);
		} else {
			h[i].reply_ttl = 62;
			h[i].icmp_type = h[i].icmp_code = 3;
			h[i].reply_size = 72;
			h[i].from = t.dst;
		}
	}
	t.nhops = 3;
	t.hops = h;
	warts_list(&b, "vp1_0", NULL);
	warts_cycle_start(&b, 1700000000, "fakevp");
	warts_trace(&b, &t);
	warts_cycle_stop(&b, 1700000005);
	CHECK(b.len == sizeof trace_stream);
	CHECK(b.len == sizeof trace_stream &&
	    memcmp(b.p, trace_stream, b.len) == 0);
	wbuf_free(&b);
}

static void
test_warts_list_monitor_and_check(void)
{
	struct wbuf	b = { 0 };
	uint16_t	type;
	static const uint8_t want[] = { 0x12, 0x05, 0x00, 0x01, 0, 0, 0, 0x16,
	    0, 0, 0, 1, 0, 0, 0, 0, 'v', 'p', '1', '_', '0', 0, 0x02, 0x00,
	    0x05, 'm', 'o', 'n', '1', 0 };

	warts_list(&b, "vp1_0", "mon1");
	CHECK(b.len == sizeof want && memcmp(b.p, want, b.len) == 0);
	CHECK(warts_check(b.p, b.len, &type) == NULL && type == 1);
	CHECK(warts_check(b.p, b.len - 1, &type) != NULL);
	b.p[0] = 0x13;
	CHECK(warts_check(b.p, b.len, &type) != NULL);
	wbuf_free(&b);
}

/* control-protocol.md §5: the CYCLE_STOP worked example and n formula. */
static void
test_uu(void)
{
	static const uint8_t stop[] = { 0x12, 0x05, 0x00, 0x04, 0, 0, 0, 0x09,
	    0, 0, 0, 1, 0x65, 0x53, 0xf1, 0x05, 0 };
	static const char want[] = "1$@4`!`````D````!95/Q!0``\n`\n";
	char		 out[512];
	uint8_t		 dec[64], big[200];
	const char	*err;
	size_t		 i, n;
	int		 k;

	CHECK(uu_enclen(17) == 28 && uu_enclen(23) == 36);
	CHECK(uu_enclen(30) == 44 && uu_enclen(34) == 52);
	CHECK(uu_enclen(45) == 64 && uu_enclen(133) == 188);
	CHECK(uu_enclen(136) == 194);
	n = uu_encode(stop, sizeof stop, out);
	CHECK(n == 28 && memcmp(out, want, n) == 0);
	k = uu_decode_line(out, 25, dec, &err);
	CHECK(k == 17 && memcmp(dec, stop, 17) == 0);
	CHECK(uu_decode_line("`", 1, dec, &err) == 0);
	CHECK(uu_decode_line("1 @4", 4, dec, &err) == -1);	/* space */
	CHECK(uu_decode_line("1$@4", 4, dec, &err) == -1);	/* short */
	CHECK(uu_decode_line("", 0, dec, &err) == -1);
	for (i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7);
	n = uu_encode(big, sizeof big, out);
	CHECK(n == uu_enclen(sizeof big));
	CHECK(uu_decode_line(out, 61, dec, &err) == 45 &&
	    memcmp(dec, big, 45) == 0);
}

static void
test_hdr(void)
{
	uint8_t		b[WIRE_HDRLEN];
	struct wire_hdr	h;
	static const uint8_t keep[] = { 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 1 };

	wire_hdr_decode(keep, &h);
	CHECK(h.seq == 17 && h.channel == 0 && h.len == 1);
	wire_hdr_encode(b, 0xfffffffe, 0x01020304, 0xffff);
	wire_hdr_decode(b, &h);
	CHECK(h.seq == 0xfffffffe && h.channel == 0x01020304 && h.len == 0xffff);
}

static void
test_new(void)
{
	static const uint8_t foo[] = { 0x08, 0x7e, 0x7d, 0x5c, 0x0a, 0x87,
	    0x40, 0x18, 0x48, 0x08, 'f', 'o', 'o', '.', 'b', 'a', 'r', 0 };
	static const uint8_t none[] = { 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0 };
	static const uint8_t nolen[] = { 0x02, 1, 2 };
	uint8_t		 buf[64], bad[sizeof foo];
	struct wire_new	 n;

	CHECK(wire_new_decode(foo, sizeof foo, &n) == NULL);
	CHECK(n.magic_len == 8 && n.magic[0] == 0x7e);
	CHECK(strcmp(n.monitor, "foo.bar") == 0);
	CHECK(wire_new_decode(none, sizeof none, &n) == NULL);
	CHECK(n.monitor[0] == '\0');
	CHECK(wire_new_decode(nolen, sizeof nolen, &n) == NULL);
	CHECK(wire_new_decode(foo, 0, &n) != NULL);
	CHECK(wire_new_decode((const uint8_t *)"\0", 1, &n) != NULL);
	CHECK(wire_new_decode(foo, 5, &n) != NULL);		/* magic cut */
	CHECK(wire_new_decode(foo, sizeof foo - 1, &n) != NULL);
	memcpy(bad, foo, sizeof foo);
	bad[12] = '/';
	CHECK(wire_new_decode(bad, sizeof bad, &n) != NULL);
	bad[12] = 'o';
	bad[sizeof bad - 1] = 'x';
	CHECK(wire_new_decode(bad, sizeof bad, &n) != NULL);	/* no NUL */

	/* the observed MASTER_NEW, byte for byte */
	CHECK(wire_new_encode(buf, foo + 1, 8, "foo.bar") == 29);
	CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0\0\x13\0", 11) == 0);
	CHECK(memcmp(buf + 11, foo, sizeof foo) == 0);
}

static void
test_res_id(void)
{
	static const uint8_t res[] = { 0x08, 0x7e, 0x7d, 0x5c, 0x0a, 0x87,
	    0x40, 0x18, 0x48, 0, 0, 0, 4, 0, 0, 0, 0x11, 0, 0, 0, 0x11 };
	static const uint8_t id[] = { 0x01, 0x10, '1', '2', '7', '.', '0',
	    '.', '0', '.', '1', ':', '4', '8', '3', '1', '4', 0 };
	struct wire_res	 r;
	uint8_t		 buf[WIRE_CTLMAX];
	char		 s[256];

	CHECK(wire_res_decode(res, sizeof res, &r) == NULL);
	CHECK(r.rcv_nxt == 4 && r.snd_una == 17 && r.snd_nxt == 17);
	CHECK(wire_res_encode(buf, &r) == WIRE_HDRLEN + 22);
	CHECK(memcmp(buf + WIRE_HDRLEN + 1, res, sizeof res) == 0);
	CHECK(wire_res_decode(res, sizeof res - 1, &r) != NULL);

	CHECK(wire_id_encode(buf, "127.0.0.1:48314") == WIRE_HDRLEN + 18);
	CHECK(memcmp(buf + WIRE_HDRLEN, id, sizeof id) == 0);
	CHECK(buf[9] == 0x12);
	CHECK(wire_id_decode(id + 1, sizeof id - 1, s, sizeof s) == NULL);
	CHECK(strcmp(s, "127.0.0.1:48314") == 0);
	CHECK(wire_id_decode(id + 1, 5, s, sizeof s) != NULL);
}

static void
test_seq(void)
{
	CHECK(wire_seq_lt(0xffffffff, 0));
	CHECK(!wire_seq_lt(0, 0xffffffff));
	CHECK(wire_seq_le(5, 5));
	CHECK(wire_seq_lt(1, 2));
}

static void
test_addr(void)
{
	struct addr_listen	al;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	char			name[ADDR_NAMELEN];
	int			port;

	CHECK(addr_parse_listen("31337", &al) == NULL);
	CHECK(al.family == AF_UNSPEC && al.port == 31337);
	CHECK(addr_parse_listen("0x7a69", &al) == NULL && al.port == 31337);
	CHECK(addr_parse_listen("127.0.0.1:99", &al) == NULL);
	CHECK(al.family == AF_INET && strcmp(al.host, "127.0.0.1") == 0);
	CHECK(addr_parse_listen("[::1]:99", &al) == NULL);
	CHECK(al.family == AF_INET6 && al.port == 99);
	CHECK(addr_parse_listen("[::1]99", &al) != NULL);
	CHECK(addr_parse_listen("localhost:99", &al) != NULL);
	CHECK(addr_parse_listen("0", &al) != NULL);
	CHECK(addr_parse_listen("65536", &al) != NULL);
	CHECK(addr_parse_listen("12ab", &al) != NULL);
	CHECK(addr_parse_port("-1", &port) != NULL);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(48314);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	CHECK(addr_name((struct sockaddr *)&sin, name, sizeof name) == 0);
	CHECK(strcmp(name, "127.0.0.1:48314") == 0);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(1026);
	inet_pton(AF_INET6, "2001:db8:1234::1", &sin6.sin6_addr);
	CHECK(addr_name((struct sockaddr *)&sin6, name, sizeof name) == 0);
	CHECK(strcmp(name, "2001:db8:1234::1.1026") == 0);
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &sin6.sin6_addr);
	CHECK(addr_name((struct sockaddr *)&sin6, name, sizeof name) == 0);
	CHECK(strcmp(name, "192.0.2.7:1026") == 0);
}

static void
test_monitor(void)
{
	char	long_name[300];

	CHECK(wire_monitor_valid("foo.bar"));
	CHECK(wire_monitor_valid("mon.v6-"));
	CHECK(!wire_monitor_valid(""));
	CHECK(!wire_monitor_valid("a/b"));
	CHECK(!wire_monitor_valid("a b"));
	memset(long_name, 'a', 255);
	long_name[255] = '\0';
	CHECK(!wire_monitor_valid(long_name));
	long_name[254] = '\0';
	CHECK(wire_monitor_valid(long_name));
}

int
main(void)
{
	test_hdr();
	test_new();
	test_res_id();
	test_seq();
	test_addr();
	test_monitor();
	test_uu();
	test_warts_ping_stream();
	test_warts_trace_stream();
	test_warts_list_monitor_and_check();
	printf("%d passed, %d failed\n", passed, failed);
	return (failed != 0);
}

/*
 * test_common.c: unit tests for the pure codecs in common/, using the byte
 * vectors observed on the wire (remote-protocol.md §14).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
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
	printf("%d passed, %d failed\n", passed, failed);
	return (failed != 0);
}

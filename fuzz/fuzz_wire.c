/*
 * fuzz_wire.c: every remote-protocol decoder on arbitrary bytes.  The
 * first byte picks the decoder; a decoded MASTER_NEW or MASTER_RES must
 * re-encode to the bytes it came from (less ignored trailing bytes).
 */
#include <stdint.h>
#include <string.h>

#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct wire_hdr	 h;
	struct wire_new	 n;
	struct wire_res	 r;
	uint8_t		 buf[WIRE_CTLMAX];
	char		 id[WIRE_MAXMONITOR + 1];
	uint32_t	 v;
	size_t		 elen;

	if (len < 1)
		return (0);
	switch (data[0] % 5) {
	case 0:
		if (len >= 1 + WIRE_HDRLEN)
			wire_hdr_decode(data + 1, &h);
		break;
	case 1:
		if (wire_new_decode(data + 1, len - 1, &n) == NULL) {
			if (n.monitor[0] != '\0' && !wire_monitor_valid(n.monitor))
				__builtin_trap();
			elen = wire_new_encode(buf, n.magic, n.magic_len,
			    n.monitor);
			/* what was accepted re-encodes to a prefix of it */
			if (n.monitor[0] != '\0' &&
			    memcmp(buf + WIRE_HDRLEN + 1, data + 1,
			    elen - WIRE_HDRLEN - 1) != 0)
				__builtin_trap();
		}
		break;
	case 2:
		if (wire_res_decode(data + 1, len - 1, &r) == NULL) {
			elen = wire_res_encode(buf, &r);
			if (memcmp(buf + WIRE_HDRLEN + 1, data + 1,
			    elen - WIRE_HDRLEN - 1) != 0)
				__builtin_trap();
		}
		break;
	case 3:
		(void)wire_id_decode(data + 1, len - 1, id, sizeof id);
		break;
	case 4:
		(void)wire_u32_decode(data + 1, len - 1, &v);
		break;
	}
	return (0);
}

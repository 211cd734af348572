/*
 * fuzz_uu.c: strict uudecoding of arbitrary lines, and encode/decode
 * round trips of arbitrary records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uu.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint8_t		 out[64], *dec;
	const char	*err, *line, *nl;
	char		*enc;
	size_t		 n, off, dlen = 0;
	int		 k;

	/* arbitrary bytes as one line */
	k = uu_decode_line((const char *)data, len, out, &err);
	if (k > 45)
		__builtin_trap();

	/* arbitrary bytes as a record: encode, then decode line by line */
	n = uu_enclen(len);
	if ((enc = malloc(n)) == NULL || (dec = malloc(len + 64)) == NULL)
		abort();
	if (uu_encode(data, len, enc) != n)
		__builtin_trap();
	for (off = 0; off < n; off = (size_t)(nl - enc) + 1) {
		line = enc + off;
		nl = memchr(line, '\n', n - off);
		if (nl == NULL)
			__builtin_trap();
		k = uu_decode_line(line, (size_t)(nl - line), dec + dlen, &err);
		if (k < 0)
			__builtin_trap();
		dlen += (size_t)k;
	}
	if (dlen != len || memcmp(dec, data, len) != 0)
		__builtin_trap();
	free(enc);
	free(dec);
	return (0);
}

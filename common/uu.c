/*
 * uu.c: exact uuencode and strict uudecode.
 */
#include "uu.h"

#define UU_LINE	45

static char
uu_char(unsigned int v)
{
	v &= 0x3f;
	return (v == 0 ? '`' : (char)(0x20 + v));
}

size_t
uu_enclen(size_t len)
{
	size_t	r = len % UU_LINE;

	return (62 * (len / UU_LINE) + (r > 0 ? 2 + 4 * ((r + 2) / 3) : 0) +
	    2);
}

size_t
uu_encode(const uint8_t *in, size_t len, char *out)
{
	char		*o = out;
	size_t		 off, n, i;
	unsigned int	 a, b, c;

	for (off = 0; off < len; off += n) {
		n = len - off > UU_LINE ? UU_LINE : len - off;
		*o++ = (char)(0x20 + n);
		for (i = 0; i < n; i += 3) {
			a = in[off + i];
			b = i + 1 < n ? in[off + i + 1] : 0;
			c = i + 2 < n ? in[off + i + 2] : 0;
			*o++ = uu_char(a >> 2);
			*o++ = uu_char((a << 4) | (b >> 4));
			*o++ = uu_char((b << 2) | (c >> 6));
			*o++ = uu_char(c);
		}
		*o++ = '\n';
	}
	*o++ = '`';
	*o++ = '\n';
	return ((size_t)(o - out));
}

int
uu_decode_line(const char *line, size_t len, uint8_t *out, const char **err)
{
	size_t		 n, i, j, groups;
	unsigned int	 c[4];

	if (len == 0) {
		*err = "empty line in a DATA block";
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if (line[i] < 0x21 || line[i] > 0x60) {
			*err = "character outside ! .. ` in a DATA block";
			return (-1);
		}
	}
	if (line[0] == '`') {
		if (len != 1) {
			*err = "malformed DATA terminator line";
			return (-1);
		}
		return (0);
	}
	n = (size_t)(line[0] - 0x20);
	if (n > UU_LINE) {
		*err = "DATA line longer than 45 bytes";
		return (-1);
	}
	groups = (n + 2) / 3;
	if (len != 1 + 4 * groups) {
		*err = "DATA line length does not match its count";
		return (-1);
	}
	for (i = 0; i < groups; i++) {
		for (j = 0; j < 4; j++)
			c[j] = (unsigned int)(line[1 + 4 * i + j] - 0x20) & 0x3f;
		if (3 * i < n)
			out[3 * i] = (uint8_t)(c[0] << 2 | c[1] >> 4);
		if (3 * i + 1 < n)
			out[3 * i + 1] = (uint8_t)(c[1] << 4 | c[2] >> 2);
		if (3 * i + 2 < n)
			out[3 * i + 2] = (uint8_t)(c[2] << 6 | c[3]);
	}
	return ((int)n);
}

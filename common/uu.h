/*
 * uu.h: the uuencoding of DATA blocks (control-protocol.md §5): 45-byte
 * lines, zero written as a backquote, a "`" terminator line.
 */
#ifndef UU_H
#define UU_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the encoded block for a record of len bytes (the DATA <n>). */
size_t		 uu_enclen(size_t);
/* Encode into out, which holds uu_enclen(len) bytes; returns that. */
size_t		 uu_encode(const uint8_t *, size_t, char *);

/*
 * Strict decoding, one line at a time (without its newline).  Returns the
 * number of bytes written to out (at most 45), 0 for the terminator line,
 * or -1 for a malformed line, with *err set.
 */
int		 uu_decode_line(const char *, size_t, uint8_t *,
		     const char **);

#endif

/*
 * util.h: small helpers every program needs.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdint.h>

uint64_t	util_now_ms(void);		/* monotonic milliseconds */
void		util_raise_nofile(void);	/* soft limit up to hard */

#endif

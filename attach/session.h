/*
 * session.h: the attach client's protocol logic (control-protocol.md §10):
 * reply parsing, DATA decoding, flow control and the exit status.  No I/O:
 * lines go in, and lines to send and decoded records come out through
 * callbacks, so it can be tested on its own.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

#define EXIT_OK		0	/* complete, no ERR */
#define EXIT_ERR	1	/* complete, some commands got ERR */
#define EXIT_PROTO	2	/* protocol error or premature EOF */
#define EXIT_TIMEOUT	3
#define EXIT_SETUP	4	/* cannot connect, write, or attach */
#define EXIT_USAGE	64

struct session;

struct session_cb {
	void	(*send)(void *, const char *);		/* one line, no \n */
	int	(*record)(void *, const uint8_t *, size_t); /* -1: I/O error */
	void	*arg;
};

struct session	*session_new(const struct session_cb *, int, const char *);
void		 session_free(struct session *);
void		 session_command(struct session *, const char *);
void		 session_input_done(struct session *);
void		 session_shuffle(struct session *, uint64_t);
/* 0, or -1 protocol error, -2 output error, -3 attach refused */
int		 session_line(struct session *, const char *, size_t);
void		 session_pump(struct session *);
int		 session_finish(struct session *, const char **);
const char	*session_error(const struct session *);

/* progress: commands sent, results received, ERR replies, total */
void		 session_counts(const struct session *, size_t *, size_t *,
		     size_t *, size_t *);

#endif

/*
 * session.c: one attach session's protocol state.
 *
 * Every line sent (attach, commands, halt, done) gets exactly one OK... or
 * ERR... reply, in order, so sent lines wait in a FIFO until answered.
 * MORE (and ERR, after which scamper sends no MORE) lets the next command
 * go, unless impatient.  DATA blocks are decoded strictly and each record
 * must be whole warts before it is handed on.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "session.h"
#include "uu.h"
#include "warts.h"

#define SESSION_MAXRECORD	(16u << 20)	/* largest warts record */

struct session {
	struct session_cb	 cb;
	int			 impatient;
	char			*attach;	/* line to send first, or NULL */
	int			 attached;	/* attach answered OK */

	char			**cmds;		/* commands, in send order */
	size_t			 ncmds, cmds_alloc, next;
	int			 input_done;
	int			 done_sent;
	int			 may_send;	/* a MORE is unused */
	int			 seen_more;

	char			**fifo;		/* sent, awaiting OK/ERR */
	size_t			 fifo_head, fifo_len, fifo_alloc;

	long			 left;		/* bytes left in a DATA block */
	uint8_t			*rec;		/* the record being decoded */
	size_t			 reclen, recalloc;
	uint16_t		 last_type;	/* of the last whole record */

	size_t			 sent, results, errors, unknown;
	char			 error[256];	/* fatal protocol error */
};

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return (p);
}

struct session *
session_new(const struct session_cb *cb, int impatient, const char *attach)
{
	struct session	*s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		fatal("calloc");
	s->cb = *cb;
	s->impatient = impatient;
	if (attach != NULL)
		s->attach = xstrdup(attach);
	return (s);
}

void
session_free(struct session *s)
{
	size_t	i;

	for (i = 0; i < s->ncmds; i++)
		free(s->cmds[i]);
	for (i = 0; i < s->fifo_len; i++)
		free(s->fifo[(s->fifo_head + i) % s->fifo_alloc]);
	free(s->cmds);
	free(s->fifo);
	free(s->rec);
	free(s->attach);
	free(s);
}

void
session_command(struct session *s, const char *cmd)
{
	char	**n;

	if (s->ncmds == s->cmds_alloc) {
		s->cmds_alloc = s->cmds_alloc ? s->cmds_alloc * 2 : 64;
		if ((n = reallocarray(s->cmds, s->cmds_alloc, sizeof *n)) ==
		    NULL)
			fatal("reallocarray");
		s->cmds = n;
	}
	s->cmds[s->ncmds++] = xstrdup(cmd);
}

void
session_input_done(struct session *s)
{
	s->input_done = 1;
}

/* -O random: Fisher-Yates with a small seeded generator. */
void
session_shuffle(struct session *s, uint64_t seed)
{
	size_t	 i, j;
	char	*t;

	for (i = s->ncmds; i > 1; i--) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		j = (size_t)((seed >> 33) % i);
		t = s->cmds[i - 1];
		s->cmds[i - 1] = s->cmds[j];
		s->cmds[j] = t;
	}
}

static void
fifo_push(struct session *s, const char *line)
{
	char	**n;
	size_t	  i, alloc;

	if (s->fifo_len == s->fifo_alloc) {
		alloc = s->fifo_alloc ? s->fifo_alloc * 2 : 64;
		if ((n = calloc(alloc, sizeof *n)) == NULL)
			fatal("calloc");
		for (i = 0; i < s->fifo_len; i++)
			n[i] = s->fifo[(s->fifo_head + i) % s->fifo_alloc];
		free(s->fifo);
		s->fifo = n;
		s->fifo_alloc = alloc;
		s->fifo_head = 0;
	}
	s->fifo[(s->fifo_head + s->fifo_len++) % s->fifo_alloc] =
	    xstrdup(line);
}

/* The oldest unanswered line; the caller frees it.  NULL if none. */
static char *
fifo_pop(struct session *s)
{
	char	*line;

	if (s->fifo_len == 0)
		return (NULL);
	line = s->fifo[s->fifo_head];
	s->fifo_head = (s->fifo_head + 1) % s->fifo_alloc;
	s->fifo_len--;
	return (line);
}

static void
session_send(struct session *s, const char *line)
{
	log_debug("> %s", line);
	fifo_push(s, line);
	s->cb.send(s->cb.arg, line);
}

/* Send what flow control allows now. */
void
session_pump(struct session *s)
{
	if (s->attach != NULL && !s->attached) {
		if (s->fifo_len == 0)
			session_send(s, s->attach);
		return;
	}
	if (!s->seen_more || s->done_sent)
		return;
	while (s->next < s->ncmds && (s->may_send || s->impatient)) {
		session_send(s, s->cmds[s->next++]);
		s->sent++;
		s->may_send = 0;
	}
	if (s->next == s->ncmds && s->input_done &&
	    (s->may_send || s->impatient)) {
		session_send(s, "done");
		s->done_sent = 1;
		s->may_send = 0;
	}
}

static int
session_fail(struct session *s, const char *fmt, const char *arg)
{
	snprintf(s->error, sizeof s->error, fmt, arg);
	return (-1);
}

/* A line inside a DATA block. */
static int
session_data_line(struct session *s, const char *line, size_t len)
{
	uint8_t		 out[64], *n;
	const char	*err;
	uint16_t	 type;
	int		 k;

	if ((k = uu_decode_line(line, len, out, &err)) == -1)
		return (session_fail(s, "malformed DATA block: %s", err));
	s->left -= (long)len + 1;
	if (s->left < 0)
		return (session_fail(s, "%s", "DATA block longer than its count"));
	if (k > 0) {
		if (s->reclen + (size_t)k > SESSION_MAXRECORD)
			return (session_fail(s, "%s", "record too large"));
		if (s->reclen + (size_t)k > s->recalloc) {
			s->recalloc = s->recalloc ? s->recalloc * 2 : 4096;
			while (s->recalloc < s->reclen + (size_t)k)
				s->recalloc *= 2;
			if ((n = realloc(s->rec, s->recalloc)) == NULL)
				fatal("realloc");
			s->rec = n;
		}
		memcpy(s->rec + s->reclen, out, (size_t)k);
		s->reclen += (size_t)k;
		if (s->left == 0)
			return (session_fail(s, "%s",
			    "DATA block without its terminator line"));
		return (0);
	}
	/* the terminator */
	if (s->left != 0)
		return (session_fail(s, "%s", "DATA block shorter than its count"));
	if ((err = warts_check(s->rec, s->reclen, &type)) != NULL)
		return (session_fail(s, "decoded DATA is not warts: %s", err));
	if (s->cb.record(s->cb.arg, s->rec, s->reclen) == -1)
		return (-2);
	if (type != WARTS_LIST && type != WARTS_CYCLE_START &&
	    type != WARTS_CYCLE_STOP)
		s->results++;
	s->last_type = type;
	s->reclen = 0;
	return (0);
}

/* "DATA <n>[ id-<N>[ inprog]]" with n >= 3. */
static int
session_data_header(struct session *s, const char *line)
{
	const char	*p = line + 5;
	char		*end;
	long		 n;

	if (!isdigit((unsigned char)*p))
		return (session_fail(s, "unparsable DATA line '%s'", line));
	errno = 0;
	n = strtol(p, &end, 10);
	if (errno != 0 || n < 3 || n > 2 * (long)SESSION_MAXRECORD ||
	    (*end != '\0' && *end != ' '))
		return (session_fail(s, "unparsable DATA line '%s'", line));
	if (*end == ' ' && strncmp(end + 1, "id-", 3) != 0)
		return (session_fail(s, "unparsable DATA line '%s'", line));
	s->left = n;
	s->reclen = 0;
	return (0);
}

/*
 * One line from scamper, without its newline.  Returns 0, -1 for a fatal
 * protocol error (session_error() says which), or -2 for an output error.
 */
int
session_line(struct session *s, const char *line, size_t len)
{
	char	*cmd;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (s->left > 0)
		return (session_data_line(s, line, len));
	if (memchr(line, '\0', len) != NULL)
		return (session_fail(s, "%s", "NUL byte in a reply line"));
	log_debug("< %.*s", (int)len, line);

	if (len == 4 && memcmp(line, "MORE", 4) == 0) {
		s->seen_more = 1;
		s->may_send = 1;
		return (0);
	}
	if ((len == 2 && memcmp(line, "OK", 2) == 0) ||
	    (len > 2 && memcmp(line, "OK ", 3) == 0)) {
		if ((cmd = fifo_pop(s)) == NULL)
			return (session_fail(s, "%s",
			    "an OK that answers no command"));
		if (s->attach != NULL && !s->attached)
			s->attached = 1;
		else if (len > 6 && memcmp(line, "OK id-", 6) == 0)
			log_debug("task %.*s: %s", (int)(len - 6), line + 6,
			    cmd);
		free(cmd);
		return (0);
	}
	if (len >= 3 && memcmp(line, "ERR", 3) == 0 &&
	    (len == 3 || line[3] == ' ')) {
		if ((cmd = fifo_pop(s)) == NULL)
			return (session_fail(s, "%s",
			    "an ERR that answers no command"));
		if (s->attach != NULL && !s->attached) {
			snprintf(s->error, sizeof s->error, "'%s' refused: "
			    "%.*s", cmd, (int)len, line);
			free(cmd);
			return (-3);
		}
		log_warnx("%.*s (command: %s)", (int)len, line, cmd);
		free(cmd);
		s->errors++;
		s->may_send = 1;	/* scamper sends no MORE after ERR */
		return (0);
	}
	if (len > 5 && memcmp(line, "DATA ", 5) == 0) {
		char	buf[128];

		snprintf(buf, sizeof buf, "%.*s", (int)len, line);
		return (session_data_header(s, buf));
	}
	log_warnx("unknown line from scamper: '%.*s'", (int)(len > 80 ? 80 :
	    len), line);
	s->unknown++;
	return (0);
}

/* At EOF: the exit status, and a reason when it is not 0. */
int
session_finish(struct session *s, const char **reason)
{
	if (s->left > 0) {
		snprintf(s->error, sizeof s->error,
		    "connection closed inside a DATA block");
		*reason = s->error;
		return (EXIT_PROTO);
	}
	if (s->attach != NULL && !s->attached) {
		snprintf(s->error, sizeof s->error,
		    "connection closed before attach was answered");
		*reason = s->error;
		return (EXIT_SETUP);
	}
	if (s->fifo_len > 0 || s->next < s->ncmds || !s->done_sent) {
		snprintf(s->error, sizeof s->error, "connection closed early: "
		    "%zu of %zu commands sent, %zu unanswered", s->sent,
		    s->ncmds, s->fifo_len);
		*reason = s->error;
		return (EXIT_PROTO);
	}
	if (s->last_type != WARTS_CYCLE_STOP) {
		snprintf(s->error, sizeof s->error,
		    "connection closed before the cycle stop record");
		*reason = s->error;
		return (EXIT_PROTO);
	}
	if (s->unknown > 0) {
		snprintf(s->error, sizeof s->error, "%zu unknown lines from "
		    "scamper", s->unknown);
		*reason = s->error;
		return (EXIT_PROTO);
	}
	if (s->errors > 0) {
		snprintf(s->error, sizeof s->error, "%zu of %zu commands were "
		    "refused (ERR)", s->errors, s->sent);
		*reason = s->error;
		return (EXIT_ERR);
	}
	*reason = NULL;
	return (EXIT_OK);
}

const char *
session_error(const struct session *s)
{
	return (s->error);
}

void
session_counts(const struct session *s, size_t *sent, size_t *results,
    size_t *errors, size_t *total)
{
	*sent = s->sent;
	*results = s->results;
	*errors = s->errors;
	*total = s->ncmds;
}

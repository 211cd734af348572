/*
 * fuzz_session.c: sc_rattach's reply parser on an arbitrary byte stream,
 * split into lines as the client splits them, with commands pending.
 */
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "session.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_silence();		/* ERR and unknown lines are expected here */
	return (0);
}

static void
fuzz_send(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

static int
fuzz_record(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	/* only whole warts records get here */
	if (len < 8 || p[0] != 0x12 || p[1] != 0x05)
		__builtin_trap();
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct session_cb	 cb = { fuzz_send, fuzz_record, NULL };
	struct session		*s;
	const uint8_t		*nl;
	const char		*reason;
	size_t			 off;

	s = session_new(&cb, len > 0 && (data[0] & 1), NULL);
	session_command(s, "ping 192.0.2.1");
	session_command(s, "trace 192.0.2.2");
	session_input_done(s);
	for (off = 0; off < len; off = (size_t)(nl - data) + 1) {
		nl = memchr(data + off, '\n', len - off);
		if (nl == NULL)
			break;
		if (session_line(s, (const char *)data + off,
		    (size_t)(nl - data - off)) != 0)
			break;
		session_pump(s);
	}
	(void)session_finish(s, &reason);
	session_free(s);
	return (0);
}

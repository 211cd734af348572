/*
 * sink: connect to a unix socket, read until N bytes have arrived (or T
 * seconds have passed), print "<bytes> <seconds>" timed from the first
 * byte.  The benchmark's local client: it must never be the bottleneck.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	static char		 buf[1 << 20];
	unsigned long long	 want, got = 0;
	double			 t0 = 0, limit = 1e9;
	ssize_t			 n;
	int			 fd;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: sink socket-path bytes [seconds]\n");
		return (1);
	}
	want = strtoull(argv[2], NULL, 10);
	if (argc == 4)
		limit = strtod(argv[3], NULL);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		perror(argv[1]);
		return (1);
	}
	while (got < want) {
		if ((n = read(fd, buf, sizeof buf)) <= 0) {
			fprintf(stderr, "sink: EOF after %llu bytes\n", got);
			return (1);
		}
		if (got == 0)
			t0 = now();
		got += (unsigned long long)n;
		if (now() - t0 > limit)
			break;
	}
	printf("%llu %.6f\n", got, now() - t0);
	return (0);
}

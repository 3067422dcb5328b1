/* null-sink: a TCP sink that accepts connections on 127.0.0.1 and discards what arrives, for
 * bench/run-syslog.sh's "loggen into a null sink" rows (the sender's ceiling).
 *
 *   null-sink PORT   listens on 127.0.0.1:PORT (0: any free port), prints the port on a line
 *                    of its own once it listens, and drains each connection in a thread of its
 *                    own until it closes; runs until killed. Each time the last open connection
 *                    closes it prints a line for the connections since the last such line: the
 *                    wall-clock time its last byte arrived (seconds since the epoch, as
 *                    `date +%s.%N`) and how many bytes arrived.
 *
 * It is in C so that the ceiling measures the sender: a sink that spends more CPU per byte than
 * a receiver, or serialises its connections (a Python thread per connection shares one
 * interpreter lock), would put its own limit in the row. The time of the last byte is what the
 * row divides by: loggen's own figure is rounded up to a tick of its main thread (every 0.5 s,
 * docs/logs.md), and the receivers' rows are timed by what arrived, not by loggen.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

enum { SINK_BUFFER = 1 << 20 };

/* The connections since the last report (under mu). */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned open_conns;
static unsigned long long bytes;
static struct timespec last_byte;

static void *drain(void *arg)
{
	int fd = (int)(long)arg;
	char *buf = malloc(SINK_BUFFER);
	unsigned long long got = 0;
	struct timespec last = { 0, 0 };
	ssize_t n;

	if (buf)
		while ((n = recv(fd, buf, SINK_BUFFER, 0)) > 0) {
			got += (unsigned long long)n;
			clock_gettime(CLOCK_REALTIME, &last);
		}
	free(buf);
	close(fd);
	pthread_mutex_lock(&mu);
	bytes += got;
	if (last.tv_sec > last_byte.tv_sec ||
	    (last.tv_sec == last_byte.tv_sec && last.tv_nsec > last_byte.tv_nsec))
		last_byte = last;
	if (--open_conns == 0) {
		printf("%lld.%09ld %llu\n", (long long)last_byte.tv_sec, last_byte.tv_nsec, bytes);
		fflush(stdout);
		bytes = 0;
		last_byte.tv_sec = last_byte.tv_nsec = 0;
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int main(int argc, char **argv)
{
	char *end = NULL;
	long port = argc == 2 ? strtol(argv[1], &end, 10) : -1;
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int one = 1;
	int srv;

	if (port < 0 || port > 65535 || !end || *end) {
		fprintf(stderr, "usage: null-sink PORT (0 for any free port)\n");
		return 2;
	}
	addr.sin_port = htons((unsigned short)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv < 0 || setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(srv, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(srv, 16) < 0 ||
	    getsockname(srv, (struct sockaddr *)&addr, &len) < 0) {
		fprintf(stderr, "null-sink: cannot listen on 127.0.0.1:%ld: %s\n", port,
		        strerror(errno));
		return 1;
	}
	printf("%u\n", ntohs(addr.sin_port));
	fflush(stdout);
	for (;;) {
		int c = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "null-sink: accept: %s\n", strerror(errno));
			return 1;
		}
		pthread_mutex_lock(&mu);
		open_conns++;
		pthread_mutex_unlock(&mu);
		if (pthread_create(&t, NULL, drain, (void *)(long)c) != 0) {
			pthread_mutex_lock(&mu);
			open_conns--;
			pthread_mutex_unlock(&mu);
			close(c);
			continue;
		}
		pthread_detach(t);
	}
}

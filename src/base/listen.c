/* listen: why a socket could not listen where an option asked (listen.h). */
#include "base/listen.h"

#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* The first port a program without CAP_NET_BIND_SERVICE may bind (IPv4 and IPv6 alike); the
 * kernel's default when the file cannot be read (a sandbox). */
static unsigned unprivileged_port_start(void)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned start = 1024;
	char *end;

	if (strbuf_read_file(&sb, "/proc/sys/net/ipv4/ip_unprivileged_port_start", 64) == 0) {
		unsigned long v = strtoul(sb.buf, &end, 10);
		if (end != sb.buf && v <= 65536)
			start = (unsigned)v;
	}
	strbuf_release(&sb);
	return start;
}

int listen_error(struct strbuf *err, const char *option, const char *spec,
                 const struct sockaddr *sa, int e)
{
	bool v6 = sa->sa_family == AF_INET6;
	unsigned port = ntohs(v6 ? ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port
	                         : ((const struct sockaddr_in *)(const void *)sa)->sin_port);
	unsigned start = e == EACCES ? unprivileged_port_start() : 0;

	if (e == EADDRINUSE)
		error_set(err,
		          "cannot listen on '%s' (%s): port %u is already in use there, by another "
		          "program or another mamori serve; stop it, or give another port (port 0 "
		          "picks a free one)",
		          spec, option, port);
	else if (e == EADDRNOTAVAIL && v6)
		error_set(err,
		          "cannot listen on '%s' (%s): the address is not one of this machine's; "
		          "give one of its addresses ('ip address' lists them), [::1] for this "
		          "machine alone or [::] for all of them",
		          spec, option);
	else if (e == EADDRNOTAVAIL)
		error_set(err,
		          "cannot listen on '%s' (%s): the address is not one of this machine's; "
		          "give one of its addresses ('ip address' lists them), 127.0.0.1 for this "
		          "machine alone or 0.0.0.0 for all of them",
		          spec, option);
	else if (e == EACCES && port && port < start)
		error_set(
		    err,
		    "cannot listen on '%s' (%s): on this system only a privileged program may "
		    "listen on a port below %u; give a port of %u or above, or start mamori "
		    "with the capability CAP_NET_BIND_SERVICE",
		    spec, option, start, start);
	else /* what the system says (EACCES for another reason: a security module) */
		error_set(err, "cannot listen on '%s' (%s): %s", spec, option, strerror(e));
	return -e;
}

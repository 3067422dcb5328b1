/* listen: why a socket could not listen where an option asked, said to the operator. */
#ifndef MAMORI_BASE_LISTEN_H
#define MAMORI_BASE_LISTEN_H

#include <sys/socket.h>

#include "base/strbuf.h"

/*
 * Sets err to what went wrong when binding a socket to spec (the value of option, such as
 * "--listen" or "--syslog-tcp", resolved to sa) failed with errno e, and what to do: the port
 * in use, an address the machine does not have, a port below the first one this system lets an
 * unprivileged program use, else the system's reason. Returns -e.
 */
int listen_error(struct strbuf *err, const char *option, const char *spec,
                 const struct sockaddr *sa, int e);

#endif

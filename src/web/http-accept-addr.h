/* http-accept-addr: connections counted per client address, for the accept loop. */
#ifndef MAMORI_WEB_HTTP_ACCEPT_ADDR_H
#define MAMORI_WEB_HTTP_ACCEPT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A client's address without its port. */
struct addr_key {
	sa_family_t family;
	uint8_t b[16];
};

struct addr_count {
	struct addr_key key;
	unsigned n;      /* added and not closed (pending, held, ended) */
	unsigned parked; /* waiting for room */
	bool used;
};

/* A table of cap slots (a power of two, at most half used), by a hash seeded at random. */
struct accept_addrs {
	struct addr_count *slots;
	size_t n, cap;
	uint64_t seed;
};

/*
 * accept_addrs_init: empty, with a fresh seed; accept_addrs_release frees it. accept_addr_key:
 * sa's address without its port (NULL or a family other than IPv4 and IPv6: the family alone).
 * accept_addrs_find: key's counts, made (both 0) when make is set, else NULL when it has none;
 * valid until the next find or forget. accept_addrs_forget_idle: ac's entry goes once it holds
 * and waits for nothing.
 */
void accept_addrs_init(struct accept_addrs *t);
void accept_addrs_release(struct accept_addrs *t);
struct addr_key accept_addr_key(const struct sockaddr *sa);
struct addr_count *accept_addrs_find(struct accept_addrs *t, const struct addr_key *key, bool make);
void accept_addrs_forget_idle(struct accept_addrs *t, struct addr_count *ac);

#endif

/* http-accept-addr: the accept loop's count of connections per client address (http-accept.c),
 * a hash table with a random seed, so that a client cannot choose addresses that collide. The
 * loop calls these with its lock held. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <netinet/in.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "web/http-accept-addr.h"

void accept_addrs_init(struct accept_addrs *t)
{
	*t = (struct accept_addrs){ 0 };
	if (getrandom(&t->seed, sizeof(t->seed), 0) != (ssize_t)sizeof(t->seed))
		t->seed = (uint64_t)time_mono_ns() ^ ((uint64_t)getpid() << 32);
}

void accept_addrs_release(struct accept_addrs *t)
{
	free(t->slots);
	*t = (struct accept_addrs){ 0 };
}

/* key's address with its port left out (a family other than IPv4 and IPv6: the family alone). */
struct addr_key accept_addr_key(const struct sockaddr *sa)
{
	struct addr_key k = { 0 };

	if (!sa)
		return k;
	k.family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(k.b, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(k.b, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	return k;
}

static size_t addr_hash(const struct accept_addrs *t, const struct addr_key *key)
{
	uint64_t h = t->seed ^ key->family, w;

	for (size_t i = 0; i < sizeof(key->b); i += 8) {
		memcpy(&w, key->b + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return (size_t)h;
}

/* The slot of key's address, or the empty slot where it would go. */
static size_t addr_slot(const struct accept_addrs *t, const struct addr_key *key)
{
	size_t mask = t->cap - 1, i = addr_hash(t, key) & mask;

	while (t->slots[i].used && memcmp(&t->slots[i].key, key, sizeof(*key)))
		i = (i + 1) & mask;
	return i;
}

/* Twice the slots (at first 64), every address placed again. */
static void addr_grow(struct accept_addrs *t)
{
	struct addr_count *old = t->slots;
	size_t cap = t->cap;

	t->cap = cap ? 2 * cap : 64;
	t->slots = xcalloc(t->cap, sizeof(*t->slots));
	for (size_t i = 0; i < cap; i++)
		if (old[i].used)
			t->slots[addr_slot(t, &old[i].key)] = old[i];
	free(old);
}

/* The counts of key's address, made (both 0) when make is set, else NULL when it has none; valid
 * until the next accept_addrs_find or accept_addrs_forget_idle. */
struct addr_count *accept_addrs_find(struct accept_addrs *t, const struct addr_key *key, bool make)
{
	size_t i;

	if (!t->cap || (make && 2 * (t->n + 1) > t->cap)) {
		if (!make)
			return NULL;
		addr_grow(t);
	}
	i = addr_slot(t, key);
	if (t->slots[i].used)
		return &t->slots[i];
	if (!make)
		return NULL;
	t->slots[i] = (struct addr_count){ .key = *key, .used = true };
	t->n++;
	return &t->slots[i];
}

/* An address's entry goes once it holds and waits for nothing (the entries after it in its
 * run moved back, so that every one stays reachable from its hash's slot). */
void accept_addrs_forget_idle(struct accept_addrs *t, struct addr_count *ac)
{
	size_t mask = t->cap - 1, i = (size_t)(ac - t->slots), j = i;

	if (ac->n || ac->parked)
		return;
	t->slots[i].used = false;
	t->n--;
	for (;;) {
		j = (j + 1) & mask;
		if (!t->slots[j].used)
			break;
		size_t h = addr_hash(t, &t->slots[j].key) & mask;
		/* the entry at j stays when its slot h lies cyclically in (i, j] */
		if (i < j ? (h > i && h <= j) : (h > i || h <= j))
			continue;
		t->slots[i] = t->slots[j];
		t->slots[j].used = false;
		i = j;
	}
}

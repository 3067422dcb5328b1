/* registers: what the analysis asks the ward's registers (people, devices, admin rights), cached.
 */
#ifndef MAMORI_MONITOR_REGISTERS_H
#define MAMORI_MONITOR_REGISTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct store;
struct profile;
struct door;
struct ledger;

#define REG_CACHE_BUCKETS 1024
#define REG_CACHE_MS      30000 /* an answer is asked again after this */

struct reg_cache_entry {
	char *key;
	int64_t expires_ms;
	int ival;
	char *a, *b;
	struct reg_cache_entry *next;
};

struct registers {
	struct store *st;
	const struct profile *p;
	int64_t cache_ms; /* how long an answer is kept: REG_CACHE_MS (tests: less) */
	struct reg_cache_entry *users[REG_CACHE_BUCKETS], *devices[REG_CACHE_BUCKETS],
	    *admins[REG_CACHE_BUCKETS];
};

void registers_init(struct registers *g, struct store *st, const struct profile *p);
void registers_release(struct registers *g);

enum reg_user_status {
	REG_USER_UNKNOWN = 0,
	REG_USER_ACTIVE,
	REG_USER_SUSPENDED,
	REG_USER_RETIRED
};
/* The status of the Mamori user whose login is the log's user name. */
int registers_user_status(struct registers *g, const char *login);

/* A device of register `device` whose field hostname is host (case-insensitive). */
struct reg_device {
	char level[64];  /* its level id, or "" */
	char system[64]; /* its information system, or "" */
};
bool registers_device(struct registers *g, const char *host, struct reg_device *ret);

/*
 * Does a record of register `admin` (not revoked) give login administrator rights on the
 * host, or on its system? (field holder = login; field system = the host or the system)
 */
bool registers_has_admin(struct registers *g, const char *login, const char *host,
                         const char *system);

/*
 * Records the analysis of the ward's day starting at day_start_ms through the door
 * (log_analysis.record by system actor monitor): the messages dated that day, the alerts
 * raised that day, the rules run. Nothing when that day is recorded already. 0 or -errno.
 */
int registers_record_day(struct registers *g, struct door *d, struct ledger *lg,
                         int64_t day_start_ms, int64_t offset_ms, size_t rules, struct strbuf *err);

#endif

/* throttle: login throttling by login and by client address, and aggregated audit counts. */
#ifndef MAMORI_CORE_THROTTLE_H
#define MAMORI_CORE_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "store/store.h"

/*
 * The web's login form, its second factor and its password change ask these (web/ui-login.c,
 * ui-totp.c, ui-locks.c); the tables are web_login_throttle, web_login_addr_fail,
 * web_login_known and web_audit_pending (schema/0004-web.sql, 0007-web-login.sql).
 */

/* Login throttling (ASVS 6.3.1): from the THROTTLE_LOCK_AFTER-th consecutive failure on, a
 * login waits THROTTLE_LOCK_BASE_MS, doubling with each further failure, at most
 * THROTTLE_LOCK_MAX_MS (capped low enough that locking someone out on purpose costs the attacker
 * effort). */
#define THROTTLE_LOCK_AFTER   5
#define THROTTLE_LOCK_BASE_MS (30 * 1000LL)
#define THROTTLE_LOCK_MAX_MS  (15 * 60 * 1000LL)
/* A client address is locked for THROTTLE_ADDR_LOCK_MS once THROTTLE_ADDR_LOCK_AFTER different
 * logins failed from it within THROTTLE_ADDR_FORGET_MS (a spray; one person's typos behind a ward's
 * proxy count once). Logins that succeeded from the address within THROTTLE_KNOWN_MS may still try,
 * and any success from the address lifts its lock. */
#define THROTTLE_ADDR_LOCK_AFTER 30
#define THROTTLE_ADDR_LOCK_MS    (15 * 60 * 1000LL)
#define THROTTLE_ADDR_FORGET_MS  (60 * 60 * 1000LL)
#define THROTTLE_KNOWN_MS        (90 * 24 * 3600 * 1000LL)
/* Unauthenticated failures reach the ledger at most once per this per login and per address. */
#define THROTTLE_AUDIT_EVERY_MS (60 * 1000LL)
/* Rows kept for logins nobody has; beyond this only the address counts them. */
#define THROTTLE_MAX_UNKNOWN 1024

/*
 * throttle_reserve checks and counts an attempt in one transaction, before the password
 * is verified, so parallel guesses cannot slip past the lock: 1 when the login or the client
 * address is locked (ret_wait_ms: how long still; nothing counted), 0 when the attempt may
 * go on and is counted as a failure (ret_wait_ms: the lock that failure imposes,
 * ret_failures: the login's count). throttle_ok takes it back after a right password.
 */
int throttle_reserve(struct store *st, const char *login, bool known, const char *remote,
                     int64_t now, int64_t *ret_wait_ms, int64_t *ret_failures, struct strbuf *err);
int throttle_ok(struct store *st, const char *login, const char *remote, struct strbuf *err);

/* The locks in force, for the administrator (key: a login, "?typed" for a login nobody has,
 * "@address"; failures: the login's, or the number of different logins for an address). */
struct throttle_lock {
	char *key;
	bool address;
	int64_t failures, last_ms, until_ms;
};
int throttle_locks_list(struct store *st, int64_t now, struct throttle_lock **ret, size_t *ret_nr,
                        struct strbuf *err);
void throttle_locks_free(struct throttle_lock *v, size_t nr);
/* Lifts a lock (and forgets its failures) by its key as listed. */
int throttle_lock_lift(struct store *st, const char *key, struct strbuf *err);

/*
 * Aggregation of unauthenticated failures (the web's web_audit_failure): counts one for each key
 * (the login's 'L:' key and the address's 'A:' key) inside the caller's transaction; ret_due is
 * true when neither had a ledger entry in the last THROTTLE_AUDIT_EVERY_MS (then the counts are
 * reset and ret_counts are how many the entry stands for).
 */
int throttle_audit_step(struct store *st, const char *const keys[2], int64_t now, bool *ret_due,
                        int64_t ret_counts[2], struct strbuf *err);

#endif

/* profile-store: the profiles stored in the database (each applied version, newest in force). */
#ifndef MAMORI_CORE_PROFILE_STORE_H
#define MAMORI_CORE_PROFILE_STORE_H

#include <stdint.h>

#include "base/strbuf.h"

struct store;
struct profile;

/* The sequence number of the newest stored profile: 0 with *ret_seq (0 when none is stored). */
int profile_stored_newest(struct store *st, int64_t *ret_seq, struct strbuf *err);
/*
 * The store's change stamp (store_data_version) and, on PostgreSQL, profile_stored_newest's
 * answer with it, in one statement (a web request asked for both, a round trip each); on
 * SQLite *ret_seq is -1 (not asked: the caller asks profile_stored_newest). 0, or a negative
 * errno with err.
 */
int profile_stored_stamp(struct store *st, int64_t *ret_version, int64_t *ret_seq,
                         struct strbuf *err);
/*
 * Loads the newest stored profile: 0 with *ret and its sequence number; -ENOENT when none is
 * stored (err untouched); -EPROTO when it no longer loads (why says what is wrong in it); another
 * negative errno with err when the store cannot be read.
 */
int profile_stored_load(struct store *st, struct profile **ret, int64_t *ret_seq,
                        struct strbuf *why, struct strbuf *err);

#endif

/* backup: consistent online copies of the store (SQLite backup API), checked, and restores. */
#ifndef MAMORI_CORE_BACKUP_H
#define MAMORI_CORE_BACKUP_H

#include <stdint.h>

#include "base/strbuf.h"
#include "core/act.h"

struct backup_info {
	char sha256[65]; /* of the backup file */
	uint64_t bytes;
	uint64_t ledger_size;  /* entries in the copy */
	uint64_t checkpoint;   /* size of the live checkpoint the copy was verified against */
	uint64_t attachments;  /* attachment files the backup carries */
	struct act_result act; /* the backup's own act (backup_take) */
};
void backup_info_release(struct backup_info *b);

/*
 * The SHA-256 (hex) and size of a file. Returns 0, or a negative errno-style code with a
 * message in err (-ENOENT, -EISDIR ...; -ENOMEM); hex and ret_bytes are untouched then.
 */
int backup_file_sha256(const char *path, char hex[65], uint64_t *ret_bytes, struct strbuf *err);

/*
 * Copies the door's store into file (which must not exist; created 0600) while Mamori runs,
 * with the SQLite online backup API: the copy is one consistent snapshot. Then checks it:
 * PRAGMA integrity_check, and the ledger in the copy re-hashed and verified, including
 * against the live checkpoint signed just before the copy (a copy missing acknowledged
 * entries fails). Finally the backup is an act through the door by actor (MIN-3-4-2,
 * SHJ-5-1-3). On failure the file is removed. Returns 0 or a negative errno-style code.
 */
int backup_take(struct door *d, const char *file, const char *actor, const struct act_context *ctx,
                struct backup_info *ret, struct strbuf *err);

/*
 * Restores file into a new data directory dir (refusing one that exists and is not empty):
 * checks the file first (integrity, the ledger and, for each of checkpoints[0..n), that the
 * copy is consistent with it), then copies it in as dir/mamori.db (0600). The ledger's
 * signing key is not in a backup: copy ledger.key back from where it is kept.
 */
int backup_restore(const char *file, const char *dir, const struct strbuf *checkpoints, size_t n,
                   struct backup_info *ret, struct strbuf *err);

#endif

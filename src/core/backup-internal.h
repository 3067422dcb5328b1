/* backup-internal: what backup.c and backup-manifest.c share. */
#ifndef MAMORI_CORE_BACKUP_INTERNAL_H
#define MAMORI_CORE_BACKUP_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "base/strbuf.h"

/* The table a backup keeps the digest of its content in. */
#define BACKUP_MANIFEST_TABLE "backup_manifest"

/*
 * A backup's manifest: the SHA-256 of every table's rows (in the table's b-tree order, each value
 * with its type), written into the copy once it is complete, so that a restore finds any change to
 * the copy's content, wherever the bytes sit in the file. The integrity check covers the file's
 * structure and the ledger its own tables; the manifest covers everything else (records,
 * acts, users ...).
 */
int backup_manifest_write(sqlite3 *db, struct strbuf *err);
/*
 * Checks the copy's content against its manifest: -EBADMSG naming the first table that
 * differs. A copy without a manifest (made before manifests existed) passes unless required.
 */
int backup_manifest_check(sqlite3 *db, bool required, struct strbuf *err);

#endif

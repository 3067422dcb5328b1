/* attach-internal: between attach.c (the files of a SQLite ward) and attach-store.c (the
 * database of a PostgreSQL ward). */
#ifndef MAMORI_CORE_ATTACH_INTERNAL_H
#define MAMORI_CORE_ATTACH_INTERNAL_H

#include "core/attach.h"
#include "store/store.h"

/* Bytes of one part of a file in the database (blob_parts.data). */
#define ATTACH_PART ((size_t)1 << 20)

/* True when st keeps attachments in the database (PostgreSQL). */
bool attach_in_database(struct store *st);
/* 1 when the file sha256 is stored with size bytes, 0 when not, or a store error. */
int attach_db_present(struct store *st, const char *sha256, int64_t size, struct strbuf *err);
/* Stores bytes that hash to sha256 (checked by the caller). */
int attach_db_put(struct store *st, const char *sha256, const void *data, size_t len,
                  struct strbuf *err);
/* Reads them back (unchecked: attach_read checks size and hash). -ENOENT when missing. */
int attach_db_read(struct store *st, const char *sha256, struct strbuf *out, struct strbuf *err);

#endif

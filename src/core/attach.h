/* attach: files kept with records, requests and duties (and incidents, audits): stored by
 * their SHA-256 in the data directory, named in the ledger entry of the act that added them. */
#ifndef MAMORI_CORE_ATTACH_H
#define MAMORI_CORE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

struct store;
struct ledger;

/*
 * How it works (docs/core.md "Attachments"):
 *
 *  1. attach_put() stores the bytes, outside any transaction: a SQLite ward under
 *     DIR/attachments/ab/cdef… (the file's SHA-256 in hex, split after two digits; mode 0600,
 *     written to a temporary name, fsync'd, renamed); a PostgreSQL ward in the database, where
 *     every node finds them (tables blob_parts, 1 MiB a row, then blobs; attach-store.c). The
 *     same bytes are stored once, whoever adds them. Reading checks size and SHA-256 either way. It
 * refuses a file over the ward's limit ([attachments] max_bytes of mamori.conf, 20 MiB by default)
 * or of a kind that is not a document (PDF, Office, images, text: attach_sniff).
 *  2. The act that adds it (any act: act_input.attachments; or ACT_ATTACH on its own) names the
 *     blob by SHA-256, size, file name and media type. The door checks that the blob is there,
 *     decides, and in the act's transaction writes one `attachments` row per file (its owner:
 *     "record:12", "request:5", "duty:ID@SCOPE") and puts the SHA-256 and size in the ledger
 *     entry's public data ("info":{"attachments":[{"sha256","size"}]}); the file names are
 *     sealed with the act's other personal data.
 *  3. `mamori ledger verify` re-hashes every stored file against its row and its row against
 *     the ledger entry (attach_verify); backups carry the files (core/backup.c).
 *
 * Owners: "record:N" (a record of any register: incidents and audits kept as records too),
 * "request:N" (an approval request), "duty:DUTY@SCOPE" (a periodic duty where it is owed).
 * A new kind of owner is one row in act-attach.c's owner table (kind, who may add).
 */

#define ATTACH_DIR         "attachments"
#define ATTACH_MAX_DEFAULT (20LL * 1024 * 1024) /* bytes of one file, unless mamori.conf says */
#define ATTACH_MAX_LIMIT   (1LL << 30)          /* the most mamori.conf may allow */
#define ATTACH_MAX_NAME    200                  /* characters of a file name */
#define ATTACH_MAX_PER_ACT 16                   /* files one act may add */
#define ATTACH_MAX_OWNER   200                  /* bytes of an owner string */

/* A stored file: its SHA-256 (lowercase hex), size and the media type attach_sniff found. */
struct attach_blob {
	char sha256[65];
	int64_t size;
	const char *media_type; /* static string */
};

/* The largest file the ward accepts: [attachments] max_bytes of DIR/mamori.conf, or 20 MiB. */
int attach_max_bytes(const char *dir, int64_t *ret, struct strbuf *err);

/*
 * The media type of a document by its first bytes (and, for Office and text files, its
 * name): application/pdf, image/png, image/jpeg, image/gif, image/tiff, image/bmp, the
 * Office Open XML types (.docx .xlsx .pptx), the older Office types (.doc .xls .ppt),
 * application/vnd.oasis.opendocument.* (.odt .ods .odp), text/csv and text/plain (UTF-8 or
 * CP932 text without NUL bytes). NULL for anything else (programs, archives, HTML ...): those
 * are refused. Pure; fuzzed (fuzz/fuzz-attach-sniff.c).
 */
const char *attach_sniff(const void *data, size_t len, const char *name);

/*
 * A file name people gave (a browser's or the command line's): its last path component,
 * valid UTF-8 without control characters, at most ATTACH_MAX_NAME characters. Returns
 * true and leaves *ret pointing into name, else false.
 */
bool attach_valid_name(const char *name, const char **ret);

/*
 * Where the bytes live: st is the ward's store (PostgreSQL: its database) or NULL / a SQLite
 * store (the files of DIR/attachments). Every function below that takes both follows it.
 *
 * Stores data (len bytes, name for the sniffing and messages) and fills ret. -EFBIG when over
 * max_bytes, -EMEDIUMTYPE when not a document kind accepted, -EINVAL for an empty file or a bad
 * name, or the file system's error; err says which for people.
 */
int attach_put(struct store *st, const char *dir, const char *name, const void *data, size_t len,
               int64_t max_bytes, struct attach_blob *ret, struct strbuf *err);

/*
 * Stores bytes already known by their SHA-256 (a restore): -EBADMSG when they do not hash to
 * sha256. No size or kind check: they were checked when first added.
 */
int attach_put_raw(struct store *st, const char *dir, const char *sha256, const void *data,
                   size_t len, struct strbuf *err);
/* 1 when the file sha256 of size bytes is stored (put before the act that names it), 0 when
 * not, or a negative errno with err. */
int attach_present(struct store *st, const char *dir, const char *sha256, int64_t size,
                   struct strbuf *err);

/* DIR/attachments/ab/cdef… for a SHA-256 in hex (owned), or NULL when sha256 is not one
 * (SQLite's place: a PostgreSQL ward keeps none there). */
char *attach_path(const char *dir, const char *sha256);
/* True for 64 lowercase hex digits. */
bool attach_valid_sha256(const char *s);

/*
 * Reads a stored file into out, checking that it still hashes to sha256 and has size bytes:
 * -ENOENT when missing, -EBADMSG when its contents changed, -EFBIG over ATTACH_MAX_LIMIT.
 */
int attach_read(struct store *st, const char *dir, const char *sha256, int64_t size,
                struct strbuf *out, struct strbuf *err);

/*
 * A file of a PostgreSQL store's blobs (attachments, FIM baselines) by its SHA-256 alone, its
 * size as stored: the bytes into out, checked against the SHA-256. -ENOENT, -EBADMSG, or a store
 * error. For other stores, -ENOTSUP.
 */
int blob_fetch(struct store *st, const char *sha256, struct strbuf *out, struct strbuf *err);

/* "record", "request", "duty" and the id part of an owner string; -EINVAL if malformed. */
int attach_owner_parse(const char *owner, char *kind, size_t kind_size, const char **ret_id);

/* One attachment as stored (the `attachments` table). */
struct attachment {
	int64_t id;
	char *owner;      /* "record:12" */
	char *sha256;     /* hex */
	int64_t size;     /* bytes */
	char *name;       /* the file name people gave */
	char *media_type; /* as sniffed when added */
	int64_t act_id;   /* the act that added it */
	uint64_t ledger_index;
	int64_t added_ms;
	char *added_by;      /* login, or NULL for Mamori itself */
	char *added_by_name; /* display name, or NULL */
};

struct attachment_list {
	struct attachment *items;
	size_t nr, alloc;
};

/* Every attachment of owner ("record:12"), oldest first. */
int attachments_list(struct store *st, const char *owner, struct attachment_list *ret,
                     struct strbuf *err);
/* The attachments an act added (for a history row). */
int attachments_of_act(struct store *st, int64_t act_id, struct attachment_list *ret,
                       struct strbuf *err);
/* One attachment: 0, -ENOENT, or a store error. */
int attachment_get(struct store *st, int64_t id, struct attachment *ret, struct strbuf *err);
void attachment_release(struct attachment *a);
void attachment_list_release(struct attachment_list *l);

/* What attach_verify found. */
struct attach_verify_result {
	uint64_t files; /* attachment rows checked */
	uint64_t blobs; /* distinct files re-hashed */
	uint64_t bytes; /* bytes re-hashed */
};

/*
 * mamori migrate: every file the attachments of from (a SQLite store, its files in from_dir)
 * name, read and checked, into to (a PostgreSQL store). 0 with *ret_files (distinct files
 * copied), or a negative errno with err.
 */
int attach_copy(struct store *from, const char *from_dir, struct store *to, int64_t *ret_files,
                struct strbuf *err);

/*
 * Checks every attachment: its file is present and hashes to its SHA-256 and size, and the
 * ledger entry of the act that added it names that SHA-256 and size. Returns 0, or -EBADMSG
 * with err naming the first attachment that does not verify (and why), or a store error.
 */
int attach_verify(struct store *st, struct ledger *lg, const char *dir,
                  struct attach_verify_result *ret, struct strbuf *err);

#endif

/* secret: the random keys a ward's servers share (the key of CSRF tokens and of what the web
 * seals), kept where every node finds them. */
#ifndef MAMORI_CORE_SECRET_H
#define MAMORI_CORE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

struct store;

/* The web's key (web/session.h): CSRF tokens and the sealing of TOTP secrets derive from it. */
#define SECRET_WEB      "web"
#define SECRET_WEB_FILE "web.secret"
#define SECRET_WEB_LEN  32
/* FIM's signing key (DIR/fim/fim.key on every node of a PostgreSQL ward: secret_file_share). */
#define SECRET_FIM     "fim"
#define SECRET_MAX_LEN 64 /* bytes of one secret */

/*
 * Loads the secret called name (len bytes, at most SECRET_MAX_LEN) into key, making it (random)
 * the first time it is asked for:
 *  - on PostgreSQL the row name of the table secrets (schema/0024): whichever node asks first
 *    makes it (INSERT ... ON CONFLICT DO NOTHING, then read back), so every node of the ward
 *    holds the same key; what was read is wiped (query_wipe);
 *  - on SQLite (st NULL or a SQLite store) the file DIR/file (mode 0600), as before.
 * 0, or a negative errno with err (a stored secret of another length is -EINVAL: say what to
 * remove).
 */
int secret_load(struct store *st, const char *dir, const char *name, const char *file, void *key,
                size_t len, struct strbuf *err);

/*
 * A key file every node of a PostgreSQL ward must hold alike (FIM's DIR/fim/fim.key: the
 * baselines any node checks are signed with it), shared through the row name of the table
 * secrets: the row is written into path when the file is missing (0600), the file into the row
 * when the row is missing. 0 when they agree (or were made to), with *ret_have false when
 * neither exists yet; -EEXIST when both exist and differ; another negative errno with err.
 */
#define SECRET_FILE_MAX 4096
int secret_file_share(struct store *st, const char *name, const char *path, bool *ret_have,
                      struct strbuf *err);

/*
 * mamori restore of a PostgreSQL ward's backup into a SQLite ward: the row name of st's table
 * secrets written to DIR/file (0600, which must not exist) and deleted from the table. 1 when
 * moved, 0 when there is no such row, or a negative errno with err.
 */
int secret_to_file(struct store *st, const char *dir, const char *name, const char *file,
                   size_t len, struct strbuf *err);

/*
 * mamori migrate: the secret of a SQLite ward's file DIR/file, if there is one, into the
 * PostgreSQL store dst under name. 1 when copied, 0 when the file is absent (the first server
 * makes one), or a negative errno with err. The file is left as it was.
 */
int secret_migrate(const char *dir, const char *file, struct store *dst, const char *name,
                   size_t len, struct strbuf *err);

#endif

/* backup: consistent online copies of the store (SQLite backup API), checked, and restores. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/cleanup.h"
#include "base/fsdir.h"
#include "core/attach.h"
#include "core/backup.h"
#include "core/secret.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
#include "store/query.h"
#include "store/store.h"

void backup_info_release(struct backup_info *b)
{
	act_result_release(&b->act);
}

int backup_file_sha256(const char *path, char hex[65], uint64_t *ret_bytes, struct strbuf *err)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char buf[65536], md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	uint64_t total = 0;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		error_set(err, "cannot read '%s': %s", path, strerror(-r));
		return r;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		error_set(err, "cannot compute the SHA-256 of '%s': out of memory", path);
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			error_set(err, "cannot read '%s': %s", path, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			error_set(err, "cannot compute the SHA-256 of '%s'", path);
			r = -EIO;
			goto out;
		}
		total += (uint64_t)n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != sizeof(md)) {
		error_set(err, "cannot compute the SHA-256 of '%s'", path);
		r = -EIO;
		goto out;
	}
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	*ret_bytes = total;
out:
	/* the code is taken before close() and EVP_MD_CTX_free() can change errno */
	close(fd);
	EVP_MD_CTX_free(ctx);
	return r;
}

static void remove_tree(const char *dir)
{
	static const char *const names[] = { STORE_DB_NAME, STORE_DB_NAME "-wal",
		                             STORE_DB_NAME "-shm", NULL };
	struct strbuf p = STRBUF_INIT;

	for (int i = 0; names[i]; i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", dir, names[i]);
		unlink(p.buf);
	}
	rmdir(dir);
	strbuf_release(&p);
}

/*
 * Checks the store in dir: PRAGMA integrity_check and the ledger (every entry re-hashed,
 * every checkpoint, and the given ones). keys_dir supplies a verifier key (or NULL).
 */
static int check_copy(const char *dir, const char *keys_dir, const struct strbuf *cps, size_t ncp,
                      struct backup_info *ret, struct strbuf *err)
{
	struct store *st = NULL;
	struct ledger *lg = NULL;
	struct ledger_verify_result vr = { 0 };
	struct strbuf why = STRBUF_INIT;
	int r;

	r = store_open(dir, STORE_NO_MIGRATE, &st, err);
	if (r < 0)
		goto out;
	r = store_check_integrity(st, &why, err);
	if (r == 0 && why.len) {
		error_set(err, "the copy fails the integrity check: %s", why.buf);
		r = -EBADMSG;
	} else if (r < 0) {
		char *e = strbuf_detach(err, NULL);
		error_set(err, "the copy fails the integrity check: %s", e);
		free(e);
		r = -EBADMSG;
	}
	strbuf_reset(&why);
	if (r < 0)
		goto out;
	r = store_manifest_check(st, false, err);
	if (r < 0)
		goto out;
	r = ledger_open(st, &lg, err);
	if (r < 0)
		goto out;
	r = ledger_verify(lg, keys_dir, cps, ncp, &vr, &why);
	if (r < 0) {
		error_set(err, "the copy's ledger does not verify: %s", why.buf);
		goto out;
	}
	ret->ledger_size = vr.entries;
out:
	ledger_close(lg);
	store_close(st);
	strbuf_release(&why);
	return r;
}

/* The table a backup carries the attachment files in (the live store keeps them as files). */
#define BACKUP_FILES_TABLE "backup_attachments"

/*
 * Puts every file the copy's attachments rows name into the copy itself, so one backup file
 * holds everything: each read from the data directory and checked against its SHA-256 (the
 * files are immutable and stored before their row commits, so the snapshot's rows all have
 * theirs).
 */
static int carry_attachments(struct store *dst, struct store *src, const char *dir, uint64_t *ret_n,
                             struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	struct query *sel = NULL, *ins = NULL;
	int r, rc;

	*ret_n = 0;
	r = store_exec(dst,
	               "CREATE TABLE " BACKUP_FILES_TABLE " (sha256 TEXT PRIMARY KEY NOT NULL,"
	               " data BLOB NOT NULL) STRICT",
	               err);
	if (r == 0)
		r = query_prepare(dst,
		                  "SELECT sha256, max(size) FROM attachments GROUP BY sha256"
		                  " ORDER BY sha256",
		                  &sel, err);
	if (r == 0)
		r = query_prepare(dst, "INSERT INTO " BACKUP_FILES_TABLE " VALUES (?, ?)", &ins,
		                  err);
	if (r < 0)
		goto out;
	while ((rc = query_step(sel, err)) > 0) {
		/* the copy's rows: a nested statement writes, so keep the digest */
		char sha[65];
		snprintf(sha, sizeof(sha), "%s", query_text(sel, 0) ? query_text(sel, 0) : "");
		r = attach_read(src, dir, sha, query_int(sel, 1), &data, err);
		if (r < 0)
			goto out;
		query_bind_text(ins, 1, sha);
		query_bind_blob(ins, 2, data.buf, data.len);
		r = query_run(ins, err);
		if (r < 0)
			goto out;
		(*ret_n)++;
	}
	r = rc;
out:
	if (r < 0) {
		query_done(sel);
		query_done(ins);
	}
	strbuf_release(&data);
	return r;
}

/*
 * A restore puts the files a backup carries back into the new data directory, each checked
 * against its SHA-256, checks that every attachment row has its file, and drops the table.
 */
static int unpack_attachments(const char *dir, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	struct store *db = NULL;
	struct query *s = NULL;
	int64_t carried = 0;
	int r, rc = 0;

	strbuf_addf(&path, "%s/%s", dir, STORE_DB_NAME);
	r = store_open_copy(path.buf, &db, err);
	if (r == 0)
		r = query_prepare(db,
		                  "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
		                  " AND name = '" BACKUP_FILES_TABLE "'",
		                  &s, err);
	if (r == 0)
		r = query_one_int(s, &carried, err);
	if (r < 0) {
		char *e = strbuf_detach(err, NULL);
		error_set(err, "cannot read the restored store: %s", e);
		free(e);
		r = -EIO;
		goto out;
	}
	/* Every row needs its file: an old backup without the table must have no rows. */
	r = query_prepare(db,
	                  carried ? "SELECT t.sha256 FROM attachments t WHERE NOT EXISTS"
	                            " (SELECT 1 FROM " BACKUP_FILES_TABLE
	                            " b WHERE b.sha256 = t.sha256) LIMIT 1"
	                          : "SELECT sha256 FROM attachments LIMIT 1",
	                  &s, err);
	if (r == 0 && (rc = query_step(s, err)) != 0) {
		if (rc > 0) {
			error_set(err, "the backup lacks the file of attachment %.12s…",
			          query_text(s, 0) ? query_text(s, 0) : "?");
			query_done(s);
		}
		r = rc > 0 ? -EBADMSG : rc;
	}
	if (r < 0)
		goto out;
	if (carried) {
		r = query_prepare(db, "SELECT sha256, data FROM " BACKUP_FILES_TABLE, &s, err);
		while (r == 0 && (rc = query_step(s, err)) > 0) {
			size_t len = 0;
			const void *data = query_blob(s, 1, &len);
			r = attach_put_raw(NULL, dir, query_text(s, 0) ? query_text(s, 0) : "",
			                   data ? data : "", len, err);
			if (r < 0)
				query_done(s);
		}
		if (r == 0 && rc < 0)
			r = rc;
		if (r < 0)
			goto out;
	}
	/* The restored store is the ward's: what only the backup needed goes. */
	r = store_exec(db,
	               "DROP TABLE IF EXISTS " BACKUP_FILES_TABLE ";"
	               " DROP TABLE IF EXISTS " STORE_MANIFEST_TABLE "; VACUUM",
	               err);
	if (r < 0) {
		char *e = strbuf_detach(err, NULL);
		error_set(err, "cannot unpack the backup's attachments: %s", e);
		free(e);
		r = -EIO;
	}
out:
	store_close(db);
	strbuf_release(&path);
	return r;
}

static uint64_t note_size(const struct strbuf *note)
{
	const char *nl = memchr(note->buf, '\n', note->len);

	return nl ? strtoull(nl + 1, NULL, 10) : 0;
}

/*
 * A checkpoint for the committed tree first (the copy must contain at least it), signed when
 * this process can sign; the latest into note (empty when the ledger has none).
 */
static int backup_checkpoint(struct door *d, struct strbuf *note, struct strbuf *err)
{
	int r;

	if (ledger_can_sign(door_dir(d))) {
		r = ledger_checkpoint_sign(door_ledger(d), door_dir(d), NULL, err);
		if (r < 0)
			return r;
	}
	r = ledger_checkpoint_get(door_ledger(d), UINT64_MAX, note, err);
	if (r == -ENOENT) {
		strbuf_reset(err);
		r = 0;
	}
	return r;
}

/* The backup's act (its file, SHA-256 and size): refused or not recorded, the file is removed,
 * so no copy stays behind without its ledger entry. */
static int backup_act(struct door *d, const char *file, const char *actor,
                      const struct act_context *ctx, struct backup_info *ret, struct strbuf *err)
{
	struct strbuf bytes_s = STRBUF_INIT;
	char *abs = realpath(file, NULL);
	int r;

	strbuf_addf(&bytes_s, "%llu", (unsigned long long)ret->bytes);
	{
		struct act_attr f[] = { { "file", abs ? abs : file },
			                { "sha256", ret->sha256 },
			                { "bytes", bytes_s.buf } };
		struct act_input in = {
			.kind = ACT_BACKUP, .actor = actor, .fields = f, .n_fields = 3
		};
		in.ctx = *ctx;
		r = act_run(d, &in, &ret->act, err);
	}
	free(abs);
	if (r < 0 || ret->act.outcome != ACT_DONE)
		unlink(file);
	strbuf_release(&bytes_s);
	return r;
}

int backup_take(struct door *d, const char *file, const char *actor, const struct act_context *ctx,
                struct backup_info *ret, struct strbuf *err)
{
	struct strbuf tmpl = STRBUF_INIT, path = STRBUF_INIT, note = STRBUF_INIT;
	struct strbuf key = STRBUF_INIT;
	struct store *dst = NULL;
	char *tmpdir = NULL;
	struct stat sb;
	int r, fd;

	memset(ret, 0, sizeof(*ret));
	if (lstat(file, &sb) == 0) {
		error_set(err, "'%s' exists; a backup never overwrites: choose a new name", file);
		return -EEXIST;
	}
	r = backup_checkpoint(d, &note, err);
	if (r < 0)
		goto out;
	ret->checkpoint = note.len ? note_size(&note) : 0;

	/* Copy into a new directory beside the file, check it there, then move it in place. */
	strbuf_addf(&tmpl, "%s.partial-XXXXXX", file);
	tmpdir = mkdtemp(tmpl.buf);
	if (!tmpdir) {
		r = -errno;
		error_set(err, "cannot create a directory beside '%s': %s", file, strerror(-r));
		goto out;
	}
	strbuf_addf(&path, "%s/%s", tmpdir, STORE_DB_NAME);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		error_set(err, "cannot create '%s': %s", path.buf, strerror(-r));
		goto out;
	}
	close(fd);
	r = store_copy_to(door_store(d), path.buf, &dst, err);
	if (r < 0)
		goto out;
	r = carry_attachments(dst, door_store(d), door_dir(d), &ret->attachments, err);
	if (r == 0)
		r = store_manifest_write(dst, err);
	if (r < 0)
		goto out;
	store_close(dst);
	dst = NULL;
	r = check_copy(tmpdir, door_dir(d), note.len ? &note : NULL, note.len ? 1 : 0, ret, err);
	if (r < 0)
		goto out;
	if (link(path.buf, file) < 0) {
		r = -errno;
		error_set(err, "cannot create '%s': %s", file, strerror(-r));
		goto out;
	}
	/* The file's name must be durable before the ledger says the backup exists. */
	r = fs_sync_parent(file, err);
	if (r == 0)
		r = backup_file_sha256(file, ret->sha256, &ret->bytes, err);
	if (r < 0) {
		unlink(file);
		goto out;
	}
	r = backup_act(d, file, actor, ctx, ret, err);
out:
	store_close(dst);
	if (tmpdir)
		remove_tree(tmpdir);
	strbuf_release(&tmpl);
	strbuf_release(&path);
	strbuf_release(&note);
	strbuf_release(&key);
	return r;
}

static int dir_empty_or_missing(const char *dir, bool *ret_created, struct strbuf *err)
{
	struct stat sb;
	DIR *dp;
	struct dirent *e;

	*ret_created = false;
	if (stat(dir, &sb) < 0) {
		if (errno != ENOENT || mkdir(dir, 0700) < 0) {
			int r = -errno;
			error_set(err, "cannot create '%s': %s", dir, strerror(-r));
			return r;
		}
		*ret_created = true;
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		error_set(err, "'%s' is not a directory", dir);
		return -ENOTDIR;
	}
	dp = opendir(dir);
	if (!dp) {
		int r = -errno;
		error_set(err, "cannot read '%s': %s", dir, strerror(-r));
		return r;
	}
	while ((e = readdir(dp))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			closedir(dp);
			error_set(err,
			          "'%s' is not empty; a restore never overwrites: give a new "
			          "directory",
			          dir);
			return -ENOTEMPTY;
		}
	}
	closedir(dp);
	if (chmod(dir, 0700) < 0) {
		int r = -errno;
		error_set(err, "cannot make '%s' private (mode 0700): %s", dir, strerror(-r));
		return r;
	}
	return 0;
}

/* Writes all of buf, retrying short writes and EINTR. 0 or a negative errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int copy_file(const char *from, const char *to, struct strbuf *err)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out, r = 0;

	if (in < 0) {
		r = -errno;
		error_set(err, "cannot read '%s': %s", from, strerror(-r));
		return r;
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		r = -errno;
		error_set(err, "cannot create '%s': %s", to, strerror(-r));
		close(in);
		return r;
	}
	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		r = write_all(out, buf, (size_t)n);
		if (r < 0)
			break;
	}
	if (r == 0 && fsync(out) < 0)
		r = -errno;
	close(in);
	if (close(out) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		error_set(err, "cannot copy '%s' to '%s': %s", from, to, strerror(-r));
	return r;
}

/* Removes DIR/attachments as a failed restore made it (two levels of files). */
static void remove_attachments(const char *dir)
{
	struct strbuf top = STRBUF_INIT, sub = STRBUF_INIT, f = STRBUF_INIT;
	struct dirent *e, *g;
	DIR *dp, *sp;

	strbuf_addf(&top, "%s/%s", dir, ATTACH_DIR);
	dp = opendir(top.buf);
	while (dp && (e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s/%s", top.buf, e->d_name);
		sp = opendir(sub.buf);
		while (sp && (g = readdir(sp))) {
			if (!strcmp(g->d_name, ".") || !strcmp(g->d_name, ".."))
				continue;
			strbuf_reset(&f);
			strbuf_addf(&f, "%s/%s", sub.buf, g->d_name);
			unlink(f.buf);
		}
		if (sp)
			closedir(sp);
		rmdir(sub.buf);
	}
	if (dp)
		closedir(dp);
	rmdir(top.buf);
	strbuf_release(&top);
	strbuf_release(&sub);
	strbuf_release(&f);
}

/*
 * A PostgreSQL ward's backup holds its web key (the table secrets, row 'web'): a SQLite ward
 * keeps it as DIR/web.secret, so the TOTP secrets it sealed open on the restored ward.
 */
static int unpack_web_key(const char *dir, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	struct store *db = NULL;
	struct query *s;
	int64_t has = 0;
	int r;

	strbuf_addf(&path, "%s/%s", dir, STORE_DB_NAME);
	r = store_open_copy(path.buf, &db, err);
	if (r == 0)
		r = query_prepare(db,
		                  "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
		                  " AND name = 'secrets'",
		                  &s, err);
	if (r == 0)
		r = query_one_int(s, &has, err);
	if (r == 0 && has)
		r = secret_to_file(db, dir, SECRET_WEB, SECRET_WEB_FILE, SECRET_WEB_LEN, err);
	store_close(db);
	strbuf_release(&path);
	return r < 0 ? r : 0;
}

int backup_restore(const char *file, const char *dir, const struct strbuf *checkpoints, size_t n,
                   struct backup_info *ret, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	bool created = false;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = backup_file_sha256(file, ret->sha256, &ret->bytes, err);
	if (r < 0)
		return r;
	r = dir_empty_or_missing(dir, &created, err);
	if (r < 0)
		return r;
	strbuf_addf(&path, "%s/%s", dir, STORE_DB_NAME);
	r = copy_file(file, path.buf, err);
	if (r == 0)
		r = fs_sync_parent(path.buf, err);
	if (r == 0)
		r = check_copy(dir, NULL, checkpoints, n, ret, err);
	if (r == 0)
		r = unpack_attachments(dir, err);
	if (r == 0)
		r = unpack_web_key(dir, err);
	if (r < 0) {
		/* Nothing half-restored stays behind. */
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "%s-wal", path.buf);
		unlink(p.buf);
		strbuf_reset(&p);
		strbuf_addf(&p, "%s-shm", path.buf);
		unlink(p.buf);
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", dir, SECRET_WEB_FILE);
		unlink(p.buf);
		strbuf_release(&p);
		unlink(path.buf);
		remove_attachments(dir);
		if (created)
			rmdir(dir);
	}
	strbuf_release(&path);
	return r;
}

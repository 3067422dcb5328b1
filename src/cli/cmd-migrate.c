/* cmd-migrate: `mamori --dir NEW migrate --from DIR --to URL`: a SQLite ward into PostgreSQL. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "cli/cli.h"
#include "core/attach.h"
#include "core/core.h"
#include "core/secret.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* Copies one file (mode kept to 0600 or 0644 as the source's); -errno with err. */
static int copy_file(const char *from, const char *to, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT_SECRET;
	struct stat sb;
	int fd, r;

	if (stat(from, &sb) < 0) {
		if (errno == ENOENT)
			return 0; /* not every directory has every file (web.secret) */
		error_set(err, "cannot read '%s': %m", from);
		return -EIO;
	}
	r = strbuf_read_file(&data, from, (size_t)sb.st_size + 1);
	if (r < 0) {
		error_set(err, "cannot read '%s': %s", from, strerror(-r));
		strbuf_release_secret(&data);
		return r;
	}
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, sb.st_mode & 0644);
	if (fd < 0 || write(fd, data.buf, data.len) != (ssize_t)data.len || fsync(fd) < 0) {
		error_set(err, "cannot write '%s': %m", to);
		r = -EIO;
	}
	if (fd >= 0)
		close(fd);
	strbuf_release_secret(&data);
	return r < 0 ? r : 0;
}

/* mamori.conf of the old directory, then [store] naming the new store (0600). */
static int write_conf(const char *from_dir, const char *dir, const char *url, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	char *back = NULL;
	int fd, r;

	strbuf_addf(&path, "%s/%s", from_dir, CONF_FILE);
	r = strbuf_read_file(&text, path.buf, 1 << 20);
	if (r < 0 && r != -ENOENT) {
		error_set(err, "cannot read '%s': %s", path.buf, strerror(-r));
		goto out;
	}
	if (text.len && text.buf[text.len - 1] != '\n')
		strbuf_addch(&text, '\n');
	strbuf_addstr(&text, "# The ward's data lives in PostgreSQL (mamori migrate; "
	                     "docs/operations.md)\n[store]\nurl = \"");
	for (const char *p = url; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addch(&text, '\\');
		strbuf_addch(&text, *p);
	}
	strbuf_addstr(&text, "\"\n");
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/%s", dir, CONF_FILE);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	r = 0;
	if (fd < 0 || write(fd, text.buf, text.len) != (ssize_t)text.len || fsync(fd) < 0) {
		error_set(err, "cannot write '%s': %m", path.buf);
		r = -EIO;
	}
	if (fd >= 0)
		close(fd);
	/* the new directory must read back the URL given, else its [store] was overridden */
	if (r == 0 && (r = store_configured_url(dir, &back, err)) == 0 &&
	    (!back || strcmp(back, url) != 0)) {
		error_set(err, "'%s' already names a store in [store]: a SQLite ward has none",
		          path.buf);
		r = -EINVAL;
	}
out:
	free(back);
	strbuf_release(&path);
	strbuf_release(&text);
	return r;
}

/* The ledger read back from PostgreSQL: every entry re-hashed, the same root as the old one;
 * every attachment's bytes re-hashed there and named by its act's entry. */
static int verify_arrival(const char *dir, uint64_t size, const uint8_t root[MERKLE_HASH_SIZE],
                          struct ledger_verify_result *res, struct strbuf *err)
{
	struct attach_verify_result ares;
	struct store *st = NULL;
	struct ledger *lg = NULL;
	int r = store_open(dir, STORE_ANY_BACKEND, &st, err);

	if (r == 0)
		r = ledger_open(st, &lg, err);
	if (r == 0)
		r = ledger_verify(lg, dir, NULL, 0, res, err);
	if (r == 0)
		r = attach_verify(st, lg, dir, &ares, err);
	if (r == 0 && (res->entries != size || memcmp(res->root, root, MERKLE_HASH_SIZE) != 0)) {
		error_set(err,
		          "the ledger arrived with %llu entries and another root than the "
		          "%llu entries it left with",
		          (unsigned long long)res->entries, (unsigned long long)size);
		r = -EBADMSG;
	}
	ledger_close(lg);
	store_close(st);
	return r;
}

/* The old directory's ledger head: what must arrive. */
static int old_head(const char *from, uint64_t *size, uint8_t root[MERKLE_HASH_SIZE],
                    struct store **ret_st, struct strbuf *err)
{
	struct ledger *lg = NULL;
	int r = store_open(from, 0, ret_st, err);

	if (r == 0 && store_dialect(*ret_st) != STORE_SQLITE) {
		error_set(err, "'%s' keeps its data in PostgreSQL already", from);
		r = -EINVAL;
	}
	if (r == 0)
		r = ledger_open(*ret_st, &lg, err);
	if (r == 0)
		r = ledger_head(lg, size, root, err);
	ledger_close(lg);
	return r;
}

static void remove_new(const char *dir)
{
	static const char *const files[] = { LEDGER_KEY_FILE, LEDGER_PUB_FILE, CONF_FILE };
	char *p;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		p = xstrfmt("%s/%s", dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* The ledger's signing key and its public half, copied from the old directory to the new. */
static int copy_node_files(const char *from, const char *to, struct strbuf *err)
{
	static const char *const node_files[] = { LEDGER_KEY_FILE, LEDGER_PUB_FILE };
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(node_files); i++) {
		char *f = xstrfmt("%s/%s", from, node_files[i]);
		char *t = xstrfmt("%s/%s", to, node_files[i]);
		r = copy_file(f, t, err);
		free(f);
		free(t);
	}
	return r;
}

/* Why the migration failed; once the database holds the schema, that it must be made again. */
static void say_failed(const char *why, const char *from, bool made)
{
	if (made)
		cli_error("%s; '%s' is left as it was; the database now holds Mamori's "
		          "schema: drop and create it again before another try",
		          why, from);
	else
		cli_error("%s", why);
}

int cmd_migrate(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori --dir NEW migrate --from DIR --to postgresql://USER@HOST/DATABASE", NULL
	};
	const char *from = NULL, *url = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "from", &from, "DIR", "the ward's data directory (SQLite)"),
		OPT_STRING(0, "to", &url, "URL", "an empty PostgreSQL database for the ward"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT;
	struct store *src = NULL, *dst = NULL;
	struct store_migrate_stats stats;
	struct ledger_verify_result res = { 0 };
	uint8_t root[MERKLE_HASH_SIZE];
	uint64_t size = 0;
	int64_t files = 0;
	int n, r;
	bool made = false;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 0 || !from || !url) {
		cli_error("migrate needs --from DIR and --to URL, and the new data directory as "
		          "'mamori --dir NEW migrate'");
		return EXIT_USAGE;
	}
	if (store_url_check(url, &err) < 0) {
		cli_error("--to: %s", err.buf);
		strbuf_release(&err);
		return EXIT_USAGE;
	}
	if (mkdir(ctx->dir, 0700) < 0) {
		cli_error("cannot create '%s': %m; migrate makes a new data directory: give one "
		          "that does not exist yet",
		          ctx->dir);
		return EXIT_FAILED;
	}
	r = old_head(from, &size, root, &src, &err);
	if (r == 0)
		r = write_conf(from, ctx->dir, url, &err);
	if (r == 0)
		r = copy_node_files(from, ctx->dir, &err);
	if (r == 0)
		r = store_create_url(url, &dst, &err);
	made = r == 0;
	if (r == 0)
		r = store_migrate_to(src, dst, &stats, &err);
	/* what every node needs into the database: the attachments' bytes, the web's key */
	if (r == 0)
		r = attach_copy(src, from, dst, &files, &err);
	if (r == 0 &&
	    (r = secret_migrate(from, SECRET_WEB_FILE, dst, SECRET_WEB, SECRET_WEB_LEN, &err)) > 0)
		r = 0; /* copied (0: the old ward had none; its first server on NEW makes one) */
	store_close(dst);
	store_close(src);
	if (r == 0)
		r = verify_arrival(ctx->dir, size, root, &res, &err);
	if (r < 0) {
		say_failed(err.buf, from, made);
		remove_new(ctx->dir);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	printf(T_("migrated '%s' to PostgreSQL %s: %lld tables, %lld rows, %d attachment files; "
	          "the ledger verifies there (%llu entries, the same root)\n"),
	       from, url, (long long)stats.tables, (long long)stats.rows, (int)files,
	       (unsigned long long)res.entries);
	printf(T_("the new data directory is '%s'; '%s' is left as it was (keep it until you "
	          "are sure, then retire it)\n"),
	       ctx->dir, from);
	strbuf_release(&err);
	return EXIT_DONE;
}

/* cmd-doctor: `mamori doctor`: check a data directory and say how to fix what is wrong. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "base/json.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "core/act.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
#include "store/store.h"

#define FREE_PROBLEM_BYTES (100ULL << 20)
#define FREE_WARNING_BYTES (1ULL << 30)

enum check_status { CHECK_OK, CHECK_WARNING, CHECK_PROBLEM };
static const char *const status_names[] = { "ok", "warning", "problem" };
/* The same for people (the text output), in the CLI's language. */
static const char *const status_text[] = { N_("ok"), N_("warning"), N_("problem") };

struct check {
	const char *name;
	enum check_status status;
	char *detail;
	char *fix;                /* NULL when nothing needs doing */
	char *detail_ja, *fix_ja; /* what the text output says in Japanese (NULL: as above) */
};

struct report {
	struct check *checks;
	size_t nr, alloc;
};

static void add_check(struct report *rep, const char *name, enum check_status status,
                      const char *fix, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_check(struct report *rep, const char *name, enum check_status status,
                      const char *fix, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT, ja = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (cli_lang_ja()) { /* --json keeps the English; the text says it in Japanese */
		va_list aq;

		va_copy(aq, ap);
		cli_vsay(&ja, fmt, aq); /* the core's or the store's error among them too */
		va_end(aq);
	}
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(rep->checks, rep->nr, rep->alloc);
	rep->checks[rep->nr++] = (struct check){ name,
		                                 status,
		                                 strbuf_detach(&sb, NULL),
		                                 fix ? xstrdup(fix) : NULL,
		                                 ja.len ? strbuf_detach(&ja, NULL) : NULL,
		                                 fix && T_(fix) != fix ? xstrdup(T_(fix)) : NULL };
	strbuf_release(&ja);
}

static void check_mode(struct report *rep, const char *name, const char *path, mode_t want)
{
	struct stat sb;
	struct strbuf fix = STRBUF_INIT;

	if (stat(path, &sb) < 0) {
		add_check(rep, name, CHECK_PROBLEM, "create it with 'mamori init'",
		          "cannot access '%s': %s", path, strerror(errno));
		return;
	}
	if ((sb.st_mode & 0777 & ~want) != 0) {
		strbuf_addf(&fix, "chmod %o '%s'", (unsigned)want, path);
		add_check(rep, name, CHECK_PROBLEM, fix.buf,
		          "'%s' has mode %04o; others than its owner can read or change it", path,
		          (unsigned)(sb.st_mode & 07777));
	} else {
		add_check(rep, name, CHECK_OK, NULL, "'%s' has mode %04o", path,
		          (unsigned)(sb.st_mode & 07777));
	}
	strbuf_release(&fix);
}

/* The last check's fix said in Japanese: fix_ja (emptied), when it holds anything. */
static void fix_in_japanese(struct report *rep, struct strbuf *fix_ja)
{
	if (!fix_ja->len)
		return;
	free(rep->checks[rep->nr - 1].fix_ja);
	rep->checks[rep->nr - 1].fix_ja = strbuf_detach(fix_ja, NULL);
}

/* The identity stamp's fix (with the directory). */
#define STAMP_FIX                                                                                  \
	N_("run mamori --dir '%s' ledger tail (or any command that changes the ward, or restart "  \
	   "mamori serve): an open that may write makes them again, once no other writer holds "   \
	   "the database")

/*
 * The identity stamp's nine triggers (schema/0030; store_identity_triggers_missing), from that
 * schema on (before it the schema check says the migration is pending): a schema that lost one
 * (a migration that rebuilt a table, a hand's DROP) keeps the API's identities from being
 * reused, so every API call reads its token's identity again. A warning, as an older schema is:
 * nothing is unsafe meanwhile, and the next open that may write makes them again.
 */
static void check_identity_stamp(struct report *rep, struct store *st, const char *dir)
{
	struct strbuf err = STRBUF_INIT, names = STRBUF_INIT, fix = STRBUF_INIT,
	              fix_ja = STRBUF_INIT;
	int n = store_identity_triggers_missing(st, &names, &err);

	if (n < 0)
		add_check(rep, "identity stamp", CHECK_PROBLEM,
		          "restore the database from a backup ('mamori restore')",
		          "cannot look for the identity stamp's triggers: %s", err.buf);
	else if (n > 0) {
		strbuf_addf(&fix, STAMP_FIX, dir);
		if (cli_lang_ja())
			strbuf_addf(&fix_ja, T_(STAMP_FIX), dir);
		add_check(rep, "identity stamp", CHECK_WARNING, fix.buf,
		          "identity stamp triggers missing or changed (%d of 9, schema/0030): %s; "
		          "the API reads each call's identity afresh until they are made again",
		          n, names.buf);
		fix_in_japanese(rep, &fix_ja);
	} else
		add_check(rep, "identity stamp", CHECK_OK, NULL,
		          "the identity stamp's 9 triggers (schema/0030) are there");
	strbuf_release(&err);
	strbuf_release(&names);
	strbuf_release(&fix);
}

/* An older schema's fix (with the directory). */
#define SCHEMA_FIX                                                                                 \
	N_("restart mamori serve with this build, or, when no server runs, run mamori --dir '%s' " \
	   "ledger tail (or any command that changes the ward): an open that may write applies "   \
	   "the pending migrations; read-only commands (list, show) do not")

/*
 * A schema older than this build's: after an upgrade, most often because the older mamori serve
 * still runs; the next open that may write migrates it (not a read-only command's), and migrating
 * under a running older server would leave it on a schema it does not know, so its restart comes
 * first.
 */
static void check_schema_older(struct report *rep, const char *dir, int v)
{
	struct strbuf fix = STRBUF_INIT, fix_ja = STRBUF_INIT;
	strbuf_addf(&fix, SCHEMA_FIX, dir);
	if (cli_lang_ja())
		strbuf_addf(&fix_ja, T_(SCHEMA_FIX), dir);
	add_check(rep, "schema", CHECK_WARNING, fix.buf,
	          "schema version %d is older than this build's %d", v, store_schema_latest());
	fix_in_japanese(rep, &fix_ja);
	strbuf_release(&fix);
}

static void check_database(struct report *rep, const char *dir)
{
	struct strbuf err = STRBUF_INIT, problems = STRBUF_INIT;
	struct store *st = NULL;
	int r, v;

	r = store_open(dir, STORE_NO_MIGRATE | STORE_ANY_BACKEND, &st, &err);
	if (r < 0) {
		add_check(rep, "database", CHECK_PROBLEM,
		          r == -ENOTSUP ? N_("upgrade mamori to the version that wrote it")
		          : r == -EIO ? N_("check mamori.conf [store] url and that PostgreSQL runs")
		                      : N_("restore the database from a backup ('mamori restore')"),
		          "%s", err.buf);
		strbuf_release(&err);
		return;
	}
	if (store_dialect(st) == STORE_POSTGRESQL) {
		int sv = store_server_version(st);
		add_check(rep, "store", CHECK_OK, NULL, "PostgreSQL %d.%d at %s", sv / 10000,
		          sv % 10000, store_location(st));
	}
	v = store_schema_version(st);
	if (v == store_schema_latest())
		add_check(rep, "schema", CHECK_OK, NULL, "schema version %d is current", v);
	else
		check_schema_older(rep, dir, v);

	if (store_dialect(st) == STORE_POSTGRESQL) {
		int g = store_ddl_guarded(st, &err);
		if (g > 0)
			add_check(rep, "ddl guard", CHECK_OK, NULL,
			          "DROP and ALTER of the door's tables are refused (event triggers "
			          "mamori_ddl_drop, mamori_ddl_alter)");
		else
			add_check(
			    rep, "ddl guard", CHECK_WARNING,
			    "a PostgreSQL superuser makes them: run a mamori command once with "
			    "[store] url naming a superuser (docs/operations.md)",
			    "DROP and ALTER of the door's tables are not refused: the event "
			    "triggers that refuse them need a superuser%s%s",
			    g < 0 ? ": " : "", g < 0 ? err.buf : "");
		/* PostgreSQL's own tools check its pages (pg_amcheck); the ledger has verify */
		store_close(st);
		strbuf_release(&problems);
		strbuf_release(&err);
		return;
	}
	if (store_check_integrity(st, &problems, &err) < 0)
		add_check(rep, "integrity", CHECK_PROBLEM, "restore the database from a backup",
		          "integrity check failed: %s", err.buf);
	else if (!problems.len)
		add_check(rep, "integrity", CHECK_OK, NULL, "SQLite integrity_check: ok");
	else
		add_check(rep, "integrity", CHECK_PROBLEM,
		          "restore the database from a backup ('mamori restore')",
		          "SQLite integrity_check: %s", problems.buf);
	if (v >= STORE_IDENTITY_STAMP_SCHEMA)
		check_identity_stamp(rep, st, dir);
	strbuf_release(&problems);
	store_close(st);
	strbuf_release(&err);
}

/* mamori.conf (docs/config.md): absent is fine; a broken one stops the server, so say so. */
static void check_config(struct report *rep, const char *dir)
{
	struct strbuf err = STRBUF_INIT;
	struct conf c = CONF_INIT;

	if (conf_load(dir, &c, &err) < 0)
		add_check(rep, "configuration", CHECK_PROBLEM,
		          "correct the line named (the keys are listed in docs/config.md)", "%s",
		          err.buf);
	else if (!c.nr)
		add_check(rep, "configuration", CHECK_OK, NULL,
		          "no %s: every setting has its default", CONF_FILE);
	else
		add_check(rep, "configuration", CHECK_OK, NULL, "%s: %zu settings", CONF_FILE,
		          c.nr);
	conf_release(&c);
	strbuf_release(&err);
}

/* True when the [totp] roles list covers role: "role" (any scope) or "role@..." written. */
static bool totp_covers(char **list, size_t n, const char *role)
{
	size_t rl = strlen(role);

	for (size_t i = 0; i < n; i++)
		if (!strncmp(list[i], role, rl) && (list[i][rl] == '\0' || list[i][rl] == '@'))
			return true;
	return false;
}

/*
 * The second factor (docs/config.md [totp]): recommended for every ward-wide role, Mamori's
 * administrators and the approvers of the most protected level; a warning names those the
 * ward's [totp] roles leave out.
 */
static void check_second_factor(struct report *rep, const char *dir)
{
	struct strbuf err = STRBUF_INIT, missing = STRBUF_INIT, fix = STRBUF_INIT;
	struct strbuf fix_ja = STRBUF_INIT;
	struct conf c = CONF_INIT;
	struct door *d = NULL;
	char **list = NULL;
	size_t n = 0;
	const struct profile *p;
	uint64_t want;

	if (conf_load(dir, &c, &err) < 0)
		goto out; /* the configuration check says why */
	if (door_open(dir, DOOR_READONLY, &d, &err) < 0) {
		/* No profile yet (or no database: that check says why): nothing to compare. */
		add_check(rep, "second factor", CHECK_OK, NULL,
		          "not judged: the roles come from the profile (%s)", err.buf);
		goto out;
	}
	if (conf_get(&c, "totp", "roles"))
		conf_split_list(conf_get(&c, "totp", "roles"), &list, &n);
	p = door_profile(d);
	want = policy_roles_second_factor(p);
	if (!totp_covers(list, n, ROLE_MAMORI_ADMIN))
		strbuf_addstr(&missing, ROLE_MAMORI_ADMIN);
	for (unsigned i = 0; i < p->n_roles && i < 64; i++) {
		if (!(want & (1ULL << i)) || totp_covers(list, n, p->roles[i].id))
			continue;
		strbuf_addf(&missing, "%s%s", missing.len ? ", " : "", p->roles[i].id);
	}
	if (!missing.len) {
		add_check(rep, "second factor", CHECK_OK, NULL,
		          "[totp] roles covers every ward-wide role, the administrators and the "
		          "approvers of the most protected level");
		goto out;
	}
	strbuf_addf(&fix, "add them to [totp] roles in %s/%s (docs/config.md)", dir, CONF_FILE);
	if (cli_lang_ja())
		strbuf_addf(&fix_ja, T_("add them to [totp] roles in %s/%s (docs/config.md)"), dir,
		            CONF_FILE);
	add_check(rep, "second factor", CHECK_WARNING, fix.buf,
	          "these roles log in without a second factor: %s (recommended for ward-wide "
	          "roles, administrators and approvers of %s)",
	          missing.buf, p->n_levels ? p->levels[0].name : "the most protected level");
	if (fix_ja.len) {
		free(rep->checks[rep->nr - 1].fix_ja);
		rep->checks[rep->nr - 1].fix_ja = strbuf_detach(&fix_ja, NULL);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	door_free(d);
	conf_release(&c);
	strbuf_release(&err);
	strbuf_release(&missing);
	strbuf_release(&fix);
	strbuf_release(&fix_ja);
}

static void check_space(struct report *rep, const char *dir)
{
	struct statvfs vfs;
	unsigned long long avail;

	if (statvfs(dir, &vfs) < 0) {
		add_check(rep, "disk", CHECK_PROBLEM, NULL, "cannot read free space of '%s': %s",
		          dir, strerror(errno));
		return;
	}
	avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (avail < FREE_PROBLEM_BYTES)
		add_check(rep, "disk", CHECK_PROBLEM, "free space on that file system",
		          "only %llu MiB free; writes will soon fail", avail >> 20);
	else if (avail < FREE_WARNING_BYTES)
		add_check(rep, "disk", CHECK_WARNING, "free space on that file system",
		          "%llu MiB free", avail >> 20);
	else
		add_check(rep, "disk", CHECK_OK, NULL, "%llu MiB free", avail >> 20);
}

/* doctor --json: the directory, whether all is well, and each check. */
static void report_json(struct strbuf *out, const char *dir, const struct report *rep, bool bad)
{
	struct json_writer w;
	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_str(&w, "dir", dir);
	jw_kv_bool(&w, "ok", !bad);
	jw_key(&w, "checks");
	jw_array_begin(&w);
	for (size_t i = 0; i < rep->nr; i++) {
		jw_object_begin(&w);
		jw_kv_str(&w, "name", rep->checks[i].name);
		jw_kv_str(&w, "status", status_names[rep->checks[i].status]);
		jw_kv_str(&w, "detail", rep->checks[i].detail);
		jw_kv_str(&w, "fix", rep->checks[i].fix);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

/* doctor's text: a line a check (status, name, detail; its fix under it), then the verdict. */
static void report_text(struct strbuf *out, const struct report *rep, bool bad)
{
	size_t width = 0;
	for (size_t i = 0; i < rep->nr; i++)
		if (utf8_strwidth(rep->checks[i].name) > width)
			width = utf8_strwidth(rep->checks[i].name);
	for (size_t i = 0; i < rep->nr; i++) {
		strbuf_add_padded(out, T_(status_text[rep->checks[i].status]), 8);
		strbuf_add_padded(out, rep->checks[i].name, width + 2);
		strbuf_addstr(out, rep->checks[i].detail_ja ? rep->checks[i].detail_ja
		                                            : rep->checks[i].detail);
		if (rep->checks[i].fix)
			strbuf_addf(out, T_("\n%*sfix: %s"), (int)(width + 10), "",
			            rep->checks[i].fix_ja ? rep->checks[i].fix_ja
			                                  : rep->checks[i].fix);
		strbuf_addch(out, '\n');
	}
	strbuf_addstr(out, bad ? T_("problems found: see the fixes above\n")
	                       : T_("all checks passed\n"));
}

int cmd_doctor(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori [--dir DIR] doctor [--json]", NULL };
	bool json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print the checks as JSON (keys: docs/cli.md)"),
		OPT_END(),
	};
	struct report rep = { 0 };
	struct strbuf out = STRBUF_INIT, path = STRBUF_INIT;
	struct stat sb = { 0 };
	char *url = NULL;
	bool bad = false;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n < 0)
		return EXIT_USAGE;
	if (n > 0) {
		cli_error("doctor takes no arguments; give the directory as 'mamori --dir DIR "
		          "doctor'");
		return EXIT_USAGE;
	}
	if (stat(ctx->dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		int e = S_ISDIR(sb.st_mode) ? errno : ENOTDIR;
		cli_error("'%s' is not a Mamori data directory (%s); create one with 'mamori --dir "
		          "%s init'",
		          ctx->dir, strerror(e), ctx->dir);
		return EXIT_FAILED;
	}
	strbuf_addf(&path, "%s/%s", ctx->dir, STORE_DB_NAME);
	check_mode(&rep, "directory", ctx->dir, 0700);
	/* a data directory whose store is PostgreSQL has no database file to check */
	if (access(path.buf, F_OK) == 0 || store_configured_url(ctx->dir, &url, NULL) < 0 || !url)
		check_mode(&rep, "database file", path.buf, 0600);
	free(url);
	check_config(&rep, ctx->dir);
	check_database(&rep, ctx->dir);
	check_space(&rep, ctx->dir);
	check_second_factor(&rep, ctx->dir);

	for (size_t i = 0; i < rep.nr; i++)
		bad |= rep.checks[i].status == CHECK_PROBLEM;
	if (json)
		report_json(&out, ctx->dir, &rep, bad);
	else
		report_text(&out, &rep, bad);
	ret = cli_print(&out);
	if (ret == EXIT_DONE && bad)
		ret = EXIT_FAILED;
	for (size_t i = 0; i < rep.nr; i++) {
		free(rep.checks[i].detail);
		free(rep.checks[i].fix);
		free(rep.checks[i].detail_ja);
		free(rep.checks[i].fix_ja);
	}
	free(rep.checks);
	strbuf_release(&out);
	strbuf_release(&path);
	return ret;
}

/* cmd-init: `mamori init`: create a data directory (0700) and its database (0600). */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "base/timeutil.h"
#include "cli/cli.h"
#include "core/setup.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* Whether the directory read from d holds nothing: 1, or -ENOTEMPTY. d is closed. */
static int dir_empty(DIR *d)
{
	struct dirent *e;
	int r = 1;

	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			r = -ENOTEMPTY;
			break;
		}
	}
	closedir(d);
	return r;
}

/* Whether the directory open at fd holds nothing (read from its start, through a descriptor of
 * its own): 1, -ENOTEMPTY, or another negative errno when it cannot be read (said). */
static int fd_empty(const char *dir, int fd)
{
	int d = dup(fd);
	DIR *dp = d >= 0 ? fdopendir(d) : NULL;

	if (!dp) {
		int e = errno;

		cli_error("cannot use '%s': %s", dir, strerror(e));
		if (d >= 0)
			close(d);
		return -e;
	}
	rewinddir(dp); /* (a dup shares the position: an earlier read left it at the end) */
	return dir_empty(dp);
}

/* Returns 1 if dir exists and is empty, 0 if missing, -errno otherwise (-ENOTEMPTY, -ENOTDIR). */
static int dir_state(const char *dir)
{
	struct stat sb;
	DIR *d;

	if (stat(dir, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(sb.st_mode))
		return -ENOTDIR;
	d = opendir(dir);
	if (!d)
		return -errno;
	return dir_empty(d);
}

/*
 * mamori.conf naming the PostgreSQL store (0600, created here: init's directory is new). The
 * URL is written in double quotes, so that any character it holds reads back the same.
 */
static int write_store_conf(const char *dir, const char *url, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	char *back = NULL;
	FILE *f;
	int fd, r = 0;

	strbuf_addstr(&text, "# The ward's data lives in PostgreSQL (mamori init --store; "
	                     "docs/operations.md)\n[store]\nurl = \"");
	for (const char *p = url; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addch(&text, '\\');
		strbuf_addch(&text, *p);
	}
	strbuf_addstr(&text, "\"\n");
	strbuf_addf(&path, "%s/%s", dir, CONF_FILE);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		error_set(err, "cannot create '%s': %s", path.buf, strerror(errno));
		if (fd >= 0)
			close(fd);
		r = -EIO;
	} else {
		bool ok = fwrite(text.buf, 1, text.len, f) == text.len && fflush(f) == 0 &&
		          fsync(fileno(f)) == 0;
		if (fclose(f) != 0 || !ok) {
			error_set(err, "cannot write '%s': %s", path.buf, strerror(errno));
			r = -EIO;
		}
	}
	/* what the store will read back must be what was given */
	if (r == 0 && (r = store_configured_url(dir, &back, err)) == 0 &&
	    (!back || strcmp(back, url) != 0)) {
		error_set(err, "'%s' does not read back the URL given (a bug)", path.buf);
		r = -EIO;
	}
	free(back);
	strbuf_release(&path);
	strbuf_release(&text);
	return r;
}

/* init's options into so and *ret_store_url, checked. 0, or -1 with *ret_exit set (--help, a
 * usage error, said). */
static int init_parse(struct setup_options *so, const char **ret_store_url, int argc,
                      const char **argv, int *ret_exit)
{
	static const char *const usage[] = { "mamori [--dir DIR] init [--profile "
		                             "minato|shinjuku|FILE] [--ward-name NAME] [--demo]",
		                             "mamori [--dir DIR] init --store "
		                             "postgresql://USER@HOST/DATABASE",
		                             NULL };
	const char *store_url = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "profile", &so->profile, "PROFILE",
		           "the ward's profile: minato, shinjuku or a file"),
		OPT_STRING(0, "ward-name", &so->ward_name, "NAME",
		           "the ward's name as people read it (default: the profile's)"),
		OPT_BOOL(0, "demo", &so->demo, "also build a demo ward to explore"),
		OPT_STRING(0, "store", &store_url, "URL",
		           "keep the ward's data in PostgreSQL (postgresql://USER@HOST/DATABASE)"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT;
	int n = parse_options(argc, argv, opts, usage);

	if (n == PARSE_OPT_HELP) {
		*ret_exit = EXIT_DONE;
		return -1;
	}
	*ret_exit = EXIT_USAGE; /* the errors below */
	if (n < 0)
		return -1;
	if (n > 0) {
		cli_error("init takes no arguments; give the directory as 'mamori --dir DIR init'");
		return -1;
	}
	if ((so->demo || so->ward_name) && !so->profile) {
		cli_error("--demo and --ward-name need --profile minato|shinjuku|FILE");
		return -1;
	}
	if (store_url && store_url_check(store_url, &err) < 0) {
		cli_error("--store: %s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	*ret_store_url = store_url;
	return 0;
}

/* The data directory: an empty one is used, a missing one created (*created). 0, or -1 when it
 * cannot be (said). */
static int init_dir(const char *dir, bool *created)
{
	int r = dir_state(dir);

	if (r == -ENOTEMPTY) {
		cli_error(
		    "'%s' is not empty; init only creates a new data directory: choose "
		    "another --dir, or use 'mamori --dir %s doctor' to check the existing one",
		    dir, dir);
		return -1;
	} else if (r == -ENOTDIR) {
		cli_error("'%s' exists and is not a directory; choose another --dir", dir);
		return -1;
	} else if (r < 0) {
		cli_error("cannot use '%s': %s", dir, strerror(-r));
		return -1;
	} else if (r == 0) {
		if (mkdir(dir, 0700) == 0)
			*created = true;
		else if (errno != EEXIST) { /* (EEXIST: another init made it; the lock decides) */
			cli_error("cannot create '%s': %m; check that the parent exists and is "
			          "writable",
			          dir);
			return -1;
		}
	}
	return 0;
}

/*
 * With the lock (or without one: init_lock): dir must still name the directory open at fd (an
 * init that failed may have removed the one this init opened, and a third may have made
 * another there since, whose lock is its own), and it must still be empty (an init that held
 * the lock may have finished). 0, or -1 when refused (said).
 */
static int init_locked_check(const char *dir, int fd)
{
	struct stat held, now;
	int d;

	if (fstat(fd, &held) < 0 || stat(dir, &now) < 0) {
		if (errno == ENOENT)
			cli_error("'%s' was removed just as init locked it (by another init that "
			          "failed, most likely); nothing was done: run init again",
			          dir);
		else
			cli_error("cannot use '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (now.st_dev != held.st_dev || now.st_ino != held.st_ino) {
		cli_error(
		    "'%s' was replaced by another directory just as init locked it (by another "
		    "init, most likely); nothing was done: wait for it to end",
		    dir);
		return -1;
	}
	d = fd_empty(dir, fd);
	if (d == -ENOTEMPTY)
		cli_error("'%s' is not empty (another init made it just now); nothing was done",
		          dir);
	return d < 0 ? -1 : 0;
}

/* A user for people (into name: the login, else "#UID") and for sudo -u (into arg: the login,
 * else '#UID' quoted, as a shell must pass it). */
static void user_named(uid_t uid, struct strbuf *name, struct strbuf *arg)
{
	const struct passwd *pw = getpwuid(uid);

	if (pw && pw->pw_name && *pw->pw_name) {
		strbuf_addstr(name, pw->pw_name);
		strbuf_addstr(arg, pw->pw_name);
	} else {
		strbuf_addf(name, "#%u", (unsigned)uid);
		strbuf_addf(arg, "'#%u'", (unsigned)uid);
	}
}

/*
 * Says why a directory owned by owner, not by the user running init, is refused: one another
 * user owns (root running init in a service user's directory: run it as that user), or one init
 * has just made (created) and the file system gave to another uid (NFS's root_squash, a vfat or
 * FUSE mount's uid=).
 */
static void init_not_owner(const char *dir, uid_t owner, bool created)
{
	struct strbuf them = STRBUF_INIT, them_arg = STRBUF_INIT, me = STRBUF_INIT,
	              me_arg = STRBUF_INIT;
	unsigned euid = (unsigned)geteuid();

	user_named(owner, &them, &them_arg);
	user_named(geteuid(), &me, &me_arg);
	if (created)
		cli_error("the file system gave '%s', which init has just made, to %s (uid %u), "
		          "not to %s (uid %u), who runs init (as NFS's root_squash or a mount's "
		          "uid= option do); nothing was done: run init as %s, or choose a "
		          "directory on a local file system",
		          dir, them.buf, (unsigned)owner, me.buf, euid, them.buf);
	else
		cli_error("'%s' belongs to another user, %s (uid %u), not to %s (uid %u), who "
		          "runs init; nothing was done: run init as its owner ('sudo -u %s "
		          "mamori --dir %s init'), or, if the ward is to belong to %s, give the "
		          "directory to %s first ('chown %s %s')",
		          dir, them.buf, (unsigned)owner, me.buf, euid, them_arg.buf, dir, me.buf,
		          me.buf, me_arg.buf, dir);
	strbuf_release(&them);
	strbuf_release(&them_arg);
	strbuf_release(&me);
	strbuf_release(&me_arg);
}

/*
 * The directory open at fd made 0700, then checked empty once more: init_locked_check looked
 * before, and until the chmod whoever could write to an existing directory (its group, when it
 * was 0770) could have put something there, such as a link named mamori.db to a file elsewhere;
 * after it nobody but its owner (and root) can. So the owner must be the user running init: a
 * directory of another user's (root running init in it), or one init made (created) that the
 * file system gave to another uid, is refused before anything is done, as its owner could still
 * put such a link there, or make it writable again, at any time. 0; -1 when the mode cannot be
 * set (said); -2 when the directory is another user's, or something is there now or it cannot
 * be read (said; the mode as it was, put back if need be, and what is there left alone: it is
 * not init's).
 */
static int init_mode(const char *dir, int fd, bool created)
{
	struct stat sb;
	int r;

	if (fstat(fd, &sb) < 0) {
		cli_error("cannot use '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (sb.st_uid != geteuid()) {
		init_not_owner(dir, sb.st_uid, created);
		return -2;
	}
	if (fchmod(fd, 0700) < 0) {
		cli_error("cannot set the mode of '%s' to 0700: %s", dir, strerror(errno));
		return -1;
	}
	r = fd_empty(dir, fd);
	if (r < 0)
		(void)fchmod(fd, sb.st_mode & 07777);
	if (r == -ENOTEMPTY)
		cli_error("something was put in '%s' just as init made it 0700 (it was 0%o); "
		          "nothing was done: see what it is, empty the directory and run init "
		          "again",
		          dir, (unsigned)(sb.st_mode & 07777));
	return r < 0 ? -2 : 0;
}

/*
 * Takes the data directory's init lock (flock on the directory itself: nothing is made in it),
 * so that two inits of one directory at once cannot take each other's files for their own
 * (a failed init removes what it made): the second is refused and touches nothing. On NFS and
 * SMB, Linux's clients take the flock on this host only (it succeeds): inits on other hosts
 * are not excluded (docs/cli.md). Where flock fails as unsupported (ENOLCK, EOPNOTSUPP, ...),
 * init goes on without the lock and says that concurrent inits are not excluded.
 * The directory's descriptor in *ret_fd (closed at exit: the lock goes with it), or -1 when
 * refused (said).
 */
static int init_lock(const char *dir, int *ret_fd)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		cli_error("cannot use '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e == EWOULDBLOCK) {
			cli_error("'%s' is locked by another process (another 'mamori init', most "
			          "likely); nothing was done: wait for it to end",
			          dir);
			goto refused;
		}
		if (e != ENOLCK && e != EOPNOTSUPP && e != EBADF && e != EINVAL) {
			cli_error("cannot lock '%s' against another init: %s", dir, strerror(e));
			goto refused;
		}
		/* unsupported: no lock records left, or a file system that refuses flock */
		cli_warn(
		    "the file system of '%s' cannot lock it (%s): another 'mamori init' of it at "
		    "the same time is not prevented there; run only one at a time",
		    dir, strerror(e));
	}
	if (init_locked_check(dir, fd) < 0)
		goto refused;
	*ret_fd = fd;
	return 0;
refused:
	close(fd);
	return -1;
}

/* The database (SQLite in dir, or PostgreSQL at store_url) with the ward's meta data; what to
 * say of it once the whole init is done into said. 0, or -1 when it cannot be made (said). */
static int init_store(const char *dir, const char *store_url, const char *ward_name,
                      struct strbuf *said)
{
	struct strbuf err = STRBUF_INIT, now = STRBUF_INIT;
	struct store *st = NULL;
	int r;

	if (store_url) {
		/* the configuration first: a failed init removes it with the directory */
		r = write_store_conf(dir, store_url, &err);
		if (r == 0)
			r = store_create_url(store_url, &st, &err);
	} else {
		r = store_open(dir, STORE_CREATE, &st, &err);
	}
	if (r < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	time_format_rfc3339(&now, time_now_ms());
	r = setup_meta(st, now.buf, ward_name, &err);
	if (r < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (store_dialect(st) == STORE_POSTGRESQL)
		strbuf_addf(
		    said,
		    T_("initialised Mamori data directory '%s' (schema %d) on PostgreSQL %s\n"),
		    dir, store_schema_version(st), store_location(st));
	else
		strbuf_addf(said, T_("initialised Mamori data directory '%s' (schema %d)\n"), dir,
		            store_schema_version(st));
out:
	store_close(st);
	strbuf_release(&now);
	strbuf_release(&err);
	return r < 0 ? -1 : 0;
}

/* The ward with a profile (ledger key, profile, first administrator, demo: all through the
 * door; what it prints once), else the ledger's checkpoint key alone; said (init_store's line)
 * is printed first, only when it is all done. 0, or -1 (said). */
static int init_ward(const char *dir, const struct setup_options *so, const struct strbuf *said)
{
	struct strbuf err = STRBUF_INIT, shown = STRBUF_INIT_SECRET;
	int r = -1;

	if (so->profile) {
		if (setup_ward(dir, so, &shown, &err) < 0) {
			cli_error("%s", err.buf);
			strbuf_release_secret(&shown);
			goto out;
		}
		fputs(said->buf, stdout);
		fputs(shown.buf, stdout);
		strbuf_release_secret(&shown);
	} else if (ledger_init_keys(dir, "ward", &err) < 0) {
		/* The ledger's checkpoint key; "ward" until a profile names the ward. */
		cli_error("%s", err.buf);
		goto out;
	} else {
		fputs(said->buf, stdout);
	}
	if (fflush(stdout) != 0)
		goto out;
	r = 0;
out:
	strbuf_release(&err);
	return r;
}

/*
 * A failed init leaves nothing half-made behind: the directory was new, or empty (init_dir), so
 * what is in it is ours; one it made goes too. Else the next init is refused ("not empty").
 */
static void init_undo(const char *dir, bool created)
{
	struct strbuf p = STRBUF_INIT;
	static const char *const files[] = { STORE_DB_NAME,        STORE_DB_NAME "-wal",
		                             STORE_DB_NAME "-shm", LEDGER_KEY_FILE,
		                             LEDGER_PUB_FILE,      CONF_FILE };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", dir, files[i]);
		unlink(p.buf);
	}
	if (created)
		rmdir(dir);
	strbuf_release(&p);
}

int cmd_init(struct cli_ctx *ctx, int argc, const char **argv)
{
	struct setup_options so = { 0 };
	struct strbuf said = STRBUF_INIT;
	const char *store_url = NULL;
	bool created = false;
	int ret, lock = -1;

	if (init_parse(&so, &store_url, argc, argv, &ret) < 0)
		return ret;
	ret = EXIT_FAILED;
	if (init_dir(ctx->dir, &created) < 0)
		return EXIT_FAILED;
	if (init_lock(ctx->dir, &lock) < 0)
		return EXIT_FAILED; /* (one made just now is the other init's too) */
	switch (init_mode(ctx->dir, lock, created)) {
	case -1:
		goto out;
	case -2: /* the directory, or what is there now, is not init's to remove */
		close(lock);
		return EXIT_FAILED;
	}
	if (init_store(ctx->dir, store_url, so.ward_name, &said) < 0)
		goto out;
	if (cli_lang_ja())
		so.say = cli_gettext; /* what init prints once (passwords, the demo) in Japanese */
	if (init_ward(ctx->dir, &so, &said) < 0)
		goto out;
	ret = EXIT_DONE;
out:
	if (ret != EXIT_DONE)
		init_undo(ctx->dir, created);
	close(lock); /* the lock with it, once the directory is whole or as it was */
	strbuf_release(&said);
	return ret;
}

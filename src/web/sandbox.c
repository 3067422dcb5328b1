/* sandbox: seals the ledger's signing key off from the serving process with Landlock, once the
 * signer process (ledger/signer.h) holds it (web/sandbox.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "core/attach.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
#include "store/store.h"
#include "web/sandbox.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule       445
#define SYS_landlock_restrict_self  446
#endif

/* path is p itself or beneath it */
static bool under(const char *path, const char *p)
{
	size_t n = strlen(p);

	return !strncmp(path, p, n) && (path[n] == '\0' || path[n] == '/' || !strcmp(p, "/"));
}

/* Read access beneath every entry of dir but skip (the next step towards the key), and none
 * whose real path is the key or one of its directories (a symlink to them). */
static int allow_siblings(int ruleset, const char *dir, const char *skip, const char *key,
                          struct strbuf *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d) {
		error_set(err, "sandbox: cannot list '%s': %s", dir, strerror(errno));
		return -errno;
	}
	while (r == 0 && (e = readdir(d))) {
		struct landlock_path_beneath_attr pb = { .allowed_access =
			                                     LANDLOCK_ACCESS_FS_READ_FILE };
		char path[PATH_MAX], real[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
		             e->d_name) >= (int)sizeof(path))
			continue;
		if (!strcmp(path, skip) || !realpath(path, real) || under(key, real))
			continue;
		pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
		if (pb.parent_fd < 0)
			continue; /* vanished, or a dangling link */
		/* a rule on a non-directory grants only what a file can have */
		if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) <
		    0) {
			r = -errno;
			error_set(err, "sandbox: landlock_add_rule '%s': %s", path,
			          strerror(errno));
		}
		close(pb.parent_fd);
	}
	closedir(d);
	return r;
}

int web_sandbox_seal_key(const char *dir, struct strbuf *err)
{
	struct landlock_ruleset_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE };
	char key[PATH_MAX], step[PATH_MAX];
	struct strbuf path = STRBUF_INIT;
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	int ruleset, r = 0;

	if (abi < 1)
		return 0; /* this kernel has no Landlock: the signer process still holds the key */
	strbuf_addf(&path, "%s/%s", dir, LEDGER_KEY_FILE);
	if (!realpath(path.buf, key)) {
		r = -errno;
		error_set(err, "sandbox: '%s': %s", path.buf, strerror(errno));
		strbuf_release(&path);
		return r;
	}
	strbuf_release(&path);
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0) {
		r = -errno;
		error_set(err, "sandbox: landlock_create_ruleset: %s", strerror(errno));
		return r;
	}
	/* every directory from / down to the key's: all its entries but the way to the key */
	snprintf(step, sizeof(step), "/");
	for (const char *p = key + 1; r == 0;) {
		const char *slash = strchr(p, '/');
		char next[PATH_MAX];

		snprintf(next, sizeof(next), "%.*s", (int)((slash ? slash : p + strlen(p)) - key),
		         key);
		r = allow_siblings(ruleset, step, next, key, err);
		if (!slash)
			break;
		snprintf(step, sizeof(step), "%s", next);
		p = slash + 1;
	}
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		error_set(err, "sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	}
	if (r == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		r = -errno;
		error_set(err, "sandbox: landlock_restrict_self: %s", strerror(errno));
	}
	close(ruleset);
	return r < 0 ? r : 1;
}

int web_sandbox_tmpdir(const char *dir, struct strbuf *ret, struct strbuf *err)
{
	const char *tmp = getenv("TMPDIR");
	char real[PATH_MAX], data[PATH_MAX];

	/* a TMPDIR beside the data directory stays readable: only one above it needs its own */
	if (!realpath(tmp && *tmp ? tmp : "/tmp", real) || !realpath(dir, data) ||
	    !under(data, real))
		return 0;
	strbuf_addf(ret, "%s/mamori-serve-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(ret->buf)) {
		int r = -errno;
		error_set(err, "cannot make a temporary directory in '%s': %s; set TMPDIR",
		          tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return r;
	}
	return 0;
}

int web_privsep_start(const char *dir, struct web_privsep *ps, struct strbuf *err)
{
	struct strbuf att = STRBUF_INIT;
	int r;

	ps->keep_st = NULL;
	strbuf_init(&ps->tmpdir, 0);
	r = ledger_signer_start(dir, err);
	if (r == -ENOENT) {
		strbuf_reset(err); /* no key here: nothing is signed, nothing to seal */
		return 0;
	}
	if (r < 0)
		return r;
	r = store_open(dir, STORE_ANY_BACKEND, &ps->keep_st, err);
	if (r == 0)
		r = web_sandbox_tmpdir(dir, &ps->tmpdir, err);
	/* ours and SQLite's temporary files (sorts too big for memory) */
	if (r == 0 && ps->tmpdir.len &&
	    (setenv("TMPDIR", ps->tmpdir.buf, 1) < 0 ||
	     setenv("SQLITE_TMPDIR", ps->tmpdir.buf, 1) < 0))
		r = -errno;
	strbuf_addf(&att, "%s/%s", dir, ATTACH_DIR);
	if (r == 0 && mkdir(att.buf, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		error_set(err, "cannot make '%s': %s", att.buf, strerror(errno));
	}
	strbuf_release(&att);
	if (r == 0)
		r = web_sandbox_seal_key(dir, err);
	if (r == 1)
		printf("mamori: ledger key held by the signer process (pid %d); this process "
		       "cannot open it (Landlock)\n",
		       ledger_signer_pid());
	else if (r == 0)
		fprintf(stderr,
		        "mamori: warning: this kernel has no Landlock: the ledger key is held by "
		        "the signer process, but this process could still open its file\n");
	return r < 0 ? r : 0;
}

void web_privsep_stop(struct web_privsep *ps)
{
	ledger_signer_stop();
	store_close(ps->keep_st);
	ps->keep_st = NULL;
	if (ps->tmpdir.len)
		(void)rmdir(ps->tmpdir.buf);
	strbuf_release(&ps->tmpdir);
}

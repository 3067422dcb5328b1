/* test-tmpdir: the unit tests' scratch directory (tmpdir.h): made under TMPDIR, a TMPDIR too long
 * refused, removed whole (unreadable and unwritable directories, a branch deeper than PATH_MAX)
 * without following a link out of it, a store created in it, the cmocka fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "store/store.h"
#include "tmpdir.h"

/* Each test: an outer scratch directory, and TMPDIR pointing into it (restored after). */
struct fixture {
	char outer[64];
	char *old_tmpdir;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *old = getenv("TMPDIR");

	if (tmpdir_make(f->outer, sizeof(f->outer), "tmpdir") < 0)
		return -1;
	f->old_tmpdir = old ? strdup(old) : NULL;
	setenv("TMPDIR", f->outer, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->old_tmpdir)
		setenv("TMPDIR", f->old_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(f->old_tmpdir);
	if (tmpdir_remove(f->outer) < 0)
		return -1;
	free(f);
	return 0;
}

static void touch(const char *dir, const char *name)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("x\n", fp);
	assert_int_equal(fclose(fp), 0);
}

static void sub(char *buf, size_t cap, const char *dir, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

static void test_made_under_tmpdir(void **state)
{
	struct fixture *f = *state;
	char dir[64], want[80];
	struct stat sb;

	assert_int_equal(tmpdir_make(dir, sizeof(dir), "unit"), 0);
	snprintf(want, sizeof(want), "%s/mamori-unit-", f->outer);
	assert_int_equal(strncmp(dir, want, strlen(want)), 0);
	assert_int_equal(strlen(dir), strlen(want) + 6);
	assert_int_equal(lstat(dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* TMPDIR empty: /tmp */
	setenv("TMPDIR", "", 1);
	assert_int_equal(tmpdir_make(want, sizeof(want), "unit"), 0);
	assert_int_equal(strncmp(want, "/tmp/mamori-unit-", 17), 0);
	assert_int_equal(tmpdir_remove(want), 0);
}

static void test_long_tmpdir_refused(void **state)
{
	char dir[64], longer[128], name[80];

	(void)state;
	memset(longer, 'a', sizeof(longer) - 1);
	longer[0] = '/';
	longer[sizeof(longer) - 1] = 0;
	setenv("TMPDIR", longer, 1);
	assert_int_equal(tmpdir_make(dir, sizeof(dir), "unit"), -1);
	/* one byte short of the name and its terminator: refused, nothing made */
	setenv("TMPDIR", "/tmp", 1);
	assert_int_equal(tmpdir_make(name, strlen("/tmp/mamori-unit-XXXXXX"), "unit"), -1);
	assert_int_equal(tmpdir_make(name, strlen("/tmp/mamori-unit-XXXXXX") + 1, "unit"), 0);
	assert_int_equal(tmpdir_remove(name), 0);
}

static void test_removed_whole_links_not_followed(void **state)
{
	struct fixture *f = *state;
	char dir[64], outside[64], p[256], q[256];
	struct stat sb;

	assert_int_equal(tmpdir_make(dir, sizeof(dir), "unit"), 0);
	assert_int_equal(tmpdir_make(outside, sizeof(outside), "outside"), 0);
	touch(outside, "keep");
	/* nested directories and files */
	sub(p, sizeof(p), dir, "a");
	assert_int_equal(mkdir(p, 0755), 0);
	sub(p, sizeof(p), dir, "a/b");
	assert_int_equal(mkdir(p, 0755), 0);
	touch(p, "file");
	/* a directory nobody may read or search, with a file in it */
	sub(p, sizeof(p), dir, "closed");
	assert_int_equal(mkdir(p, 0755), 0);
	touch(p, "inside");
	assert_int_equal(chmod(p, 0), 0);
	/* a directory nobody may write to, with a file in it */
	sub(p, sizeof(p), dir, "readonly");
	assert_int_equal(mkdir(p, 0755), 0);
	touch(p, "inside");
	assert_int_equal(chmod(p, 0555), 0);
	/* a branch deeper than PATH_MAX (25 names of 200 bytes), built one level at a time */
	{
		char seg[201];
		int fd, next;

		memset(seg, 'd', 200);
		seg[200] = 0;
		sub(p, sizeof(p), dir, "a");
		fd = open(p, O_RDONLY | O_DIRECTORY);
		assert_true(fd >= 0);
		for (int i = 0; i < 25; i++) {
			assert_int_equal(mkdirat(fd, seg, 0755), 0);
			next = openat(fd, seg, O_RDONLY | O_DIRECTORY);
			assert_true(next >= 0);
			close(fd);
			fd = next;
		}
		next = openat(fd, "deep-file", O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(next >= 0);
		close(next);
		close(fd);
	}
	/* links out of it: to a directory and to a file */
	sub(p, sizeof(p), dir, "to-dir");
	assert_int_equal(symlink(outside, p), 0);
	sub(p, sizeof(p), dir, "to-file");
	sub(q, sizeof(q), outside, "keep");
	assert_int_equal(symlink(q, p), 0);

	assert_int_equal(tmpdir_remove(dir), 0);
	assert_int_equal(lstat(dir, &sb), -1);
	assert_int_equal(errno, ENOENT);
	/* what the links pointed to is still there */
	assert_int_equal(lstat(q, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	/* gone already: not an error */
	assert_int_equal(tmpdir_remove(dir), 0);
	/* a file */
	assert_int_equal(tmpdir_remove(q), 0);
	assert_int_equal(lstat(q, &sb), -1);
	(void)f;
}

static void test_store_created(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct store *st = NULL;
	char dir[64], other[64], p[128];
	struct stat sb;

	(void)f;
	assert_int_equal(tmpdir_make(dir, sizeof(dir), "unit"), 0);
	assert_int_equal(tmpdir_store(dir, 0, &st, &err), 0);
	assert_non_null(st);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	store_close(st);
	/* st NULL: made, then closed; it opens without STORE_CREATE */
	assert_int_equal(tmpdir_make(other, sizeof(other), "unit"), 0);
	assert_int_equal(tmpdir_store(other, 0, NULL, &err), 0);
	sub(p, sizeof(p), other, "mamori.db");
	assert_int_equal(stat(p, &sb), 0);
	st = NULL;
	assert_int_equal(store_open(other, 0, &st, &err), 0);
	store_close(st);
	strbuf_release(&err);
}

static void test_cmocka_fixture(void **state)
{
	struct fixture *f = *state;
	void *inner = NULL;
	struct tmpdir_fixture *t;
	char want[80], p[128], dir[64];
	struct stat sb;

	assert_int_equal(tmpdir_setup_store(&inner), 0);
	t = inner;
	/* under TMPDIR, named for the test program */
	snprintf(want, sizeof(want), "%s/mamori-%s-", f->outer, program_invocation_short_name);
	assert_int_equal(strncmp(t->dir, want, strlen(want)), 0);
	assert_int_equal(t->err.len, 0);
	sub(p, sizeof(p), t->dir, "mamori.db");
	assert_int_equal(stat(p, &sb), 0);
	snprintf(dir, sizeof(dir), "%s", t->dir);
	assert_int_equal(tmpdir_teardown(&inner), 0);
	assert_int_equal(lstat(dir, &sb), -1);
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_made_under_tmpdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_tmpdir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_whole_links_not_followed, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmocka_fixture, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

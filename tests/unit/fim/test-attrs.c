/* test-attrs: each attribute a rule names, changed alone, is found and named alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "tree.h"

/*
 * One file per attribute under x/, each watched for that attribute only (AIDE's letters:
 * ftype p u g s m c i n l sha256); x itself for none (E). After each file's one change, the
 * report names each file with exactly its attribute.
 */
static void test_each_attribute_alone(void **state)
{
	static const char *const names[] = { "ctime", "gid",    "inode", "link", "mode", "mtime",
		                             "nlink", "sha256", "size",  "type", "uid" };
	char p[600], q[600], b[600];
	uint8_t sha[32];
	struct fim_report rep;
	struct stat st;
	struct fim_config *c = config("ROOT/x E\n"
	                              "ROOT/x/type$ ftype\nROOT/x/mode$ p\nROOT/x/uid$ u\n"
	                              "ROOT/x/gid$ g\nROOT/x/size$ s\nROOT/x/mtime$ m\n"
	                              "ROOT/x/ctime$ c\nROOT/x/inode$ i\nROOT/x/nlink$ n\n"
	                              "ROOT/x/link$ l\nROOT/x/sha256$ sha256\n");
	char *text;

	(void)state;
	mk("x");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char rel[32];
		snprintf(rel, sizeof(rel), "x/%s", names[i]);
		if (strcmp(names[i], "link") != 0) {
			write_file(rel, "four");
		} else {
			path(p, sizeof(p), rel);
			assert_int_equal(symlink("mode", p), 0);
		}
	}
	path(b, sizeof(b), "attrs.base");
	baseline(c, b, sha);
	compare(c, b, sha, &rep);
	assert_false(fim_report_changed(&rep));
	fim_report_release(&rep);
	/* past the file system's timestamp granularity, so that a new ctime differs */
	nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);

	path(p, sizeof(p), "x/type"); /* a file becomes a symbolic link */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("mode", p), 0);
	path(p, sizeof(p), "x/mode");
	assert_int_equal(chmod(p, 0600), 0);
	path(p, sizeof(p), "x/uid");
	assert_int_equal(chown(p, 4242, (gid_t)-1), 0);
	path(p, sizeof(p), "x/gid");
	assert_int_equal(chown(p, (uid_t)-1, 4242), 0);
	append_file("x/size", " more");
	path(p, sizeof(p), "x/mtime");
	struct timespec old[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = 1000000000 } };
	assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0);
	path(p, sizeof(p), "x/ctime"); /* the same mode again: only the ctime moves */
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(chmod(p, st.st_mode & 07777), 0);
	write_file("x/inode.new", "four"); /* a copy renamed over it: another inode */
	path(p, sizeof(p), "x/inode.new");
	path(q, sizeof(q), "x/inode");
	assert_int_equal(rename(p, q), 0);
	path(p, sizeof(p), "x/nlink"); /* a second name, outside what is watched */
	path(q, sizeof(q), "hard");
	assert_int_equal(link(p, q), 0);
	path(p, sizeof(p), "x/link"); /* retargeted */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("size", p), 0);
	path(p, sizeof(p), "x/sha256"); /* other content of the same size, the times put back */
	assert_int_equal(stat(p, &st), 0);
	write_file("x/sha256", "FOUR");
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);

	compare(c, b, sha, &rep);
	text = report_text(&rep);
	assert_string_equal(text, "changed: /x/ctime (ctime)\n"
	                          "changed: /x/gid (gid)\n"
	                          "changed: /x/inode (inode)\n"
	                          "changed: /x/link (link)\n"
	                          "changed: /x/mode (mode)\n"
	                          "changed: /x/mtime (mtime)\n"
	                          "changed: /x/nlink (nlink)\n"
	                          "changed: /x/sha256 (sha256)\n"
	                          "changed: /x/size (size)\n"
	                          "changed: /x/type (type)\n"
	                          "changed: /x/uid (uid)\n");
	free(text);
	fim_report_release(&rep);
	fim_config_free(c);
}

/*
 * Names with a newline or bytes that are not UTF-8 are stored exactly (a baseline of them
 * compares clean, each found again by its bytes) and printed escaped on one line.
 */
static void test_odd_names_stored_exactly(void **state)
{
	char b[600];
	uint8_t sha[32];
	struct fim_report rep;
	struct fim_config *c = config("ROOT/o p+u+g+s+sha256\n");
	char *text;

	(void)state;
	mk("o");
	write_file("o/new\nline", "1");
	write_file("o/bad\xff\xfe", "2");
	write_file("o/bad\xff", "3");
	write_file("o/\xe6\x97\xa5\xe6\x9c\xac", "4"); /* 日本 */
	path(b, sizeof(b), "names.base" /* not under ROOT/o: rules are regular expressions */);
	baseline(c, b, sha);
	compare(c, b, sha, &rep);
	assert_false(fim_report_changed(&rep));
	fim_report_release(&rep);
	write_file("o/bad\xff\xfe", "two");
	write_file("o/new\nline", "one");
	compare(c, b, sha, &rep);
	text = report_text(&rep);
	assert_string_equal(text, "changed: /o/bad\\xff\\xfe (size, sha256)\n"
	                          "changed: /o/new\\nline (size, sha256)\n");
	free(text);
	fim_report_release(&rep);
	fim_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_attribute_alone),
		cmocka_unit_test(test_odd_names_stored_exactly),
	};
	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}

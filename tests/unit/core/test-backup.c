/* test-backup: the file digest a backup records, and its errors. */
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
#include <unistd.h>

#include "core/backup.h"
#include "tmpdir.h"

static void test_digest_of_a_file(void **state)
{
	struct tmpdir_fixture *fx = *state;
	char path[sizeof(fx->dir) + 8];
	char hex[65];
	uint64_t bytes = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/abc", fx->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(backup_file_sha256(path, hex, &bytes, &fx->err), 0);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(bytes, 3);
}

static void test_errors_keep_their_code_and_leave_outputs(void **state)
{
	char hex[65] = "untouched";
	uint64_t bytes = 7;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(backup_file_sha256("/nonexistent/mamori.db", hex, &bytes, &err), -ENOENT);
	assert_non_null(strstr(err.buf, "/nonexistent/mamori.db"));
	assert_non_null(strstr(err.buf, strerror(ENOENT)));
	assert_string_equal(hex, "untouched");
	assert_int_equal(bytes, 7);
	/* a directory opens but cannot be read: the read's own code, not close()'s */
	strbuf_reset(&err);
	assert_int_equal(backup_file_sha256("/tmp", hex, &bytes, &err), -EISDIR);
	assert_non_null(strstr(err.buf, strerror(EISDIR)));
	assert_string_equal(hex, "untouched");
	assert_int_equal(bytes, 7);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_digest_of_a_file, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test(test_errors_keep_their_code_and_leave_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

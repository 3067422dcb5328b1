/* test-strbuf: growth, formatting, hex, trimming, file and line reading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "tmpdir.h"

static void test_empty_is_terminated(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
	assert_string_equal(sb.buf, "");
}

static void test_add_and_grow(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&sb, "abc");
	assert_int_equal(sb.len, 3000);
	assert_int_equal(sb.buf[3000], '\0');
	assert_true(sb.alloc > sb.len);
	strbuf_addch(&sb, 'z');
	assert_int_equal(sb.buf[3000], 'z');
	strbuf_setlen(&sb, 2);
	assert_string_equal(sb.buf, "ab");
	strbuf_release(&sb);
}

static void test_addf_long(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char big[500];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addf(&sb, "%d-%s-%s", 42, "日本語", big);
	assert_int_equal(sb.len, strlen("42-日本語-") + 499);
	assert_memory_equal(sb.buf, "42-日本語-x", strlen("42-日本語-x"));
	strbuf_release(&sb);
}

static void test_hex_trim_detach(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char bytes[] = { 0x00, 0xab, 0xff };
	size_t len;

	strbuf_addhex(&sb, bytes, sizeof(bytes));
	assert_string_equal(sb.buf, "00abff");
	strbuf_addstr(&sb, " \t\r\n");
	strbuf_rtrim(&sb);
	assert_string_equal(sb.buf, "00abff");
	char *p = strbuf_detach(&sb, &len);
	assert_int_equal(len, 6);
	assert_string_equal(p, "00abff");
	assert_string_equal(sb.buf, "");
	free(p);
}

static void test_error_set_replaces(void **state)
{
	struct strbuf err = STRBUF_INIT;

	error_set(&err, "first %d", 1);
	error_set(&err, "second '%s'", "x");
	assert_string_equal(err.buf, "second 'x'");
	error_set(NULL, "ignored");
	strbuf_release(&err);
}

static void test_read_file_and_lines(void **state)
{
	struct tmpdir_fixture *fx = *state;
	char path[sizeof(fx->dir) + 8];
	struct strbuf sb = STRBUF_INIT;
	int fd;

	snprintf(path, sizeof(path), "%s/lines", fx->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "one\r\ntwo\nthree", 14), 14);
	close(fd);
	assert_int_equal(strbuf_read_file(&sb, path, 0), 0);
	assert_int_equal(sb.len, 14);
	strbuf_reset(&sb);
	assert_int_equal(strbuf_read_file(&sb, path, 10), -EFBIG);
	assert_int_equal(strbuf_read_file(&sb, "/nonexistent/x", 0), -ENOENT);

	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(strbuf_getline(&sb, f), 0);
	assert_string_equal(sb.buf, "one");
	assert_int_equal(strbuf_getline(&sb, f), 0);
	assert_string_equal(sb.buf, "two");
	assert_int_equal(strbuf_getline(&sb, f), 0);
	assert_string_equal(sb.buf, "three");
	assert_int_equal(strbuf_getline(&sb, f), EOF);
	fclose(f);
	strbuf_release(&sb);
}

static void test_release_secret(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "correct horse battery staple");
	strbuf_release_secret(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_terminated),
		cmocka_unit_test(test_add_and_grow),
		cmocka_unit_test(test_addf_long),
		cmocka_unit_test(test_hex_trim_detach),
		cmocka_unit_test(test_error_set_replaces),
		cmocka_unit_test_setup_teardown(test_read_file_and_lines, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test(test_release_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

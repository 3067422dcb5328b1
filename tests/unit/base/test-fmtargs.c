/* test-fmtargs: a printf-style message's arguments rendered one by one and put back into a
 * translated format, in order or by position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/fmtargs.h"

static void __attribute__((format(printf, 2, 3))) capture(struct fmtargs *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	assert_int_equal(fmtargs_capture(a, fmt, ap), 0);
	va_end(ap);
}

static void test_each_argument_alone(void **state)
{
	struct fmtargs a = { 0 };

	(void)state;
	capture(&a, "'%s' cannot approve request %lld (%zu left, %d%%, %.3s, %x, %u)", "sato",
	        (long long)12, (size_t)3, -7, "abcdef", 255u, 4000000000u);
	assert_int_equal(a.n, 7);
	assert_string_equal(a.v[0], "sato");
	assert_string_equal(a.v[1], "12");
	assert_string_equal(a.v[2], "3");
	assert_string_equal(a.v[3], "-7");
	assert_string_equal(a.v[4], "abc");
	assert_string_equal(a.v[5], "ff");
	assert_string_equal(a.v[6], "4000000000");
	fmtargs_release(&a);
	assert_null(a.v);
	assert_int_equal(a.n, 0);
}

static void test_star_and_lengths(void **state)
{
	struct fmtargs a = { 0 };

	(void)state;
	capture(&a, "%*d|%.*s|%c|%g|%-4ld", 5, 42, 2, "xyz", 'k', 1.5, -3L);
	assert_int_equal(a.n, 5);
	assert_string_equal(a.v[0], "42");
	assert_string_equal(a.v[1], "xy");
	assert_string_equal(a.v[2], "k");
	assert_string_equal(a.v[3], "1.5");
	assert_string_equal(a.v[4], "-3");
	fmtargs_release(&a);
}

/* A number's zeros are its form (mode %04o, byte 0x%02x, U+%04X, migration %04d) and are kept,
 * as the English has them; a width of spaces, or '-', is not (it was "770", "a", "E9", "30"). */
static void test_zero_padding(void **state)
{
	struct fmtargs a = { 0 };

	(void)state;
	capture(&a, "%04o|%02x|U+%04X|%#x|%05d|%-4d|%4d|%04d|%04zu|%#o", 0770u, 0xau, 0xe9u, 255u,
	        -7, 5, 5, 30, (size_t)12, 8u);
	assert_int_equal(a.n, 10);
	assert_string_equal(a.v[0], "0770");
	assert_string_equal(a.v[1], "0a");
	assert_string_equal(a.v[2], "00E9");
	assert_string_equal(a.v[3], "0xff");
	assert_string_equal(a.v[4], "-0007");
	assert_string_equal(a.v[5], "5");
	assert_string_equal(a.v[6], "5");
	assert_string_equal(a.v[7], "0030");
	assert_string_equal(a.v[8], "0012");
	assert_string_equal(a.v[9], "010");
	fmtargs_release(&a);
}

static const char *names(void *ctx, const char *arg)
{
	(void)ctx;
	return !strcmp(arg, "sato") ? "佐藤花子" : NULL;
}

static void test_render_in_order_and_by_position(void **state)
{
	struct fmtargs a = { 0 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	capture(&a, "'%s' cannot start from state '%s' of record %lld", "sato", "在庫",
	        (long long)9);
	fmtargs_render(&sb, "%sは%sから%lldへ 100%%", &a, NULL, NULL);
	assert_string_equal(sb.buf, "satoは在庫から9へ 100%");
	strbuf_reset(&sb);
	/* a translation reorders its arguments by position; a map names ids */
	fmtargs_render(&sb, "記録 %3$lld の「%2$s」：%1$s", &a, names, NULL);
	assert_string_equal(sb.buf, "記録 9 の「在庫」：佐藤花子");
	strbuf_reset(&sb);
	/* an argument the message does not have is left out, never read past the end */
	fmtargs_render(&sb, "%s %s %s %s|%9$s", &a, NULL, NULL);
	assert_string_equal(sb.buf, "sato 在庫 9 |");
	strbuf_reset(&sb);
	/* a stray % at the end is copied as it is */
	fmtargs_render(&sb, "50%", &a, NULL, NULL);
	assert_string_equal(sb.buf, "50%");
	strbuf_release(&sb);
	fmtargs_release(&a);
}

static void test_refused_formats(void **state)
{
	(void)state;
	assert_int_equal(fmtargs_count("%s and %lld and %%"), 2);
	assert_int_equal(fmtargs_count("%1$s"), -1);
	assert_int_equal(fmtargs_count("%n"), -1);
	assert_int_equal(fmtargs_count("plain"), 0);
}

static void test_copy(void **state)
{
	struct fmtargs a = { 0 }, b = { 0 };

	(void)state;
	capture(&a, "%s-%d", "x", 1);
	fmtargs_copy(&b, &a);
	fmtargs_release(&a);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.v[0], "x");
	assert_string_equal(b.v[1], "1");
	fmtargs_release(&b);
}

static void test_left_out(void **state)
{
	struct fmtargs a = { 0 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	capture(&a, "field '%s' (%s) is required", "return_due", "返却予定日");
	/* %.0s names an argument without showing it: a translation that drops an id */
	fmtargs_render(&sb, "%1$.0s項目「%2$s」は必須です", &a, NULL, NULL);
	assert_string_equal(sb.buf, "項目「返却予定日」は必須です");
	strbuf_release(&sb);
	fmtargs_release(&a);
}

/* error_set keeps its message id while captured, and only while err still holds its message */
static void test_error_capture(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct fmtargs a = { 0 };
	const char *fmt;

	(void)state;
	error_set(&err, "not captured %d", 1);
	error_capture_begin();
	error_set(&err, "field '%s' (%s) must be a date (YYYY-MM-DD), not '%s'", "due", "期日",
	          "2026-13-45");
	fmt = error_capture_end(&err, &a);
	assert_non_null(fmt);
	assert_string_equal(fmt, "field '%s' (%s) must be a date (YYYY-MM-DD), not '%s'");
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[2], "2026-13-45");
	fmtargs_release(&a);

	/* the message changed after error_set: its id no longer says it */
	error_capture_begin();
	error_set(&err, "no record %lld", (long long)4);
	strbuf_addstr(&err, " (line 3)");
	assert_null(error_capture_end(&err, &a));
	assert_int_equal(a.n, 0);

	/* "%s" passes on a message made before: the earlier id stays when the text is the same */
	error_capture_begin();
	error_set(&err, "no record %lld", (long long)5);
	error_set(&err, "%s", "no record 5");
	fmt = error_capture_end(&err, &a);
	assert_non_null(fmt);
	assert_string_equal(fmt, "no record %lld");
	fmtargs_release(&a);

	/* not captured once ended */
	error_set(&err, "no record %lld", (long long)6);
	error_capture_begin();
	assert_null(error_capture_end(&err, &a));
	strbuf_release(&err);
}

/* captures nest: the CLI's outer one keeps the last error after the door's inner one ends */
static void test_error_capture_nested(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct fmtargs a = { 0 };
	const char *fmt;

	(void)state;
	error_capture_begin(); /* the CLI's, for the whole command */
	error_capture_begin(); /* the door's, for one act */
	error_set(&err, "no section '%s'; see 'mamori section list'", "kaikei");
	fmt = error_capture_end(&err, &a);
	assert_non_null(fmt);
	assert_string_equal(a.v[0], "kaikei");
	fmtargs_release(&a);
	/* the act's error passed on by "%s" (door-batch.c) is still known to the outer capture */
	error_set(&err, "%s", "no section 'kaikei'; see 'mamori section list'");
	fmt = error_captured(err.buf, &a);
	assert_non_null(fmt);
	assert_string_equal(fmt, "no section '%s'; see 'mamori section list'");
	assert_int_equal(a.n, 1);
	fmtargs_release(&a);
	assert_null(error_captured("another message", &a));
	assert_int_equal(a.n, 0);
	/* the outer capture goes on: a later error is the last, and the one before is still known
	 * by its text (said inside a later one's message: "…: %s", why.buf), until four newer */
	error_set(&err, "no user '%s'", "x");
	assert_non_null(error_captured("no user 'x'", NULL));
	assert_non_null(error_captured("no section 'kaikei'; see 'mamori section list'", NULL));
	for (int i = 0; i < 3; i++)
		error_set(&err, "no record %d", i);
	assert_null(error_captured("no section 'kaikei'; see 'mamori section list'", NULL));
	assert_non_null(error_captured("no user 'x'", NULL));
	assert_non_null(error_capture_end(&err, &a));
	fmtargs_release(&a);
	/* an error set before an inner capture begins stays known through it (a password the
	 * door checked before its act) */
	error_capture_begin();
	error_set(&err, "password is too short: %zu characters", (size_t)5);
	error_capture_begin();
	error_capture_end(NULL, NULL);
	assert_non_null(error_captured("password is too short: 5 characters", NULL));
	error_capture_end(NULL, NULL);
	/* all ended: nothing is captured */
	error_set(&err, "no user '%s'", "y");
	assert_null(error_captured("no user 'y'", NULL));
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_argument_alone),
		cmocka_unit_test(test_star_and_lengths),
		cmocka_unit_test(test_zero_padding),
		cmocka_unit_test(test_render_in_order_and_by_position),
		cmocka_unit_test(test_refused_formats),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_left_out),
		cmocka_unit_test(test_error_capture),
		cmocka_unit_test(test_error_capture_nested),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

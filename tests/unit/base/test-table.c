/* test-table: columns line up by display width, with Japanese text and right alignment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/table.h"

static void test_japanese_alignment(void **state)
{
	struct table t;
	struct strbuf out = STRBUF_INIT;

	table_init(&t, 3, (const char *[]){ "ID", "名称", "課" });
	table_add(&t, (const char *[]){ "a1", "住民票", "区民課" });
	table_add(&t, (const char *[]){ "a22", "tax", NULL });
	table_render(&t, &out);
	assert_string_equal(out.buf, "ID   名称    課\n"
	                             "---  ------  ------\n"
	                             "a1   住民票  区民課\n"
	                             "a22  tax     -\n");
	table_release(&t);
	strbuf_release(&out);
}

static void test_right_align_and_control_chars(void **state)
{
	struct table t;
	struct strbuf out = STRBUF_INIT;

	table_init(&t, 2, (const char *[]){ "name", "count" });
	t.right_align = 1u << 1;
	table_add(&t, (const char *[]){ "a\tb\x1b", "7" });
	table_add(&t, (const char *[]){ "c", "1234" });
	table_render(&t, &out);
	assert_string_equal(out.buf, "name  count\n"
	                             "----  -----\n"
	                             "a?b?      7\n"
	                             "c      1234\n");
	table_release(&t);
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_japanese_alignment),
		cmocka_unit_test(test_right_align_and_control_chars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

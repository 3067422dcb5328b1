/* test-i18n: the embedded Japanese catalog loads and each thread keeps its own language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "web/i18n.h"

static void test_catalog(void **state)
{
	assert_int_equal(i18n_check_catalog(), 0);
	i18n_set_lang(WEB_LANG_JA);
	assert_string_equal(_("Log in"), "ログイン");
	assert_string_equal(_("Dashboard"), "ダッシュボード");
	/* a format with an <inttypes.h> macro is found as the platform spells it */
	assert_string_equal(_("no file integrity report %" PRId64),
	                    "ファイル改ざん検知の報告 %" PRId64 " はありません");
	/* PRIx32 too (the ledger's note signatures name a key by it) */
	assert_string_equal(_("signature by '%s' (key %08" PRIx32 ") does not verify"),
	                    "「%s」の署名（鍵 %08" PRIx32 "）を検証できません");
	/* not in the catalog: the English id itself */
	assert_string_equal(_("no such message 12345"), "no such message 12345");
	assert_string_equal(_(""), "");
	i18n_set_lang(WEB_LANG_EN);
	assert_string_equal(_("Log in"), "Log in");
	i18n_set_lang(WEB_LANG_JA);
}

static void *english_thread(void *arg)
{
	i18n_set_lang(WEB_LANG_EN);
	return (void *)(uintptr_t)!strcmp(_("Log in"), "Log in");
}

static void test_per_thread(void **state)
{
	pthread_t t;
	void *ok;

	i18n_set_lang(WEB_LANG_JA);
	pthread_create(&t, NULL, english_thread, NULL);
	pthread_join(t, &ok);
	assert_true((uintptr_t)ok);
	assert_string_equal(_("Log in"), "ログイン");
}

static void test_lang_codes(void **state)
{
	assert_int_equal(i18n_lang_parse("ja"), WEB_LANG_JA);
	assert_int_equal(i18n_lang_parse("en"), WEB_LANG_EN);
	assert_int_equal(i18n_lang_parse("fr"), -1);
	assert_int_equal(i18n_lang_parse(NULL), -1);
	assert_string_equal(i18n_lang_code(WEB_LANG_EN), "en");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_per_thread),
		cmocka_unit_test(test_lang_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

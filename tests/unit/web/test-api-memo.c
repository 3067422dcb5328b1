/* test-api-memo: a worker reuses an API token's identity only while nothing it rests on changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "base/cleanup.h"
#include "web/api-memo.h"
#include "web/session.h"
#include "web/web.h"

#define D1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D2 "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct web_user *user(int64_t until)
{
	struct web_user *u = xcalloc(1, sizeof(*u));

	u->id = 3;
	u->login = xstrdup("sato");
	u->name = xstrdup("佐藤");
	u->section = xstrdup("zeimu");
	u->employment = NULL;
	u->n_roles = 2;
	u->roles = xcalloc(2, sizeof(*u->roles));
	u->roles[0] = xstrdup("staff@section:zeimu");
	u->roles[1] = xstrdup("mamori_admin@org");
	u->admin = true;
	u->roles_until_ms = until;
	return u;
}

static bool get(struct web_api_memo *m, const char *digest, int64_t stamp, int64_t now,
                struct web_user **u, int64_t *id, char scope[16], int64_t *last)
{
	*u = NULL;
	return web_api_memo_get(m, digest, stamp, now, u, id, scope, last);
}

static void test_reused_while_unchanged(void **state)
{
	struct web_api_memo m = { 0 };
	struct web_user *u = user(5000), *got;
	int64_t id = 0, last = 0;
	char scope[16] = "";

	(void)state;
	/* empty: nothing */
	assert_false(get(&m, D1, 7, 1000, &got, &id, scope, &last));
	web_api_memo_put(&m, D1, 7, u, 42, "api", 900);
	web_user_free(u); /* the memo holds its own copy */
	assert_true(get(&m, D1, 7, 1000, &got, &id, scope, &last));
	assert_int_equal(id, 42);
	assert_string_equal(scope, "api");
	assert_int_equal(last, 900);
	assert_string_equal(got->login, "sato");
	assert_string_equal(got->section, "zeimu");
	assert_null(got->employment);
	assert_int_equal(got->n_roles, 2);
	assert_string_equal(got->roles[1], "mamori_admin@org");
	assert_true(got->admin);
	/* the copy given is the caller's: freeing it leaves the memo whole */
	web_user_free(got);
	assert_true(get(&m, D1, 7, 4999, &got, &id, scope, &last));
	assert_string_equal(got->roles[0], "staff@section:zeimu");
	web_user_free(got);
	web_api_memo_clear(&m);
	assert_false(get(&m, D1, 7, 1000, &got, &id, scope, &last));
	assert_null(got);
}

static void test_dropped_when_anything_moved(void **state)
{
	struct web_api_memo m = { 0 };
	struct web_user *u = user(5000), *got;
	int64_t id = 0, last = 0;
	char scope[16] = "";

	(void)state;
	web_api_memo_put(&m, D1, 7, u, 42, "api", 900);
	/* a change of users, roles or tokens (by anyone) moved the stamp */
	assert_false(get(&m, D1, 8, 1000, &got, &id, scope, &last));
	assert_null(got);
	/* so did a restore to an older one: only equality counts */
	assert_false(get(&m, D1, 6, 1000, &got, &id, scope, &last));
	/* another token, or a prefix of this one */
	assert_false(get(&m, D2, 7, 1000, &got, &id, scope, &last));
	assert_false(get(&m, "0123", 7, 1000, &got, &id, scope, &last));
	/* a role starts or ends at 5000: from then on the roles are read again */
	assert_false(get(&m, D1, 7, 5000, &got, &id, scope, &last));
	assert_false(get(&m, D1, 7, 6000, &got, &id, scope, &last));
	assert_null(got);
	/* another identity put in its place replaces it */
	web_api_memo_put(&m, D2, 9, u, 43, "logs", 0);
	assert_false(get(&m, D1, 9, 1000, &got, &id, scope, &last));
	assert_true(get(&m, D2, 9, 1000, &got, &id, scope, &last));
	assert_int_equal(id, 43);
	assert_string_equal(scope, "logs");
	web_user_free(got);
	web_api_memo_clear(&m);
	web_user_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reused_while_unchanged),
		cmocka_unit_test(test_dropped_when_anything_moved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

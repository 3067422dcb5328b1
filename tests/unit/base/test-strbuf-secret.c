/* test-strbuf-secret: a secret strbuf leaves no copy behind. Linked with -Wl,--wrap=free, so
 * every buffer strbuf.c frees passes __wrap_free first, which looks at it before it goes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"

void __real_free(void *p);
void __wrap_free(void *p);

static const void *watched; /* a buffer strbuf.c is expected to free */
static size_t watched_len;
static bool watched_freed, watched_wiped;

void __wrap_free(void *p)
{
	if (p && p == watched) {
		const unsigned char *b = p;
		watched_wiped = true;
		for (size_t i = 0; i < watched_len; i++)
			watched_wiped = watched_wiped && b[i] == 0;
		watched_freed = true;
	}
	__real_free(p);
}

static void watch(const struct strbuf *sb)
{
	watched = sb->buf;
	watched_len = sb->len;
	watched_freed = watched_wiped = false;
}

static const char secret[] = "Kawa-Sora-Umi-2026!x";

static void test_growth_wipes_the_old_copy(void **state)
{
	struct strbuf pw = STRBUF_INIT_SECRET;

	strbuf_addstr(&pw, secret);
	watch(&pw);
	for (int i = 0; i < 100; i++) /* past the first allocation: it must move */
		strbuf_addstr(&pw, "0123456789");
	assert_true(watched_freed);
	assert_true(watched_wiped);
	assert_memory_equal(pw.buf, secret, strlen(secret)); /* the content moved along */
	assert_int_equal(pw.len, strlen(secret) + 1000);
	watch(&pw);
	strbuf_release(&pw); /* a secret is wiped on release too */
	assert_true(watched_freed && watched_wiped);
	assert_true(pw.secret); /* and stays a secret for reuse */
	strbuf_addstr(&pw, secret);
	watch(&pw);
	strbuf_reset(&pw);
	strbuf_grow(&pw, 4096);
	assert_true(watched_freed && watched_wiped);
	strbuf_release(&pw);
}

static void test_init_secret_and_plain_buffers(void **state)
{
	struct strbuf s, plain = STRBUF_INIT;

	strbuf_init_secret(&s, 8);
	strbuf_addstr(&s, secret);
	watch(&s);
	strbuf_addf(&s, "%0*d", 200, 7);
	assert_true(watched_freed && watched_wiped);
	strbuf_release(&s);
	/* A plain buffer is not a secret: growth is realloc's business, release only frees. */
	strbuf_addstr(&plain, "ordinary text");
	assert_false(plain.secret);
	strbuf_release(&plain);
	strbuf_init(&plain, 0);
	assert_false(plain.secret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth_wipes_the_old_copy),
		cmocka_unit_test(test_init_secret_and_plain_buffers),
	};
	return cmocka_run_group_tests_name("base-strbuf-secret", tests, NULL, NULL);
}

/* test-token-use: one request of the server writes an API token's use, at most once a minute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>

#include "web/token-use.h"

static void test_once_a_minute(void **state)
{
	const int64_t now = 1000000000, old = now - 2 * WEB_TOKEN_USE_MS;

	(void)state;
	/* stored use recent: nobody writes */
	assert_false(web_token_use_claim(7, now - 10 * 1000, now));
	/* stored use old: the first request writes, the ones that read the same old value don't */
	assert_true(web_token_use_claim(7, old, now));
	assert_false(web_token_use_claim(7, old, now));
	assert_false(web_token_use_claim(7, old, now + WEB_TOKEN_USE_MS));
	/* a minute later (the write failed, or another node's is older) it is written again */
	assert_true(web_token_use_claim(7, old, now + WEB_TOKEN_USE_MS + 1));
	/* another token is its own */
	assert_true(web_token_use_claim(8, old, now));
	assert_false(web_token_use_claim(8, old, now + 1));
	/* a token on the same slot takes it over, and the first writes again: more writes, never
	 * a use left unwritten past a minute */
	assert_true(web_token_use_claim(7 + 256, old, now));
	assert_true(web_token_use_claim(7, old, now + WEB_TOKEN_USE_MS + 2));
}

#define CLIENTS 32
static pthread_barrier_t start;

static void *client(void *arg)
{
	const int64_t now = 2000000000;

	(void)arg;
	pthread_barrier_wait(&start);
	return (void *)(intptr_t)web_token_use_claim(42, 0, now);
}

/* 32 clients on one token, all at once, as when the server starts: one write. */
static void test_one_of_many(void **state)
{
	pthread_t t[CLIENTS];
	int claimed = 0;

	(void)state;
	pthread_barrier_init(&start, NULL, CLIENTS);
	for (int i = 0; i < CLIENTS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, client, NULL), 0);
	for (int i = 0; i < CLIENTS; i++) {
		void *r;
		pthread_join(t[i], &r);
		claimed += (int)(intptr_t)r;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(claimed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once_a_minute),
		cmocka_unit_test(test_one_of_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

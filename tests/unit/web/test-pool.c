/* test-pool: a request's worker resources (web/http-pool.c): what a request reads with them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/setup.h"
#include "policy/policy.h"
#include "tmpdir.h"
#include "web/http-internal.h"
#include "web/web.h"

static void server_init(struct web_server *s, struct web_config *cfg, const char *dir)
{
	memset(s, 0, sizeof(*s));
	memset(cfg, 0, sizeof(*cfg));
	cfg->dir = dir;
	s->cfg = cfg;
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_mutex_init(&s->profile_lock, NULL);
}

static void server_release(struct web_server *s)
{
	for (size_t i = 0; i < s->n_pool; i++)
		thread_release(s->pool[i]);
	free(s->pool);
	profile_free(s->profile);
	for (size_t i = 0; i < s->n_old; i++)
		profile_free(s->old_profiles[i]);
	free(s->old_profiles);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_mutex_destroy(&s->profile_lock);
}

/* An API call as route_dispatch prepares it, given its resources and given them back. */
static void api_call(struct web_server *s, bool door_only, const struct profile **ret_profile)
{
	struct web_req r = { 0 };
	struct strbuf err = STRBUF_INIT;

	r.server = s;
	r.cfg = s->cfg;
	r.method = WEB_POST;
	r.api = true;
	r.door_only = door_only;
	assert_int_equal(web_thread_resources(&r, &err), 0);
	assert_non_null(r.st);
	*ret_profile = r.profile;
	web_thread_done(&r);
	assert_null(r.st);
	strbuf_release(&err);
}

/*
 * An API act whose route reads nothing before the door (ROUTE_DOOR_ONLY) neither reads the
 * change stamp nor loads the newest profile: the server's profile stays unloaded until a
 * request that needs it comes, and is then the one such an act is given.
 */
static void test_door_only_reads_no_profile(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct setup_options so = { .profile = "minato" };
	struct strbuf shown = STRBUF_INIT;
	struct web_server s;
	struct web_config cfg;
	const struct profile *p = NULL;

	assert_int_equal(setup_ward(f->dir, &so, &shown, &f->err), 0);
	strbuf_release_secret(&shown);
	server_init(&s, &cfg, f->dir);
	api_call(&s, true, &p);
	assert_null(p);
	assert_null(s.profile); /* not read */
	assert_int_equal(s.n_pool, 1);
	api_call(&s, false, &p);
	assert_non_null(s.profile); /* any other call loads it */
	assert_ptr_equal(p, s.profile);
	api_call(&s, true, &p);
	assert_ptr_equal(p, s.profile); /* the one the server holds */
	assert_int_equal(s.n_pool, 1);  /* the same resources each time */
	server_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_door_only_reads_no_profile, tmpdir_setup_store,
		                                tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test-act-wipe: the personal data an act's ledger entry seals beside it (its comment, field
 * values, message: act-write.c act_sealed) is wiped before its buffer goes back to malloc
 * (act_write freed it as it was). Linked with -Wl,--wrap=free: every block Mamori's own code
 * frees while the act runs passes __wrap_free, which looks for the sealed JSON's start in it.
 * jansson's frees are routed through it too (json_set_alloc_funcs); SQLite's are its own. The
 * field values are also in the records and acts tables, so their other copies are not looked
 * for.
 */
#include <jansson.h>
#include <malloc.h>
#include <stdatomic.h>

#include "fixture.h"

void __real_free(void *p);
void __wrap_free(void *p);
/* a sanitizer build prints where the block was freed; other builds link without it */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

#define COMMENT "WIPE-COMMENT-8d1f 住民の相談内容"
/* the sealed JSON's start (its keys sorted: the comment first) */
static const char sealed_start[] = "{\"comment\":\"" COMMENT;
static atomic_bool watching;
static atomic_int unwiped;

void __wrap_free(void *p)
{
	if (p && atomic_load(&watching)) {
		size_t n = malloc_usable_size(p);
		if (memmem(p, n, sealed_start, strlen(sealed_start))) {
			if (atomic_fetch_add(&unwiped, 1) < 3) {
				fprintf(stderr, "# freed unwiped (%zu bytes): %.60s\n", n,
				        (char *)p);
				if (__sanitizer_print_stack_trace)
					__sanitizer_print_stack_trace();
			}
		}
	}
	__real_free(p);
}

static void test_act_leaves_no_copy(void **state)
{
	struct fixture *f = *state;
	struct act_attr fields[] = { { "title", "相談記録" }, { "access_controlled", "true" } };
	struct act_input in = { .kind = ACT_RECORD, .actor = "sato", .register_id = "asset" };
	struct act_result res = ACT_RESULT_INIT;

	fx_section(f, "zeimu", "税務課");
	fx_user(f, "sato", "zeimu");
	in.fields = fields;
	in.n_fields = 2;
	in.level = "2";
	in.section = "zeimu";
	in.comment = COMMENT;
	atomic_store(&watching, true);
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	atomic_store(&watching, false);
	act_result_release(&res);
	assert_int_equal(atomic_load(&unwiped), 0);
}

/* jansson's own frees (a shared library: --wrap does not see them) are looked at too: the
 * copies json_dumps left as it grew its buffer. */
static void jansson_free(void *p)
{
	free(p); /* (__wrap_free) */
}

int main(void)
{
	json_set_alloc_funcs(malloc, jansson_free);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_act_leaves_no_copy, fixture_setup,
		                                fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

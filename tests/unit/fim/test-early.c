/* test-early: a baseline whose walk begins before its header is known (fim init walks while
 * the door opens): records waiting in memory, the header put before them, a walk stopped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/compare.h"
#include "tree.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/* n files under ROOT/many/, names long enough that their records pass FIM_WALK_WAITING */
static void many_files(unsigned n)
{
	char rel[128];

	path(rel, sizeof(rel), "many");
	if (exists(rel))
		return;
	mk("many");
	for (unsigned i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "many/a-file-with-a-name-long-enough-%06u.conf", i);
		write_file(rel, "x = 1\n");
	}
}

static void header(struct fim_baseline_info *h)
{
	memset(h, 0, sizeof(*h));
	h->kind = FIM_BASELINE_KIND;
	h->generation = 7;
	h->created_ms = 1733400000000;
	snprintf(h->host, sizeof(h->host), "local");
	snprintf(h->config, sizeof(h->config), "/etc/aide/aide.conf");
	memset(h->config_sha256, 0xab, 32);
}

/* Records added before the header, then the header: the same file, byte for byte, as with
 * the header first; more than one flush's worth waited, so begin writes them at once. */
static void test_header_later(void **state)
{
	struct fim_baseline_writer *now = NULL, *later = fim_bw_open_later();
	struct fim_baseline_info h;
	struct strbuf err = STRBUF_INIT;
	char a[600], b[600], p[64];
	uint8_t sha_a[32], sha_b[32];
	struct fim_baseline_reader *r = NULL;

	header(&h);
	path(a, sizeof(a), "later-a");
	path(b, sizeof(b), "later-b");
	assert_int_equal(fim_bw_open(a, &h, &now, &err), 0);
	for (unsigned i = 0; i < 2000; i++) {
		struct fim_entry e = { .type = FIM_TYPE_FILE, .size = i, .mode = 0644 };
		snprintf(p, sizeof(p), "/etc/file-%05u", i);
		e.path = p;
		e.path_len = strlen(p);
		assert_int_equal(fim_bw_add(now, 'E', &e, &err), 0);
		assert_int_equal(fim_bw_add(later, 'E', &e, &err), 0);
	}
	assert_true(fim_bw_buffered(later) > (64u << 10)); /* nothing written yet */
	assert_false(exists(b));
	assert_int_equal(fim_bw_begin(later, b, &h, &err), 0);
	/* once only */
	assert_int_equal(fim_bw_begin(later, b, &h, &err), -EINVAL);
	assert_int_equal(fim_bw_finish(now, key, sha_a, &err), 0);
	assert_int_equal(fim_bw_finish(later, key, sha_b, &err), 0);
	assert_memory_equal(sha_a, sha_b, 32);
	assert_int_equal(fim_br_open_file(b, sha_b, fim_key_public(key), &r, &err), 0);
	assert_int_equal(fim_br_info(r)->generation, 7);
	assert_int_equal(fim_br_info(r)->count, 2000);
	fim_br_close(r);
	strbuf_release(&err);
}

/* Without a header there is nothing to sign: finishing is refused and nothing is written. */
static void test_no_header(void **state)
{
	struct fim_baseline_writer *w = fim_bw_open_later();
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct fim_entry e = { .type = FIM_TYPE_FILE, .path = "/x", .path_len = 2 };

	assert_int_equal(fim_bw_add(w, 'E', &e, &err), 0);
	assert_int_equal(fim_bw_finish_mem(w, key, &out, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "no header"));
	assert_int_equal(out.len, 0);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* The walk runs ahead while the header is unknown, waits at FIM_WALK_WAITING bytes, and goes
 * on to the end once finish gives the header: every file is in the baseline, which compares
 * clean with the tree. */
static void test_walk_waits_for_header(void **state)
{
	struct fim_config *c = config("ROOT/many R\n");
	struct fim_baseline_walk *w = NULL;
	struct fim_baseline_info h;
	struct fim_scan_stats st = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct fim_scan_opts o = { .threads = 2 };
	struct fim_report rep;
	char b[600];
	uint8_t sha[32];

	header(&h);
	many_files(3000); /* about 0.5 MiB of records: more than waits */
	path(b, sizeof(b), "early.base");
	assert_int_equal(fim_baseline_walk_start(c, &o, &w, &err), 0);
	sleep_ms(300); /* the walk meets its bound meanwhile */
	assert_false(exists(b));
	assert_int_equal(fim_baseline_walk_finish(w, &h, b, key, sha, &st, &err), 0);
	assert_int_equal(st.entries, 3001); /* many/ and its files */
	assert_int_equal(st.hashed, 3000);
	compare(c, b, sha, &rep);
	assert_false(fim_report_changed(&rep));
	assert_int_equal(rep.entries, 3001);
	fim_report_release(&rep);
	strbuf_release(&err);
	fim_config_free(c);
}

/* A walk stopped before its header (the door refused, the configuration has a baseline):
 * it ends at its next entry, waiting or not, and leaves no file. */
static void test_walk_abort(void **state)
{
	struct fim_config *c = config("ROOT/many R\n");
	struct fim_baseline_walk *w = NULL;
	struct strbuf err = STRBUF_INIT;
	char b[600], tmp[640];

	many_files(3000);
	path(b, sizeof(b), "aborted.base");
	snprintf(tmp, sizeof(tmp), "%s.tmp", b);
	assert_int_equal(fim_baseline_walk_start(c, NULL, &w, &err), 0);
	sleep_ms(300); /* waiting at its bound */
	fim_baseline_walk_abort(w);
	/* at once, too */
	assert_int_equal(fim_baseline_walk_start(c, NULL, &w, &err), 0);
	fim_baseline_walk_abort(w);
	fim_baseline_walk_abort(NULL);
	assert_false(exists(b));
	assert_false(exists(tmp));
	strbuf_release(&err);
	fim_config_free(c);
}

/* The file cannot be made (its directory is not there): finish says so, stops the walk and
 * leaves nothing. */
static void test_walk_begin_fails(void **state)
{
	struct fim_config *c = config("ROOT/many R\n");
	struct fim_baseline_walk *w = NULL;
	struct fim_baseline_info h;
	struct strbuf err = STRBUF_INIT;
	char b[600];
	uint8_t sha[32];

	header(&h);
	path(b, sizeof(b), "no-such-dir/x.base");
	assert_int_equal(fim_baseline_walk_start(c, NULL, &w, &err), 0);
	assert_int_equal(fim_baseline_walk_finish(w, &h, b, key, sha, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.buf, "cannot create"));
	strbuf_release(&err);
	fim_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_later),          cmocka_unit_test(test_no_header),
		cmocka_unit_test(test_walk_waits_for_header), cmocka_unit_test(test_walk_abort),
		cmocka_unit_test(test_walk_begin_fails),
	};
	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}

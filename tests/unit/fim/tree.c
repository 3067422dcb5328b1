/* tree: what the fim unit tests share: a scratch tree under $TMPDIR (tmpdir.h), its
 * configuration, a signing key, baselines and comparisons of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tree.h"
#include "tmpdir.h"

char root[64];
struct fim_key *key;
static char keypath[600];

void path(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", root, rel);
}

void write_file(const char *rel, const char *content)
{
	char p[600];
	path(p, sizeof(p), rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

void append_file(const char *rel, const char *content)
{
	char p[600];
	path(p, sizeof(p), rel);
	FILE *f = fopen(p, "a");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

void mk(const char *rel)
{
	char p[600];
	path(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

struct fim_config *config(const char *body)
{
	struct fim_config *c = NULL;
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;

	/* every line of body is a rule relative to root: "ROOT" is replaced */
	for (const char *s = body; *s; s++) {
		if (!strncmp(s, "ROOT", 4)) {
			strbuf_addstr(&text, root);
			s += 3;
		} else {
			strbuf_addch(&text, *s);
		}
	}
	if (fim_config_parse("t.conf", text.buf, text.len, 0, &c, NULL, &err) < 0)
		fail_msg("%s", err.buf);
	strbuf_release(&text);
	strbuf_release(&err);
	return c;
}

int tree_setup(void **state)
{
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(tmpdir_make(root, sizeof(root), "fim"), 0);
	chmod(root, 0755);
	snprintf(keypath, sizeof(keypath), "%s.key", root);
	if (fim_key_load(keypath, true, &key, &err) < 0)
		fail_msg("%s", err.buf);
	strbuf_release(&err);
	return 0;
}

int tree_teardown(void **state)
{
	if (tmpdir_remove(root) < 0 || tmpdir_remove(keypath) < 0)
		return -1;
	fim_key_free(key);
	return 0;
}

/* Baseline of the tree under c at file b; returns its SHA-256 in sha. */
void baseline(const struct fim_config *c, const char *b, uint8_t sha[32])
{
	struct fim_baseline_info h = { .generation = 1, .created_ms = 1 };
	struct strbuf err = STRBUF_INIT;
	struct fim_scan_opts o = { .threads = 2 };

	if (fim_write_baseline(c, &o, &h, b, key, sha, NULL, &err) < 0)
		fail_msg("%s", err.buf);
	strbuf_release(&err);
}

void compare(const struct fim_config *c, const char *b, const uint8_t *sha, struct fim_report *rep)
{
	struct fim_baseline_reader *r = NULL;
	struct strbuf err = STRBUF_INIT;
	struct fim_scan_opts o = { .threads = 2 };

	memset(rep, 0, sizeof(*rep));
	if (fim_br_open_file(b, sha, fim_key_public(key), &r, &err) < 0)
		fail_msg("%s", err.buf);
	if (fim_compare(c, r, b, &o, key, rep, &err) < 0)
		fail_msg("%s", err.buf);
	fim_br_close(r);
	strbuf_release(&err);
}

char *report_text(const struct fim_report *rep)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	fim_report_text(rep, &sb);
	/* without the root, for stable expectations */
	struct strbuf out = STRBUF_INIT;
	for (char *p = sb.buf; *p;) {
		char *hit = strstr(p, root);
		if (!hit) {
			strbuf_addstr(&out, p);
			break;
		}
		strbuf_add(&out, p, (size_t)(hit - p));
		p = hit + strlen(root);
	}
	s = strbuf_detach(&out, NULL);
	strbuf_release(&sb);
	return s;
}

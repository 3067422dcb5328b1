/* test-config: AIDE's configuration syntax: groups, rules and AIDE's selection, macros, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fim/config.h"
#include "tmpdir.h"

static struct fim_config *parse_ok(const char *text)
{
	struct fim_config *c = NULL;
	struct fim_diags d = { 0 };
	struct strbuf err = STRBUF_INIT;

	if (fim_config_parse("t.conf", text, strlen(text), FIM_CONFIG_NO_INCLUDE, &c, &d, &err) < 0)
		fail_msg("parse failed: %s", err.buf);
	fim_diags_release(&d);
	strbuf_release(&err);
	return c;
}

/* Parses text expecting an error; returns the first error as "file:line: message". */
static char *parse_err(const char *text)
{
	struct fim_config *c = NULL;
	struct fim_diags d = { 0 };
	struct strbuf err = STRBUF_INIT;
	int r = fim_config_parse("t.conf", text, strlen(text), FIM_CONFIG_NO_INCLUDE, &c, &d, &err);

	assert_true(r < 0);
	assert_null(c);
	assert_true(d.errors >= 1);
	fim_diags_release(&d);
	return strbuf_detach(&err, NULL);
}

/* The attributes path (of type) is checked with, or 0 with *selected false. */
static uint32_t sel(const struct fim_config *c, const char *path, unsigned type, bool *selected)
{
	struct fim_matcher *m = fim_matcher_new();
	const struct fim_rule *r = fim_config_select(c, m, path, strlen(path), type);

	fim_matcher_free(m);
	*selected = r != NULL;
	return r ? r->attrs : 0;
}

static bool is_sel(const struct fim_config *c, const char *path, unsigned type)
{
	bool s;
	sel(c, path, type, &s);
	return s;
}

#define A(x) FIM_BIT(FIM_ATTR_##x)

static void test_groups(void **state)
{
	struct fim_config *c = parse_ok("# a comment\n\n"
	                                "Bench = sha256+p+u+g+m+s+i+n\n"
	                                "Less = Bench-m-i\n"
	                                "Spaced = p + u\n"
	                                "/etc Bench\n/var Less\n/srv R\n/opt Spaced\n/log >\n");
	bool s;

	assert_int_equal(sel(c, "/etc/passwd", FIM_TYPE_FILE, &s), A(SHA256) | A(MODE) | A(UID) |
	                                                               A(GID) | A(MTIME) | A(SIZE) |
	                                                               A(INODE) | A(NLINK));
	assert_int_equal(sel(c, "/var/x", FIM_TYPE_FILE, &s),
	                 A(SHA256) | A(MODE) | A(UID) | A(GID) | A(SIZE) | A(NLINK));
	assert_int_equal(sel(c, "/opt/x", FIM_TYPE_FILE, &s), A(MODE) | A(UID));
	/* AIDE's R: l+p+u+g+s+c+m+i+n+md5(+X+ftype); md5 is checked as SHA-256 */
	uint32_t r = sel(c, "/srv/x", FIM_TYPE_FILE, &s);
	assert_true(r & A(SHA256));
	assert_true(r & A(XATTRS) && r & A(ACL) && r & A(FLAGS) && r & A(TYPE) && r & A(LINK));
	assert_true(sel(c, "/log/x", FIM_TYPE_FILE, &s) & A(GROWING));
	assert_true(c->growing);
	fim_config_free(c);
}

static void test_hash_names_warn(void **state)
{
	const char *text = "Sums = p+sha512+md5+rmd160\n/etc Sums\n";
	struct fim_config *c = NULL;
	struct fim_diags d = { 0 };

	assert_int_equal(fim_config_parse("t.conf", text, strlen(text), 0, &c, &d, NULL), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.nr, 1); /* one warning, not one per name */
	assert_false(d.items[0].error);
	assert_int_equal(d.items[0].line, 1);
	assert_non_null(strstr(d.items[0].message, "SHA-256"));
	fim_diags_release(&d);
	fim_config_free(c);
}

static void test_selection(void **state)
{
	struct fim_config *c = parse_ok("/data R\n"
	                                "!/data/cache\n"
	                                "!/data/logs/.*\\.tmp$\n"
	                                "=/data/one R\n"
	                                "=/eq/ R\n"
	                                "/data/cache/keep$ R\n");

	assert_true(is_sel(c, "/data", FIM_TYPE_DIR));
	assert_true(is_sel(c, "/data/a/b/c", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/etc/passwd", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/", FIM_TYPE_DIR));
	/* a negative rule excludes, and everything matching below */
	assert_false(is_sel(c, "/data/cache", FIM_TYPE_DIR));
	assert_false(is_sel(c, "/data/cache/x", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/data/logs/a.tmp", FIM_TYPE_FILE));
	assert_true(is_sel(c, "/data/logs/a.log", FIM_TYPE_FILE));
	/* AIDE's deepest node wins: /data/cache/keep's rule lives in /data/cache, deeper than
	 * the negative rule's node /data */
	assert_true(is_sel(c, "/data/cache/keep", FIM_TYPE_FILE));
	/* equals: the path and same-level names ("/data/one" and "/data/oneX"), not below */
	assert_true(is_sel(c, "/eq", FIM_TYPE_DIR));
	assert_true(is_sel(c, "/eq/file", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/eq/dir/deeper", FIM_TYPE_FILE));
	fim_config_free(c);

	c = parse_ok("=/foo R\n");
	assert_true(is_sel(c, "/foo", FIM_TYPE_DIR));
	assert_true(is_sel(c, "/foobar", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/foo/child", FIM_TYPE_FILE));
	fim_config_free(c);
}

static void test_restrictions(void **state)
{
	struct fim_config *c = parse_ok("/r d,f R\n/s 0 L\n!/t l\n/t R\n");

	assert_true(is_sel(c, "/r/dir", FIM_TYPE_DIR));
	assert_true(is_sel(c, "/r/file", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/r/link", FIM_TYPE_LINK));
	assert_true(is_sel(c, "/s/link", FIM_TYPE_LINK));
	assert_false(is_sel(c, "/t/link", FIM_TYPE_LINK));
	assert_true(is_sel(c, "/t/file", FIM_TYPE_FILE));
	fim_config_free(c);
}

static void test_descend(void **state)
{
	struct fim_config *c = parse_ok("/srv/www/html R\n-/srv/www/html/tmp\n");
	struct fim_matcher *m = fim_matcher_new();

	assert_true(fim_config_descend(c, m, "", 0));
	assert_true(fim_config_descend(c, m, "/srv", 4));
	assert_true(fim_config_descend(c, m, "/srv/www", 8));
	assert_true(fim_config_descend(c, m, "/srv/www/html", 13));
	assert_false(fim_config_descend(c, m, "/usr", 4));
	assert_false(fim_config_descend(c, m, "/srv/other", 10));
	/* -/regex (AIDE 0.19's non-recursive negative rule) is not entered */
	assert_false(fim_config_descend(c, m, "/srv/www/html/tmp", 17));
	fim_matcher_free(m);
	fim_config_free(c);
}

static void test_macros(void **state)
{
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	char *dot = strchr(host, '.');
	if (dot)
		*dot = '\0';
	char text[2048];
	snprintf(text, sizeof(text),
	         "@@define TOP /data\n"
	         "@@{TOP}/a R\n"
	         "@@ifdef TOP\n/yes1 R\n@@else\n/no1 R\n@@endif\n"
	         "@@ifndef NOPE\n/yes2 R\n@@endif\n"
	         "@@if not defined TOP\n/no2 R\n@@else\n/yes3 R\n@@endif\n"
	         "@@ifhost %s\n/yes4 R\n@@endif\n"
	         "@@ifnhost %s\n/no3 R\n@@endif\n"
	         "@@undef TOP\n@@ifdef TOP\n/no4 R\n@@endif\n"
	         "/esc\\@@{X} R\n"
	         "/host-@@{HOSTNAME} R\n",
	         host, host);
	struct fim_config *c = parse_ok(text);
	char hp[300];
	snprintf(hp, sizeof(hp), "/host-%s", host);

	assert_true(is_sel(c, "/data/a", FIM_TYPE_FILE));
	assert_true(is_sel(c, "/yes1", FIM_TYPE_FILE));
	assert_true(is_sel(c, "/yes2", FIM_TYPE_FILE));
	assert_true(is_sel(c, "/yes3", FIM_TYPE_FILE));
	assert_true(is_sel(c, "/yes4", FIM_TYPE_FILE));
	assert_true(is_sel(c, hp, FIM_TYPE_FILE));
	assert_true(is_sel(c, "/esc@@{X}", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/no1", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/no2", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/no3", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/no4", FIM_TYPE_FILE));
	fim_config_free(c);
}

static void test_escapes(void **state)
{
	struct fim_config *c = parse_ok("/with\\ space R\n/pct%20enc R\n/back\\\\\\\\slash R\n");

	assert_true(is_sel(c, "/with space", FIM_TYPE_FILE));
	assert_true(is_sel(c, "/pct enc", FIM_TYPE_FILE));
	assert_true(is_sel(c, "/back\\slash", FIM_TYPE_FILE));
	fim_config_free(c);
}

static void test_aide_lines_ignored(void **state)
{
	struct fim_config *c =
	    parse_ok("database_in=file:/var/lib/aide/aide.db\n"
	             "database_out=file:/var/lib/aide/aide.db.new\n"
	             "gzip_dbout=yes\nreport_url=stdout\nreport_level=list_entries\n"
	             "log_level=warning\nnum_workers=3\nconfig_version=1.0\n"
	             "report_ignore_changed_attrs = a+m\n"
	             "/etc R\n");

	assert_int_equal(c->workers, 3);
	assert_int_equal(c->ignore_changed, A(ATIME) | A(MTIME));
	fim_config_free(c);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "/etc Rr\n", "t.conf:1: unknown attribute or group 'Rr' (did you mean 'R'?)" },
		{ "\n/etc sha265\n", "t.conf:2: unknown attribute or group 'sha265' (did you mean "
		                     "'sha256'?)" },
		{ "/etc\n", "t.conf:1: rule '/etc' needs an attribute expression" },
		{ "/etc( R\n",
		  "t.conf:1: regular expression '/etc(' at offset 5: missing closing" },
		{ "/etc/(x R\n", "t.conf:1: regular expression '/etc/(x'" },
		{ "etc R\n", "t.conf:1: not a rule, group or option" },
		{ "@@ifdef X\n/a R\n", "t.conf:1: @@if without @@endif" },
		{ "@@endif\n", "t.conf:1: @@endif without @@if" },
		{ "@@x_include /etc/aide.d\n", "t.conf:1: @@x_include runs programs" },
		{ "@@include /etc/aide.conf\n/a R\n", "t.conf:1: @@include is not allowed here" },
		{ "/a R+\n", "ends with '+'" },
		{ "/a x,y R\n", "not a file type restriction" },
		{ "/a =tmpfs R\n", "file system type restriction" },
		{ "!/a R R\n", "a negative rule takes a path" },
		{ "Bad_Name = p\n", "neither an AIDE option nor a group name" },
		{ "num_workers=lots\n/a R\n", "num_workers 'lots'" },
		{ "# only comments\n", "t.conf:1: no rules" },
		{ "/a%00b R\n", "'%00'" },
		{ "/a R\n@@bogus\n", "t.conf:2: unknown macro '@@bogus'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = parse_err(cases[i].text);
		if (!strstr(e, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, e, cases[i].want);
		free(e);
	}
	/* a NUL byte: not a text file */
	struct fim_config *c = NULL;
	assert_int_equal(fim_config_parse("t.conf", "/a R\0x", 6, 0, &c, NULL, NULL), -EINVAL);
}

static void test_every_error_reported(void **state)
{
	const char *text = "/a Rx\n/b R\n/c Qq\n";
	struct fim_config *c = NULL;
	struct fim_diags d = { 0 };
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(fim_config_parse("x.conf", text, strlen(text), 0, &c, &d, NULL), -EINVAL);
	assert_int_equal(d.errors, 2);
	fim_diags_format(&d, &out);
	assert_non_null(strstr(out.buf, "x.conf:1: error:"));
	assert_non_null(strstr(out.buf, "x.conf:3: error:"));
	strbuf_release(&out);
	fim_diags_release(&d);
}

/* A configuration in the shape of Debian's aide.conf: groups, options, macros, rules. */
/* Mamori's presets beside AIDE's groups: ReadOnly is R; Log (rotated logs) keeps owner, mode
 * and type but neither content, size nor inode; GrowingLog lets a log grow; Critical is R that
 * opens an incident. */
static void test_presets(void **state)
{
	struct fim_config *c = parse_ok("/etc ReadOnly\n/srv R\n/var/log/old Log\n"
	                                "/var/log/now GrowingLog\n/etc/shadow$ Critical\n");
	bool s;
	uint32_t r = sel(c, "/srv/x", FIM_TYPE_FILE, &s), ro = sel(c, "/etc/x", FIM_TYPE_FILE, &s),
	         log = sel(c, "/var/log/old/x", FIM_TYPE_FILE, &s),
	         grow = sel(c, "/var/log/now/x", FIM_TYPE_FILE, &s),
	         crit = sel(c, "/etc/shadow", FIM_TYPE_FILE, &s);

	assert_int_equal(ro, r);
	assert_true(ro & A(SHA256) && ro & A(MTIME) && ro & A(INODE) && ro & A(SIZE));
	assert_true(log & A(MODE) && log & A(UID) && log & A(GID) && log & A(TYPE));
	assert_false(log & (A(SHA256) | A(SIZE) | A(INODE) | A(MTIME) | A(GROWING)));
	assert_true(grow & A(GROWING) && grow & A(SIZE) && grow & A(SHA256));
	assert_false(grow & A(MTIME));
	assert_true(c->growing);
	assert_int_equal(crit & ~A(CRITICAL), r);
	assert_true(crit & A(CRITICAL));
	assert_false(r & A(CRITICAL));
	fim_config_free(c);
}

static void test_debian_shaped(void **state)
{
	const char *text = "@@define DBDIR /var/lib/aide\n"
	                   "@@define LOGDIR /var/log/aide\n"
	                   "database_in=file:@@{DBDIR}/aide.db\n"
	                   "database_out=file:@@{DBDIR}/aide.db.new\n"
	                   "database_new=file:@@{DBDIR}/aide.db.new\n"
	                   "gzip_dbout=yes\n"
	                   "report_summarize_changes=yes\n"
	                   "report_url=file:@@{LOGDIR}/aide.log\n"
	                   "report_url=stdout\n"
	                   "OwnerMode = p+u+g+ftype\n"
	                   "Size = s+b\n"
	                   "InodeData = OwnerMode+n+i+Size+l+X\n"
	                   "StaticFile = m+c+sha512+sha256\n"
	                   "Full = InodeData+StaticFile\n"
	                   "VarTime = InodeData+sha256\n"
	                   "VarFile = OwnerMode+n+l+X\n"
	                   "Log = OwnerMode+n+S+X\n"
	                   "/ 0 Full\n"
	                   "!/proc\n!/sys\n!/dev\n!/run\n!/tmp\n"
	                   "/var/log/.* f Log\n"
	                   "/etc/resolv\\.conf$ f VarFile\n"
	                   "/etc/ssl/certs/ca-certificates\\.crt$ VarTime\n"
	                   "=/home$ d OwnerMode\n";
	struct fim_config *c = parse_ok(text);
	bool s;

	assert_true(is_sel(c, "/usr/bin/ls", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/proc/1/status", FIM_TYPE_FILE));
	assert_false(is_sel(c, "/tmp/x", FIM_TYPE_FILE));
	assert_true(sel(c, "/var/log/syslog", FIM_TYPE_FILE, &s) & A(GROWING));
	assert_false(sel(c, "/etc/resolv.conf", FIM_TYPE_FILE, &s) & A(SHA256));
	assert_true(sel(c, "/etc/passwd", FIM_TYPE_FILE, &s) & A(SHA256));
	assert_true(is_sel(c, "/home", FIM_TYPE_DIR));
	fim_config_free(c);
}

static void test_digest_is_of_the_text(void **state)
{
	struct fim_config *a = parse_ok("/a R\n"), *b = parse_ok("/a R\n"), *c = parse_ok("/b R\n");

	assert_memory_equal(a->sha256, b->sha256, 32);
	assert_memory_not_equal(a->sha256, c->sha256, 32);
	fim_config_free(a);
	fim_config_free(b);
	fim_config_free(c);
}

static void test_includes(void **state)
{
	struct tmpdir_fixture *fx = *state;
	const char *dir = fx->dir;
	char path[512], inc[512], text[1024];
	struct fim_config *c = NULL;
	struct strbuf err = STRBUF_INIT;
	FILE *f;

	snprintf(inc, sizeof(inc), "%s/inc.conf", dir);
	f = fopen(inc, "w");
	fputs("Inc = p+u\n/included Inc\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	snprintf(text, sizeof(text), "@@include %s\n/main Inc\n", inc);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	assert_int_equal(fim_config_load(path, 0, &c, NULL, &err), 0);
	assert_true(is_sel(c, "/included", FIM_TYPE_FILE));
	assert_true(is_sel(c, "/main", FIM_TYPE_FILE));
	fim_config_free(c);
	/* an error in an included file names that file and its line */
	f = fopen(inc, "w");
	fputs("\n/x Nope\n", f);
	fclose(f);
	assert_int_equal(fim_config_load(path, 0, &c, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "inc.conf:2: unknown attribute or group 'Nope'"));
	/* an include of itself stops at the nesting limit */
	snprintf(text, sizeof(text), "@@include %s\n/a R\n", path);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	assert_int_equal(fim_config_load(path, 0, &c, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "nested deeper"));
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_hash_names_warn),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_restrictions),
		cmocka_unit_test(test_descend),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_aide_lines_ignored),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_every_error_reported),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_debian_shaped),
		cmocka_unit_test(test_digest_is_of_the_text),
		cmocka_unit_test_setup_teardown(test_includes, tmpdir_setup, tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test-conf: mamori.conf is read strictly: known keys only, each problem named by its line. */
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

#include "base/conf.h"
#include "tmpdir.h"

static int parse(const char *text, struct conf *c, struct strbuf *err)
{
	strbuf_reset(err);
	return conf_parse("mamori.conf", text, strlen(text), c, err);
}

static void test_values(void **state)
{
	struct conf c = CONF_INIT;
	struct strbuf err = STRBUF_INIT;
	const struct conf_entry *e;
	size_t it = 0;
	bool b;
	int64_t n;

	assert_int_equal(parse("\xEF\xBB\xBF# 港区\r\n[totp]\r\nroles = ciso@org, mamori_admin\r\n"
	                       "\n[ldap]\n  url=ldaps://ad.example  \nstarttls = Yes\n"
	                       "bind_dn = \"  CN=svc \\\"x\\\" \"\n"
	                       "group = ciso@org CN=情報政策課,DC=minato\n"
	                       "group = staff@section:kumin CN=区民課,DC=minato\n"
	                       "timeout = 5\n",
	                       &c, &err),
	                 0);
	assert_string_equal(conf_get(&c, "totp", "roles"), "ciso@org, mamori_admin");
	assert_string_equal(conf_get(&c, "ldap", "url"), "ldaps://ad.example");
	assert_string_equal(conf_get(&c, "ldap", "bind_dn"), "  CN=svc \"x\" ");
	assert_null(conf_get(&c, "ldap", "base_dn"));
	assert_int_equal(conf_get_bool(&c, "ldap", "starttls", false, &b, &err), 0);
	assert_true(b);
	assert_int_equal(conf_get_int(&c, "ldap", "timeout", 1, 60, 10, &n, &err), 0);
	assert_int_equal(n, 5);
	e = conf_next(&c, "ldap", "group", &it);
	assert_non_null(e);
	assert_string_equal(e->value, "ciso@org CN=情報政策課,DC=minato");
	assert_int_equal(e->line, 9);
	e = conf_next(&c, "ldap", "group", &it);
	assert_non_null(e);
	assert_null(conf_next(&c, "ldap", "group", &it));
	{
		char **items;
		size_t nr;
		conf_split_list(conf_get(&c, "totp", "roles"), &items, &nr);
		assert_int_equal(nr, 2);
		assert_string_equal(items[0], "ciso@org");
		assert_string_equal(items[1], "mamori_admin");
		for (size_t i = 0; i < nr; i++)
			free(items[i]);
		free(items);
	}
	conf_release(&c);
	assert_int_equal(parse("[ldap]\ntimeout = 5s\nstarttls = maybe\n", &c, &err), 0);
	assert_int_equal(conf_get_int(&c, "ldap", "timeout", 1, 60, 10, &n, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "mamori.conf:2: [ldap] timeout"));
	assert_int_equal(conf_get_bool(&c, "ldap", "starttls", false, &b, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "mamori.conf:3:"));
	conf_release(&c);
	strbuf_release(&err);
}

static void test_refused(void **state)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{ "roles = x\n", "mamori.conf:1: key 'roles' comes before any [section]" },
		{ "[totp]\nrols = x\n",
		  "mamori.conf:2: unknown key 'rols' in [totp] (did you mean 'roles'?)" },
		{ "[topt]\nroles = x\n",
		  "mamori.conf:1: unknown section [topt] (did you mean [totp]?)" },
		{ "[totp]\nroles = a\nroles = b\n", "mamori.conf:3: [totp] roles is given twice" },
		{ "[totp\n", "mamori.conf:1: a section is written [name]" },
		{ "[TOTP]\n", "mamori.conf:1: a section is written [name]" },
		{ "[totp]\nroles\n", "mamori.conf:2: write 'key = value'" },
		{ "[totp]\nroles = \"a\" b\n", "mamori.conf:2: a quoted value ends" },
		{ "[totp]\nroles = \"a\\n\"\n", "mamori.conf:2: a quoted value ends" },
		{ "[totp]\nroles = a\x1b[31m\n", "mamori.conf:2: control character 0x1b" },
		{ "[totp]\nroles = \xff\n", "not UTF-8" },
	};
	struct conf c = CONF_INIT;
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &c, &err), -EINVAL);
		if (!strstr(err.buf, cases[i].message))
			fail_msg("case %zu: got '%s'", i, err.buf);
		assert_int_equal(c.nr, 0);
	}
	{
		struct strbuf big = STRBUF_INIT;
		strbuf_addstr(&big, "[totp]\nroles = ");
		for (int i = 0; i < CONF_MAX_LINE; i++)
			strbuf_addch(&big, 'a');
		assert_int_equal(conf_parse("m", big.buf, big.len, &c, &err), -EINVAL);
		assert_non_null(strstr(err.buf, "m:2: line longer"));
		while (big.len <= CONF_MAX_BYTES)
			strbuf_addstr(&big, "\n# padding padding padding padding");
		assert_int_equal(conf_parse("m", big.buf, big.len, &c, &err), -EFBIG);
		strbuf_release(&big);
	}
	assert_int_equal(conf_parse("m", "[totp]\0roles = x", 16, &c, &err), -EINVAL);
	strbuf_release(&err);
}

static void test_load(void **state)
{
	struct tmpdir_fixture *fx = *state;
	const char *dir = fx->dir;
	struct conf c = CONF_INIT;
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	FILE *f;

	/* No file: an empty configuration, every default applies. */
	assert_int_equal(conf_load(dir, &c, &err), 0);
	assert_int_equal(c.nr, 0);
	assert_null(conf_get(&c, "totp", "roles"));
	conf_release(&c);
	strbuf_addf(&path, "%s/%s", dir, CONF_FILE);
	f = fopen(path.buf, "w");
	assert_non_null(f);
	fputs("[totp]\nissuer = 港区\n[ldap]\nbogus = 1\n", f);
	fclose(f);
	assert_int_equal(conf_load(dir, &c, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "/mamori.conf:4: unknown key 'bogus' in [ldap]"));
	strbuf_release(&path);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refused),
		cmocka_unit_test_setup_teardown(test_load, tmpdir_setup, tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

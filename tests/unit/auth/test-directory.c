/* test-directory: [ldap] of mamori.conf read and checked; filter values escaped as RFC 4515
 * says, so a login can never change a search filter's shape; DNs compared as the directory
 * would. (The directory itself is tested against a real slapd: tests/http/t0663.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "auth/directory.h"

static void escaped(const char *in, size_t len, const char *want)
{
	struct strbuf out = STRBUF_INIT;

	dir_filter_escape(in, len, &out);
	assert_string_equal(out.buf ? out.buf : "", want);
	strbuf_release(&out);
}

static void test_filter_escape(void **state)
{
	escaped("tanaka", 6, "tanaka");
	escaped("*", 1, "\\2a");
	escaped("tanaka)(uid=*", 13, "tanaka\\29\\28uid=\\2a");
	escaped("*)(|(uid=*", 10, "\\2a\\29\\28|\\28uid=\\2a");
	escaped("a\\b", 3, "a\\5cb");
	escaped("a\0b", 3, "a\\00b");
	/* bytes outside printable ASCII too (UTF-8 names stay exact) */
	escaped("田", 3, "\\e7\\94\\b0");
}

static int load(const char *text, struct dir_conf *dc, struct strbuf *err)
{
	struct conf c = CONF_INIT;
	int r = conf_parse("mamori.conf", text, strlen(text), &c, err);

	if (r == 0)
		r = dir_conf_load(&c, dc, err);
	conf_release(&c);
	return r;
}

static void test_conf(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct dir_conf dc = { 0 };

	assert_int_equal(load("[totp]\nroles = ciso\n", &dc, &err), 0);
	assert_null(dc.url);
	assert_int_equal(load("[ldap]\nurl = ldaps://ad.example\nbase_dn = OU=Users,DC=x\n"
	                      "group = ciso@org CN=情報政策課,OU=Groups,DC=x\n"
	                      "section = kumin OU=区民課,OU=Users,DC=x\n",
	                      &dc, &err),
	                 1);
	assert_string_equal(dc.login_attr, "uid");
	assert_int_equal(dc.n_groups, 1);
	assert_string_equal(dc.groups[0].what, "ciso@org");
	assert_string_equal(dc.groups[0].dn, "CN=情報政策課,OU=Groups,DC=x");
	assert_string_equal(dc.sections[0].what, "kumin");
	assert_int_equal(dc.timeout_s, 10);
	dir_conf_release(&dc);

	/* never a password in the clear */
	assert_int_equal(load("[ldap]\nurl = ldap://ad.example\nbase_dn = DC=x\n", &dc, &err),
	                 -EINVAL);
	assert_non_null(strstr(err.buf, "starttls = yes"));
	strbuf_reset(&err);
	assert_int_equal(
	    load("[ldap]\nurl = ldap://ad.example\nstarttls = yes\nbase_dn = DC=x\n", &dc, &err),
	    1);
	assert_true(dc.starttls);
	dir_conf_release(&dc);
	assert_int_equal(load("[ldap]\nurl = http://ad.example\nbase_dn = DC=x\n", &dc, &err),
	                 -EINVAL);
	assert_int_equal(load("[ldap]\nurl = ldaps://ad.example\n", &dc, &err), -EINVAL);
	assert_int_equal(load("[ldap]\nurl = ldaps://ad.example\nbase_dn = DC=x\n"
	                      "login_attribute = uid)(x\n",
	                      &dc, &err),
	                 -EINVAL);
	assert_int_equal(load("[ldap]\nurl = ldaps://ad.example\nbase_dn = DC=x\n"
	                      "group = ciso@org\n",
	                      &dc, &err),
	                 -EINVAL);
	assert_int_equal(load("[ldap]\nurl = ldaps://ad.example\nbase_dn = DC=x\n"
	                      "bind_dn = CN=svc,DC=x\n",
	                      &dc, &err),
	                 -EINVAL);
	strbuf_release(&err);
}

static void test_dn_equal(void **state)
{
	assert_true(dir_dn_equal("uid=a,ou=People,dc=X", "UID=a, OU=people,DC=x"));
	assert_false(dir_dn_equal("uid=a,ou=people,dc=x", "uid=b,ou=people,dc=x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_escape),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_dn_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

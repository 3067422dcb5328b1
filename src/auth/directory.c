/* directory: logging in by binding to the ward's LDAP / Active Directory, and reading its
 * people for `mamori user sync` (libldap from Debian). Every connection is TLS with the
 * certificate checked (LDAPS, or StartTLS before anything is sent); every filter is built
 * from escaped values (RFC 4515). */
#include <errno.h>
#include <fcntl.h>
#include <ldap.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/directory.h"
#include "auth/ldap-lib.h"
#include "base/cleanup.h"

#define DIR_PASSWORD_FILE_MAX 1024

/* libldap takes attribute lists and credentials as char *: writable copies of our names */
static char a_no_attrs[] = LDAP_NO_ATTRS, a_member[] = "member", a_unique[] = "uniqueMember",
            a_uid[] = "memberUid", a_cn[] = "cn", a_mail[] = "mail";

static char *unconst(const char *s)
{
	char *p;

	memcpy(&p, &s, sizeof(p));
	return p;
}

static bool attr_name_ok(const char *a)
{
	size_t n = a ? strlen(a) : 0;

	if (n == 0 || n > 64 || !((a[0] >= 'a' && a[0] <= 'z') || (a[0] >= 'A' && a[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= 'A' && a[i] <= 'Z') ||
		      (a[i] >= '0' && a[i] <= '9') || a[i] == '-'))
			return false;
	return true;
}

static bool dn_ok(const char *dn)
{
	LDAPDN parsed = NULL;

	if (!dn || !*dn || strlen(dn) > 1024)
		return false;
	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAP) != LDAP_SUCCESS)
		return false;
	ldap_dnfree(parsed);
	return true;
}

/* The secret in a file of its own, readable by its owner only; trailing newlines dropped. */
static int read_password_file(const char *path, char **ret, struct strbuf *err)
{
	char buf[DIR_PASSWORD_FILE_MAX + 1];
	struct stat sb;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		error_set(err, "[ldap] bind_password_file '%s': %s", path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077)) {
		close(fd);
		error_set(err,
		          "[ldap] bind_password_file '%s' must be a file only its owner can read "
		          "(chmod 600)",
		          path);
		return -EINVAL;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n > DIR_PASSWORD_FILE_MAX) {
		sodium_memzero(buf, sizeof(buf));
		error_set(err, "[ldap] bind_password_file '%s': unreadable or over %d bytes", path,
		          DIR_PASSWORD_FILE_MAX);
		return -EINVAL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (n == 0 || memchr(buf, '\0', (size_t)n)) {
		sodium_memzero(buf, sizeof(buf));
		error_set(err, "[ldap] bind_password_file '%s' holds no password", path);
		return -EINVAL;
	}
	*ret = xstrdup(buf);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

/* "WHAT DN" lines of a repeated key into maps. */
static int read_maps(const struct conf *c, const char *key, struct dir_map **ret, size_t *ret_n,
                     struct strbuf *err)
{
	const struct conf_entry *e;
	size_t it = 0, alloc = 0;

	while ((e = conf_next(c, "ldap", key, &it))) {
		const char *sp = strchr(e->value, ' ');
		struct dir_map *m;

		while (sp && sp[1] == ' ')
			sp++;
		if (!sp || sp == e->value || !dn_ok(sp + 1)) {
			error_set(err,
			          "%s:%u: [ldap] %s: write %s and a DN, separated by a space "
			          "(%s)",
			          c->name, e->line, key,
			          !strcmp(key, "group") ? "ROLE@SCOPE" : "SECTION-ID",
			          !strcmp(key, "group")
			              ? "ciso@org CN=情報政策課,OU=Groups,DC=minato,DC=example"
			              : "kumin OU=区民課,OU=Users,DC=minato,DC=example");
			return -EINVAL;
		}
		ALLOC_GROW(*ret, *ret_n, alloc);
		m = &(*ret)[(*ret_n)++];
		m->what = xstrndup(e->value, strcspn(e->value, " "));
		m->dn = xstrdup(sp + 1);
	}
	return 0;
}

/*
 * [ldap] url: ldaps://, or ldap:// with starttls, so that a password never crosses the network
 * in the clear; and an LDAP URL to the library. 0 or -EINVAL with err set.
 */
static int url_check(const struct conf *c, const char *url, bool starttls, struct strbuf *err)
{
	if (!strncmp(url, "ldaps://", 8) && url[8]) {
		if (starttls) {
			error_set(err,
			          "%s: [ldap] starttls = yes is for ldap:// URLs; ldaps:// is TLS "
			          "from the first byte",
			          c->name);
			return -EINVAL;
		}
	} else if (!strncmp(url, "ldap://", 7) && url[7]) {
		if (!starttls) {
			error_set(err,
			          "%s: [ldap] url '%s' would send passwords in the clear: use "
			          "ldaps://, or add 'starttls = yes'",
			          c->name, url);
			return -EINVAL;
		}
	} else {
		error_set(err,
		          "%s: [ldap] url '%s': write ldaps://HOST[:PORT], or ldap://HOST[:PORT] "
		          "with 'starttls = yes'",
		          c->name, url);
		return -EINVAL;
	}
	if (ldap_is_ldap_url(url) == 0 && ldap_is_ldaps_url(url) == 0) {
		error_set(err, "%s: [ldap] url '%s' is not an LDAP URL", c->name, url);
		return -EINVAL;
	}
	return 0;
}

int dir_conf_load(const struct conf *c, struct dir_conf *ret, struct strbuf *err)
{
	const char *url = conf_get(c, "ldap", "url"), *v;
	int64_t timeout = 10;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!url)
		return 0;
	if (ldap_lib_load(err) < 0) /* the directory's names and URL are checked with it */
		return -ENOENT;
	r = conf_get_bool(c, "ldap", "starttls", false, &ret->starttls, err);
	if (r == 0)
		r = conf_get_int(c, "ldap", "timeout", 1, 300, 10, &timeout, err);
	if (r < 0)
		return r;
	ret->timeout_s = (int)timeout;
	r = url_check(c, url, ret->starttls, err);
	if (r < 0)
		return r;
	ret->url = xstrdup(url);
	v = conf_get(c, "ldap", "ca_file");
	ret->ca_file = v ? xstrdup(v) : NULL;
	v = conf_get(c, "ldap", "base_dn");
	if (!dn_ok(v)) {
		error_set(err,
		          "%s: [ldap] base_dn is required: where people are searched "
		          "(OU=Users,DC=minato,DC=example)",
		          c->name);
		dir_conf_release(ret);
		return -EINVAL;
	}
	ret->base_dn = xstrdup(v);
	v = conf_get(c, "ldap", "login_attribute");
	ret->login_attr = xstrdup(v ? v : "uid");
	v = conf_get(c, "ldap", "name_attribute");
	ret->name_attr = xstrdup(v ? v : "displayName");
	if (!attr_name_ok(ret->login_attr) || !attr_name_ok(ret->name_attr)) {
		error_set(err,
		          "%s: [ldap] login_attribute and name_attribute are attribute names "
		          "(uid, sAMAccountName, displayName)",
		          c->name);
		dir_conf_release(ret);
		return -EINVAL;
	}
	v = conf_get(c, "ldap", "bind_dn");
	if (v) {
		const char *f = conf_get(c, "ldap", "bind_password_file");
		if (!dn_ok(v) || !f) {
			error_set(err,
			          "%s: [ldap] bind_dn needs a DN and bind_password_file the file "
			          "(chmod 600) holding its password",
			          c->name);
			dir_conf_release(ret);
			return -EINVAL;
		}
		ret->bind_dn = xstrdup(v);
		r = read_password_file(f, &ret->bind_pw, err);
	}
	if (r == 0)
		r = read_maps(c, "group", &ret->groups, &ret->n_groups, err);
	if (r == 0)
		r = read_maps(c, "section", &ret->sections, &ret->n_sections, err);
	if (r < 0) {
		dir_conf_release(ret);
		return r;
	}
	return 1;
}

static void maps_release(struct dir_map *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].what);
		free(m[i].dn);
	}
	free(m);
}

void dir_conf_release(struct dir_conf *dc)
{
	free(dc->url);
	free(dc->ca_file);
	free(dc->base_dn);
	free(dc->login_attr);
	free(dc->name_attr);
	free(dc->bind_dn);
	if (dc->bind_pw) {
		sodium_memzero(dc->bind_pw, strlen(dc->bind_pw));
		free(dc->bind_pw);
	}
	maps_release(dc->groups, dc->n_groups);
	maps_release(dc->sections, dc->n_sections);
	memset(dc, 0, sizeof(*dc));
}

void dir_filter_escape(const char *value, size_t len, struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)value[i];

		if (ch == '*' || ch == '(' || ch == ')' || ch == '\\' || ch < 0x20 || ch >= 0x7f)
			strbuf_addf(out, "\\%02x", ch);
		else
			strbuf_addch(out, (char)ch);
	}
}

/* A TLS connection to the directory, the certificate checked, TLS 1.2 at least. */
static int dir_connect(const struct dir_conf *dc, LDAP **ret, struct strbuf *err)
{
	struct timeval tv = { .tv_sec = dc->timeout_s };
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0,
	    tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
	LDAP *ld = NULL;
	int rc;

	if (ldap_lib_load(err) < 0)
		return -EIO;
	rc = ldap_initialize(&ld, dc->url);
	if (rc != LDAP_SUCCESS) {
		error_set(err, "directory %s: %s", dc->url, ldap_err2string(rc));
		return -EIO;
	}
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12) != LDAP_OPT_SUCCESS ||
	    (dc->ca_file &&
	     ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, dc->ca_file) != LDAP_OPT_SUCCESS) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS) {
		error_set(err, "directory %s: cannot set up TLS (ca_file %s)", dc->url,
		          dc->ca_file ? dc->ca_file : "(system)");
		ldap_unbind_ext_s(ld, NULL, NULL);
		return -EIO;
	}
	if (dc->starttls) {
		rc = ldap_start_tls_s(ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			error_set(err, "directory %s: StartTLS: %s", dc->url, ldap_err2string(rc));
			ldap_unbind_ext_s(ld, NULL, NULL);
			return -EIO;
		}
	}
	*ret = ld;
	return 0;
}

static int bind_as(LDAP *ld, const char *dn, const char *password)
{
	struct berval cred = { .bv_len = strlen(password), .bv_val = unconst(password) };

	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* The DN of the one entry whose login_attr is login, or NULL (none, or several). */
static int find_dn(LDAP *ld, const struct dir_conf *dc, const char *login, char **ret,
                   struct strbuf *err)
{
	struct strbuf filter = STRBUF_INIT;
	struct timeval tv = { .tv_sec = dc->timeout_s };
	char *attrs[] = { a_no_attrs, NULL };
	LDAPMessage *res = NULL;
	int rc;

	*ret = NULL;
	strbuf_addf(&filter, "(%s=", dc->login_attr);
	dir_filter_escape(login, strlen(login), &filter);
	strbuf_addch(&filter, ')');
	rc = ldap_search_ext_s(ld, dc->base_dn, LDAP_SCOPE_SUBTREE, filter.buf, attrs, 0, NULL,
	                       NULL, &tv, 2, &res);
	strbuf_release(&filter);
	if (rc == LDAP_SUCCESS && ldap_count_entries(ld, res) == 1) {
		char *dn = ldap_get_dn(ld, ldap_first_entry(ld, res));
		*ret = dn ? xstrdup(dn) : NULL;
		ldap_memfree(dn);
	} else if (rc == LDAP_SIZELIMIT_EXCEEDED || rc == LDAP_SUCCESS ||
	           rc == LDAP_NO_SUCH_OBJECT) {
		error_set(err, "directory: %s '%s' names %s entry", dc->login_attr, login,
		          rc == LDAP_SIZELIMIT_EXCEEDED ? "more than one" : "no");
		rc = LDAP_SUCCESS;
	}
	ldap_msgfree(res);
	if (rc != LDAP_SUCCESS) {
		error_set(err, "directory: searching %s: %s", dc->base_dn, ldap_err2string(rc));
		return -EIO;
	}
	return 0;
}

enum dir_outcome dir_authenticate(const struct dir_conf *dc, const char *login,
                                  const char *password, const char *expected_dn, char **ret_dn,
                                  struct strbuf *err)
{
	enum dir_outcome out = DIR_UNAVAILABLE;
	LDAP *ld = NULL;
	char *dn = NULL;
	int rc;

	if (ret_dn)
		*ret_dn = NULL;
	if (!login || !*login || !password || !*password)
		return DIR_WRONG;
	if (dir_connect(dc, &ld, err) < 0)
		return DIR_UNAVAILABLE;
	if (dc->bind_dn) {
		rc = bind_as(ld, dc->bind_dn, dc->bind_pw);
		if (rc != LDAP_SUCCESS) {
			error_set(err, "directory: the service account %s cannot bind: %s",
			          dc->bind_dn, ldap_err2string(rc));
			goto out;
		}
		if (find_dn(ld, dc, login, &dn, err) < 0)
			goto out;
		if (!dn || (expected_dn && !dir_dn_equal(dn, expected_dn))) {
			if (dn)
				error_set(err, "directory: '%s' is now %s, linked to %s", login, dn,
				          expected_dn);
			out = DIR_WRONG;
			goto out;
		}
	} else if (expected_dn) {
		dn = xstrdup(expected_dn);
	} else {
		error_set(err, "directory: no bind_dn to find '%s' with", login);
		out = DIR_WRONG;
		goto out;
	}
	rc = bind_as(ld, dn, password);
	if (rc == LDAP_SUCCESS) {
		out = DIR_OK;
	} else if (rc == LDAP_INVALID_CREDENTIALS) {
		error_set(err, "directory: wrong password for %s", dn);
		out = DIR_WRONG;
	} else {
		error_set(err, "directory: binding as %s: %s", dn, ldap_err2string(rc));
	}
out:
	ldap_unbind_ext_s(ld, NULL, NULL);
	if (out == DIR_OK && ret_dn)
		*ret_dn = dn;
	else
		free(dn);
	return out;
}

static char *dn_norm(const char *dn)
{
	char *out = NULL, *ret;

	/* without libldap (never so after dir_conf_load), as written, case aside */
	if (!dn || ldap_lib_load(NULL) < 0 ||
	    ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &out, LDAP_DN_FORMAT_LDAPV3) !=
	        LDAP_SUCCESS ||
	    !out) {
		ret = xstrdup(dn ? dn : "");
	} else {
		ret = xstrdup(out);
		ldap_memfree(out);
	}
	for (char *p = ret; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return ret;
}

bool dir_dn_equal(const char *a, const char *b)
{
	char *x = dn_norm(a), *y = dn_norm(b);
	bool eq = !strcmp(x, y);

	free(x);
	free(y);
	return eq;
}

/* dn is the entry under, or the entry itself (both normalized). */
static bool dn_under(const char *dn, const char *under)
{
	size_t a = strlen(dn), b = strlen(under);

	return a == b ? !strcmp(dn, under)
	              : a > b && dn[a - b - 1] == ',' && !strcmp(dn + a - b, under);
}

/* A group's members: its member/uniqueMember DNs (normalized) and memberUid logins. */
struct members {
	char **dns, **uids;
	size_t n_dns, n_uids, a_dns, a_uids;
};

static void members_release(struct members *m)
{
	for (size_t i = 0; i < m->n_dns; i++)
		free(m->dns[i]);
	for (size_t i = 0; i < m->n_uids; i++)
		free(m->uids[i]);
	free(m->dns);
	free(m->uids);
	memset(m, 0, sizeof(*m));
}

static int read_members(LDAP *ld, const struct dir_conf *dc, const char *dn, bool may_be_ou,
                        struct members *ret, struct strbuf *err)
{
	struct timeval tv = { .tv_sec = dc->timeout_s };
	char *attrs[] = { a_member, a_unique, a_uid, NULL };
	LDAPMessage *res = NULL, *e;
	int rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
	                           &tv, 1, &res);

	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(res);
		if (rc == LDAP_NO_SUCH_OBJECT && may_be_ou)
			return 0;
		error_set(err, "directory: reading %s: %s (check [ldap] group / section)", dn,
		          ldap_err2string(rc));
		return -EIO;
	}
	e = ldap_first_entry(ld, res);
	for (int a = 0; e && a < 3; a++) {
		struct berval **v = ldap_get_values_len(ld, e, attrs[a]);

		for (int i = 0; v && v[i]; i++) {
			char *s = xstrndup(v[i]->bv_val, v[i]->bv_len);
			if (a < 2) {
				ALLOC_GROW(ret->dns, ret->n_dns, ret->a_dns);
				ret->dns[ret->n_dns++] = dn_norm(s);
				free(s);
			} else {
				ALLOC_GROW(ret->uids, ret->n_uids, ret->a_uids);
				ret->uids[ret->n_uids++] = s;
			}
		}
		ldap_value_free_len(v);
	}
	ldap_msgfree(res);
	return 0;
}

static bool is_member(const struct members *m, const char *norm_dn, const char *login)
{
	for (size_t i = 0; i < m->n_dns; i++)
		if (!strcmp(m->dns[i], norm_dn))
			return true;
	for (size_t i = 0; i < m->n_uids; i++)
		if (!strcmp(m->uids[i], login))
			return true;
	return false;
}

/* The first value of attr, or NULL. */
static char *first_value(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char *s = v && v[0] ? xstrndup(v[0]->bv_val, v[0]->bv_len) : NULL;

	ldap_value_free_len(v);
	return s;
}

static int read_people(LDAP *ld, const struct dir_conf *dc, struct dir_people *ret,
                       struct strbuf *err)
{
	struct timeval tv = { .tv_sec = dc->timeout_s };
	char *attrs[] = { dc->login_attr, dc->name_attr, a_cn, a_mail, NULL };
	struct strbuf filter = STRBUF_INIT;
	LDAPMessage *res = NULL;
	int rc;

	strbuf_addf(&filter, "(%s=*)", dc->login_attr);
	rc = ldap_search_ext_s(ld, dc->base_dn, LDAP_SCOPE_SUBTREE, filter.buf, attrs, 0, NULL,
	                       NULL, &tv, 0, &res);
	strbuf_release(&filter);
	if (rc != LDAP_SUCCESS) {
		/* a list cut short (size limit) would suspend everyone left out: refuse it */
		error_set(err, "directory: searching %s: %s", dc->base_dn, ldap_err2string(rc));
		ldap_msgfree(res);
		return -EIO;
	}
	for (LDAPMessage *e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
		char *dn = ldap_get_dn(ld, e);
		struct dir_person *p;

		if (!dn)
			continue;
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		p = &ret->items[ret->nr++];
		memset(p, 0, sizeof(*p));
		p->dn = xstrdup(dn);
		ldap_memfree(dn);
		p->login = first_value(ld, e, dc->login_attr);
		p->name = first_value(ld, e, dc->name_attr);
		if (!p->name)
			p->name = first_value(ld, e, "cn");
		p->email = first_value(ld, e, "mail");
		p->in_group = xcalloc(dc->n_groups ? dc->n_groups : 1, sizeof(*p->in_group));
	}
	ldap_msgfree(res);
	return 0;
}

int dir_people_read(const struct dir_conf *dc, struct dir_people *ret, struct strbuf *err)
{
	LDAP *ld = NULL;
	int r, rc;

	memset(ret, 0, sizeof(*ret));
	if (dir_connect(dc, &ld, err) < 0)
		return -EIO;
	rc = dc->bind_dn ? bind_as(ld, dc->bind_dn, dc->bind_pw) : LDAP_SUCCESS;
	if (rc != LDAP_SUCCESS) {
		error_set(err, "directory: the service account %s cannot bind: %s", dc->bind_dn,
		          ldap_err2string(rc));
		ldap_unbind_ext_s(ld, NULL, NULL);
		return -EIO;
	}
	r = read_people(ld, dc, ret, err);
	for (size_t g = 0; r == 0 && g < dc->n_groups + dc->n_sections; g++) {
		bool is_group = g < dc->n_groups;
		const struct dir_map *m =
		    is_group ? &dc->groups[g] : &dc->sections[g - dc->n_groups];
		struct members mem = { 0 };
		char *under = dn_norm(m->dn);

		r = read_members(ld, dc, m->dn, !is_group, &mem, err);
		for (size_t i = 0; r == 0 && i < ret->nr; i++) {
			struct dir_person *p = &ret->items[i];
			char *pdn = dn_norm(p->dn);
			bool in = is_member(&mem, pdn, p->login ? p->login : "");

			if (is_group)
				p->in_group[g] = in;
			else if (!p->section && (in || dn_under(pdn, under)))
				p->section = xstrdup(m->what);
			free(pdn);
		}
		free(under);
		members_release(&mem);
	}
	ldap_unbind_ext_s(ld, NULL, NULL);
	if (r < 0)
		dir_people_release(ret);
	return r;
}

void dir_people_release(struct dir_people *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		free(p->items[i].dn);
		free(p->items[i].login);
		free(p->items[i].name);
		free(p->items[i].email);
		free(p->items[i].section);
		free(p->items[i].in_group);
	}
	free(p->items);
	memset(p, 0, sizeof(*p));
}

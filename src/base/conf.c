/* conf: reads DIR/mamori.conf, the data directory's one configuration file (docs/config.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "base/parse.h"
#include "base/utf8.h"

/*
 * Every key of mamori.conf. Columns: section, key, flags (CONF_MULTI: may repeat), what it
 * is for. Keep docs/config.md in step: a row here is a paragraph there.
 */
const struct conf_key conf_keys[] = {
	{ "store", "url", 0,
	  "postgresql://USER@HOST/DATABASE: the ward's data lives in PostgreSQL (init --store)" },
	{ "node", "name", 0,
	  "this server's name among the servers of one PostgreSQL ward (default: its host name)" },
	{ "totp", "roles", 0,
	  "roles (role or role@scope, comma-separated) that log in with a TOTP code" },
	{ "totp", "issuer", 0, "the name authenticator apps show beside the account" },
	{ "ldap", "url", 0, "ldaps://host or ldap://host (with starttls = yes)" },
	{ "ldap", "starttls", 0, "yes: upgrade ldap:// with StartTLS before binding" },
	{ "ldap", "ca_file", 0, "PEM file of the CA that signed the directory's certificate" },
	{ "ldap", "base_dn", 0, "where users are searched" },
	{ "ldap", "login_attribute", 0,
	  "the attribute that holds the login (sAMAccountName, uid)" },
	{ "ldap", "name_attribute", 0, "the attribute that holds a person's name (displayName)" },
	{ "ldap", "bind_dn", 0, "the service account that finds people and reads them" },
	{ "ldap", "bind_password_file", 0, "file (0600) holding that account's password" },
	{ "ldap", "group", CONF_MULTI, "ROLE@SCOPE GROUP-DN: members of the group hold the role" },
	{ "ldap", "section", CONF_MULTI,
	  "SECTION-ID DN: people under the OU, or members of the group, belong to the section" },
	{ "ldap", "timeout", 0, "seconds to wait for the directory (default 10)" },
	{ "iccard", "ca_file", 0,
	  "PEM of the CA that issues the ward's IC card (client) certificates" },
	{ "attachments", "max_bytes", 0,
	  "the largest file people may attach, in bytes (default 20971520: 20 MiB)" },
	{ "smtp", "host", 0, "the mail server that sends notifications (none: no mail)" },
	{ "smtp", "port", 0, "its port (default 25; 465 with tls = yes)" },
	{ "smtp", "starttls", 0, "yes (default): upgrade with STARTTLS, never send in the clear" },
	{ "smtp", "tls", 0, "yes: TLS from the first byte (smtps)" },
	{ "smtp", "ca_file", 0, "PEM file of the CA that signed the server's certificate" },
	{ "smtp", "from", 0, "the sender address of notifications" },
	{ "smtp", "from_name", 0, "the sender's name people read (守り（情報政策課）)" },
	{ "smtp", "user", 0, "the account to log in to the server as, if it asks" },
	{ "smtp", "password_file", 0, "file (0600) holding that account's password" },
	{ "smtp", "timeout", 0, "seconds to wait for the server (default 30)" },
	{ "notify", "interval", 0, "seconds between digests (default 3600)" },
	{ "notify", "base_url", 0, "the address people open Mamori at, for links in mail" },
};
const size_t conf_keys_nr = ARRAY_SIZE(conf_keys);

static const struct conf_key *key_find(const char *section, const char *key)
{
	for (size_t i = 0; i < conf_keys_nr; i++)
		if (!strcmp(conf_keys[i].section, section) && !strcmp(conf_keys[i].name, key))
			return &conf_keys[i];
	return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(cur));
	}
	return prev[lb];
}

/* "unknown key 'rols' in [totp] (did you mean 'roles'?)" */
static void unknown_key(const char *name, unsigned line, const char *section, const char *key,
                        struct strbuf *err)
{
	const char *best = NULL;
	bool section_known = false;
	size_t bd = 3;

	for (size_t i = 0; i < conf_keys_nr; i++) {
		if (strcmp(conf_keys[i].section, section))
			continue;
		section_known = true;
		size_t d = edit_distance(conf_keys[i].name, key);
		if (d < bd) {
			bd = d;
			best = conf_keys[i].name;
		}
	}
	if (!section_known) {
		for (size_t i = 0; i < conf_keys_nr; i++) {
			size_t d = edit_distance(conf_keys[i].section, section);
			if (d < bd) {
				bd = d;
				best = conf_keys[i].section;
			}
		}
		error_set(err, "%s:%u: unknown section [%s]%s%s%s", name, line, section,
		          best ? " (did you mean [" : "", best ? best : "", best ? "]?)" : "");
		return;
	}
	error_set(err, "%s:%u: unknown key '%s' in [%s]%s%s%s", name, line, key, section,
	          best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *trim_end(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

/* A quoted value: "text with \" and \\" and nothing after the closing quote. */
static int unquote(const char *p, const char *end, struct strbuf *out)
{
	p++;
	while (p < end && *p != '"') {
		if (*p == '\\') {
			if (p + 1 >= end || (p[1] != '"' && p[1] != '\\'))
				return -EINVAL;
			p++;
		}
		strbuf_addch(out, *p++);
	}
	if (p >= end || p + 1 != end)
		return -EINVAL;
	return 0;
}

/* A '[section]' line (p to end, trimmed): *section is its name, which must be a known one. */
static int parse_section(const char *name, unsigned line, const char *p, const char *end,
                         char **section, struct strbuf *err)
{
	const char *s = p + 1, *e = s;

	while (e < end && name_char(*e))
		e++;
	if (e == s || e >= end || *e != ']' || e + 1 != end) {
		error_set(
		    err,
		    "%s:%u: a section is written [name] with lowercase letters, digits and '_'",
		    name, line);
		return -EINVAL;
	}
	free(*section);
	*section = xstrndup(s, (size_t)(e - s));
	for (size_t i = 0; i < conf_keys_nr; i++)
		if (!strcmp(conf_keys[i].section, *section))
			return 0;
	unknown_key(name, line, *section, "", err);
	return -EINVAL;
}

static int parse_line(struct conf *c, const char *name, unsigned line, const char *p,
                      const char *end, char **section, struct strbuf *err)
{
	const char *k, *kend;
	struct strbuf value = STRBUF_INIT;
	const struct conf_key *ck;
	char *key;

	p = skip_space(p, end);
	end = trim_end(p, end);
	if (p == end || *p == '#' || *p == ';')
		return 0;
	if (*p == '[')
		return parse_section(name, line, p, end, section, err);
	k = p;
	while (p < end && name_char(*p))
		p++;
	kend = p;
	p = skip_space(p, end);
	if (k == kend || p >= end || *p != '=') {
		error_set(
		    err,
		    "%s:%u: write 'key = value' (keys are lowercase letters, digits and '_'), "
		    "'[section]' or a '#' comment",
		    name, line);
		return -EINVAL;
	}
	p = skip_space(p + 1, end);
	key = xstrndup(k, (size_t)(kend - k));
	if (!*section) {
		error_set(err, "%s:%u: key '%s' comes before any [section]", name, line, key);
		free(key);
		return -EINVAL;
	}
	ck = key_find(*section, key);
	if (!ck) {
		unknown_key(name, line, *section, key, err);
		free(key);
		return -EINVAL;
	}
	if (!(ck->flags & CONF_MULTI) && conf_get(c, *section, key)) {
		error_set(err, "%s:%u: [%s] %s is given twice: keep one", name, line, *section,
		          key);
		free(key);
		return -EINVAL;
	}
	if (p < end && *p == '"') {
		if (unquote(p, end, &value) < 0) {
			error_set(
			    err,
			    "%s:%u: a quoted value ends with '\"' and escapes only \\\" and \\\\",
			    name, line);
			strbuf_release(&value);
			free(key);
			return -EINVAL;
		}
	} else {
		strbuf_add(&value, p, (size_t)(end - p));
	}
	ALLOC_GROW(c->entries, c->nr, c->alloc);
	c->entries[c->nr].section = xstrdup(*section);
	c->entries[c->nr].key = key;
	c->entries[c->nr].value = strbuf_detach(&value, NULL);
	c->entries[c->nr].line = line;
	c->nr++;
	return 0;
}

int conf_parse(const char *name, const char *data, size_t len, struct conf *ret, struct strbuf *err)
{
	struct conf c = CONF_INIT;
	char *section = NULL;
	const char *p = data, *end = data + len;
	unsigned line = 0;
	int r = 0;

	if (len > CONF_MAX_BYTES) {
		error_set(err, "%s: larger than %d KiB: this is not a configuration file", name,
		          CONF_MAX_BYTES / 1024);
		return -EFBIG;
	}
	if (!utf8_valid(data, len)) {
		error_set(err, "%s: not UTF-8 text: save it as UTF-8", name);
		return -EINVAL;
	}
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3; /* a BOM from Notepad */
	c.name = xstrdup(name);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line++;
		if (le > p && le[-1] == '\r')
			le--;
		if ((size_t)(le - p) > CONF_MAX_LINE) {
			error_set(err, "%s:%u: line longer than %d bytes", name, line,
			          CONF_MAX_LINE);
			r = -EINVAL;
			break;
		}
		for (const char *q = p; q < le; q++) {
			unsigned char ch = (unsigned char)*q;
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
				error_set(err, "%s:%u: control character 0x%02x: remove it", name,
				          line, ch);
				r = -EINVAL;
				break;
			}
		}
		if (r < 0)
			break;
		r = parse_line(&c, name, line, p, le, &section, err);
		if (r < 0)
			break;
		p = nl ? nl + 1 : end;
	}
	free(section);
	if (r < 0) {
		conf_release(&c);
		return r;
	}
	*ret = c;
	return 0;
}

int conf_load(const char *dir, struct conf *ret, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT_SECRET;
	int r;

	strbuf_addf(&path, "%s/%s", dir, CONF_FILE);
	r = strbuf_read_file(&data, path.buf, CONF_MAX_BYTES + 1);
	if (r == -ENOENT) {
		struct conf c = CONF_INIT;
		c.name = strbuf_detach(&path, NULL);
		*ret = c;
		r = 0;
		goto out;
	}
	if (r < 0) {
		error_set(err, "cannot read '%s': %s", path.buf,
		          r == -EFBIG ? "larger than 256 KiB" : strerror(-r));
		goto out;
	}
	r = conf_parse(path.buf, data.buf, data.len, ret, err);
out:
	strbuf_release(&path);
	strbuf_release_secret(&data);
	return r;
}

void conf_release(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nr; i++) {
		free(c->entries[i].section);
		free(c->entries[i].key);
		free(c->entries[i].value);
	}
	free(c->entries);
	free(c->name);
	memset(c, 0, sizeof(*c));
}

const struct conf_entry *conf_next(const struct conf *c, const char *section, const char *key,
                                   size_t *it)
{
	for (size_t i = *it; c && i < c->nr; i++) {
		if (!strcmp(c->entries[i].section, section) && !strcmp(c->entries[i].key, key)) {
			*it = i + 1;
			return &c->entries[i];
		}
	}
	if (c)
		*it = c->nr;
	return NULL;
}

static const struct conf_entry *entry_get(const struct conf *c, const char *section,
                                          const char *key)
{
	size_t it = 0;

	return conf_next(c, section, key, &it);
}

const char *conf_get(const struct conf *c, const char *section, const char *key)
{
	const struct conf_entry *e = entry_get(c, section, key);

	return e ? e->value : NULL;
}

int conf_get_bool(const struct conf *c, const char *section, const char *key, bool def, bool *ret,
                  struct strbuf *err)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	const struct conf_entry *e = entry_get(c, section, key);

	if (!e) {
		*ret = def;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(e->value, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(e->value, no[i])) {
			*ret = false;
			return 0;
		}
	}
	error_set(err, "%s:%u: [%s] %s: write yes or no, not '%s'", c->name, e->line, section, key,
	          e->value);
	return -EINVAL;
}

int conf_get_int(const struct conf *c, const char *section, const char *key, int64_t min,
                 int64_t max, int64_t def, int64_t *ret, struct strbuf *err)
{
	const struct conf_entry *e = entry_get(c, section, key);

	if (!e) {
		*ret = def;
		return 0;
	}
	if (parse_int64(e->value, min, max, ret) < 0) {
		error_set(err, "%s:%u: [%s] %s: write a whole number from %lld to %lld, not '%s'",
		          c->name, e->line, section, key, (long long)min, (long long)max, e->value);
		return -EINVAL;
	}
	return 0;
}

int conf_split_list(const char *value, char ***ret, size_t *ret_nr)
{
	char **items = NULL;
	size_t nr = 0, alloc = 0;
	const char *p = value;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		const char *s = skip_space(p, e);
		const char *t = trim_end(s, e);
		if (t > s) {
			ALLOC_GROW(items, nr, alloc);
			items[nr++] = xstrndup(s, (size_t)(t - s));
		}
		p = comma ? comma + 1 : NULL;
	}
	*ret = items;
	*ret_nr = nr;
	return 0;
}

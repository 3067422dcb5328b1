/* config: reads AIDE's configuration syntax into rules and decides which paths are checked. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/config.h"

struct fim_group {
	char *name;
	uint32_t attrs;
};

struct fim_matcher {
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

/*
 * Attribute names. Columns: the name as AIDE spells it, the attributes it stands for, and
 * whether it is a digest other than SHA-256 (checked as SHA-256, with a warning).
 */
static const struct attr_name {
	const char *name;
	uint32_t attrs;
	bool other_hash;
} attr_names[] = {
	{ "p", FIM_BIT(FIM_ATTR_MODE), false },
	{ "i", FIM_BIT(FIM_ATTR_INODE), false },
	{ "n", FIM_BIT(FIM_ATTR_NLINK), false },
	{ "u", FIM_BIT(FIM_ATTR_UID), false },
	{ "g", FIM_BIT(FIM_ATTR_GID), false },
	{ "s", FIM_BIT(FIM_ATTR_SIZE), false },
	{ "b", FIM_BIT(FIM_ATTR_BLOCKS), false },
	{ "m", FIM_BIT(FIM_ATTR_MTIME), false },
	{ "a", FIM_BIT(FIM_ATTR_ATIME), false },
	{ "c", FIM_BIT(FIM_ATTR_CTIME), false },
	{ "l", FIM_BIT(FIM_ATTR_LINK), false },
	{ "ftype", FIM_BIT(FIM_ATTR_TYPE), false },
	{ "acl", FIM_BIT(FIM_ATTR_ACL), false },
	{ "selinux", FIM_BIT(FIM_ATTR_SELINUX), false },
	{ "xattrs", FIM_BIT(FIM_ATTR_XATTRS), false },
	{ "e2fsattrs", FIM_BIT(FIM_ATTR_FLAGS), false },
	{ "caps", FIM_BIT(FIM_ATTR_CAPS), false },
	{ "S", FIM_BIT(FIM_ATTR_SIZE) | FIM_BIT(FIM_ATTR_GROWING), false },
	{ "growing", FIM_BIT(FIM_ATTR_GROWING), false },
	{ "I", FIM_BIT(FIM_ATTR_NONAME), false },
	{ "compressed", FIM_BIT(FIM_ATTR_COMPRESS), false },
	{ "ANF", FIM_BIT(FIM_ATTR_ANF), false },
	{ "ARF", FIM_BIT(FIM_ATTR_ARF), false },
	{ "critical", FIM_BIT(FIM_ATTR_CRITICAL), false },
	{ "sha256", FIM_BIT(FIM_ATTR_SHA256), false },
	{ "md5", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "sha1", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "sha512", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "sha512_256", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "sha3_256", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "sha3_512", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "rmd160", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "tiger", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "haval", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "gost", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "crc32", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "crc32b", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "whirlpool", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "stribog256", FIM_BIT(FIM_ATTR_SHA256), true },
	{ "stribog512", FIM_BIT(FIM_ATTR_SHA256), true },
};

#define A(x) FIM_BIT(FIM_ATTR_##x)
#define X_GROUP (A(ACL) | A(SELINUX) | A(XATTRS) | A(FLAGS) | A(CAPS))
#define R_GROUP                                                                                    \
	(A(LINK) | A(MODE) | A(UID) | A(GID) | A(SIZE) | A(CTIME) | A(MTIME) | A(INODE) |          \
	 A(NLINK) | A(SHA256) | A(TYPE) | X_GROUP)
#define L_GROUP (A(LINK) | A(MODE) | A(UID) | A(GID) | A(INODE) | A(NLINK) | A(TYPE) | X_GROUP)
#define GROWING_GROUP (L_GROUP | A(SIZE) | A(GROWING))

/*
 * Groups every configuration starts with. Columns: name, attributes. AIDE 0.18's R, L, >,
 * H, X, E (R's md5 is checked as SHA-256), then Mamori's presets: ReadOnly (content and
 * metadata must not change), Log (rotated logs: owner, mode, type only), GrowingLog (logs
 * that only grow: a larger size is fine if the old content is unchanged) and Critical
 * (ReadOnly; a change opens an incident).
 */
static const struct {
	const char *name;
	uint32_t attrs;
} predefined[] = {
	{ "R", R_GROUP },
	{ "L", L_GROUP },
	{ ">", GROWING_GROUP },
	{ "H", A(SHA256) },
	{ "X", X_GROUP },
	{ "E", 0 },
	{ "ReadOnly", R_GROUP },
	{ "Log", L_GROUP & ~A(INODE) },
	{ "GrowingLog", GROWING_GROUP | A(SHA256) },
	{ "Critical", R_GROUP | A(CRITICAL) },
};

/*
 * AIDE's options: accepted and ignored unless used here. Database and report settings
 * belong to AIDE's own files and reports, which Mamori replaces with the ledger.
 */
static const char *const known_options[] = {
	"database", "database_in", "database_out", "database_new", "database_attrs",
	"database_add_metadata", "database_gzip", "gzip_dbout", "log_level", "verbose",
	"root_prefix", "acl_no_symlink_follow", "warn_dead_symlinks", "config_version",
	"config_check_warn_unrestricted_rules", "num_workers", "report_url", "report_level",
	"report_format", "report_base16", "report_detailed_init", "report_quiet",
	"report_append", "report_grouped", "grouped", "report_summarize_changes",
	"summarize_changes", "report_ignore_added_attrs", "report_ignore_removed_attrs",
	"report_ignore_changed_attrs", "ignore_list", "report_force_attrs", "report_attributes",
	"report_ignore_e2fsattrs", "syslog_format",
};

struct var {
	char *name, *value;
};

/* One open @@if: whether its lines are used, and whether an @@else was seen. */
struct cond {
	bool active, taken, parent_active, seen_else;
	unsigned line;
};

struct parser {
	unsigned flags;
	struct fim_diags *diags;
	struct strbuf *err;
	struct fim_config *c;
	struct var *vars;
	size_t nr_vars, alloc_vars;
	size_t alloc_rules;
	EVP_MD_CTX *sha;
	int depth; /* include nesting */
	size_t files;
	bool warned_hash;
	char host[256];
	/* the file being read */
	const char *file;
	unsigned line;
	struct cond *conds;
	size_t nr_conds, alloc_conds;
	unsigned rule_order;
	unsigned *orders; /* file order of each rule, for sorting */
};

static void diag(struct parser *p, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void diag(struct parser *p, bool error, const char *fmt, ...)
{
	struct fim_diags *d = p->diags;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (error && p->err && !p->err->len)
		error_set(p->err, "%s:%u: %s", p->file, p->line, sb.buf);
	if (d) {
		ALLOC_GROW(d->items, d->nr, d->alloc);
		d->items[d->nr++] = (struct fim_diag){ .file = xstrdup(p->file),
			                               .line = p->line,
			                               .error = error,
			                               .message = strbuf_detach(&sb, NULL) };
		if (error)
			d->errors++;
	} else {
		strbuf_release(&sb);
	}
}

static bool has_error(const struct parser *p)
{
	return p->err && p->err->len;
}

void fim_diags_release(struct fim_diags *d)
{
	for (size_t i = 0; i < d->nr; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}

void fim_diags_format(const struct fim_diags *d, struct strbuf *out)
{
	for (size_t i = 0; i < d->nr; i++)
		strbuf_addf(out, "%s:%u: %s: %s\n", d->items[i].file, d->items[i].line,
		            d->items[i].error ? "error" : "warning", d->items[i].message);
}

/* ---- groups and attribute expressions ---- */

static struct fim_group *group_find(struct fim_config *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->nr_groups; i++)
		if (strlen(c->groups[i].name) == len && !memcmp(c->groups[i].name, name, len))
			return &c->groups[i];
	return NULL;
}

static const struct attr_name *attr_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(attr_names); i++)
		if (strlen(attr_names[i].name) == len && !memcmp(attr_names[i].name, name, len))
			return &attr_names[i];
	return NULL;
}

static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t prev[64], cur[64];

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
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

/* The closest attribute or group name to name, for "did you mean". */
static const char *suggest(struct parser *p, const char *name, size_t len)
{
	const char *best = NULL;
	size_t bd = len > 3 ? 2 : 1;

	for (size_t i = 0; i < ARRAY_SIZE(attr_names); i++) {
		size_t d = edit_distance(name, len, attr_names[i].name, strlen(attr_names[i].name));
		if (d <= bd && (!best || d < bd)) {
			best = attr_names[i].name;
			bd = d;
		}
	}
	for (size_t i = 0; i < p->c->nr_groups; i++) {
		const char *g = p->c->groups[i].name;
		size_t d = edit_distance(name, len, g, strlen(g));
		if (d <= bd && (!best || d < bd)) {
			best = g;
			bd = d;
		}
	}
	return best;
}

/* "R+sha256-m": attributes and groups joined by + and -. Returns 0 or -EINVAL (reported). */
static int parse_attrs(struct parser *p, const char *s, uint32_t *ret)
{
	uint32_t attrs = 0;
	bool add = true;
	const char *q = s;

	if (!*s) {
		diag(p, true, "an attribute expression is missing");
		return -EINVAL;
	}
	while (*q) {
		const char *start = q;
		size_t len;
		uint32_t v;

		while (*q && *q != '+' && *q != '-')
			q++;
		len = (size_t)(q - start);
		if (len == 0) {
			diag(p, true, "attribute expression '%s': an empty name before '%c'", s,
			     *q ? *q : '+');
			return -EINVAL;
		}
		struct fim_group *g = group_find(p->c, start, len);
		const struct attr_name *a = g ? NULL : attr_find(start, len);
		if (g) {
			v = g->attrs;
		} else if (a) {
			v = a->attrs;
			if (a->other_hash && !p->warned_hash) {
				diag(p, false,
				     "'%.*s' is checked as SHA-256: Mamori keeps one digest, "
				     "SHA-256, for every hash name",
				     (int)len, start);
				p->warned_hash = true;
			}
		} else {
			const char *hint = suggest(p, start, len);
			if (hint)
				diag(p, true,
				     "unknown attribute or group '%.*s' (did you mean '%s'?)",
				     (int)len, start, hint);
			else
				diag(p, true,
				     "unknown attribute or group '%.*s'; define the group first "
				     "('Name = p+u+g+sha256')",
				     (int)len, start);
			return -EINVAL;
		}
		if (add)
			attrs |= v;
		else
			attrs &= ~v;
		if (*q) {
			add = *q == '+';
			q++;
			if (!*q) {
				diag(p, true, "attribute expression '%s' ends with '%c'", s, q[-1]);
				return -EINVAL;
			}
		}
	}
	*ret = attrs;
	return 0;
}

static void group_set(struct fim_config *c, const char *name, size_t len, uint32_t attrs)
{
	struct fim_group *g = group_find(c, name, len);

	if (!g) {
		ALLOC_GROW(c->groups, c->nr_groups, c->alloc_groups);
		g = &c->groups[c->nr_groups++];
		g->name = xstrndup(name, len);
	}
	g->attrs = attrs;
}

/* ---- macro variables and escapes ---- */

static struct var *var_find(struct parser *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->nr_vars; i++)
		if (strlen(p->vars[i].name) == len && !memcmp(p->vars[i].name, name, len))
			return &p->vars[i];
	return NULL;
}

static bool var_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > 128)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static int var_set(struct parser *p, const char *name, const char *value)
{
	struct var *v = var_find(p, name, strlen(name));

	if (!v) {
		if (p->nr_vars >= FIM_CONFIG_MAX_VARS) {
			diag(p, true, "more than %d variables", FIM_CONFIG_MAX_VARS);
			return -EINVAL;
		}
		ALLOC_GROW(p->vars, p->nr_vars, p->alloc_vars);
		v = &p->vars[p->nr_vars++];
		v->name = xstrdup(name);
		v->value = NULL;
	}
	free(v->value);
	v->value = xstrdup(value);
	return 0;
}

static void var_unset(struct parser *p, const char *name)
{
	struct var *v = var_find(p, name, strlen(name));

	if (!v)
		return;
	free(v->name);
	free(v->value);
	*v = p->vars[--p->nr_vars];
}

/*
 * Replaces @@{VAR} with its value (empty when undefined, as AIDE). "\@" and "\\" keep the
 * next character from starting a substitution; the escapes themselves stay for tokenizing.
 */
static int substitute(struct parser *p, const char *line, struct strbuf *out)
{
	for (const char *s = line; *s;) {
		if (s[0] == '\\' && s[1]) {
			strbuf_add(out, s, 2);
			s += 2;
		} else if (s[0] == '@' && s[1] == '@' && s[2] == '{') {
			const char *end = strchr(s + 3, '}');
			if (!end || !var_name_valid(s + 3, (size_t)(end - s - 3))) {
				diag(p, true, "'@@{' without a variable name and '}'");
				return -EINVAL;
			}
			struct var *v = var_find(p, s + 3, (size_t)(end - s - 3));
			if (v)
				strbuf_addstr(out, v->value);
			s = end + 1;
		} else {
			strbuf_addch(out, *s++);
		}
		if (out->len > FIM_CONFIG_MAX_LINE) {
			diag(p, true, "the line is longer than %d bytes after substitution",
			     FIM_CONFIG_MAX_LINE);
			return -EINVAL;
		}
	}
	return 0;
}

/* Splits at unescaped blanks, undoing '\ ', '\@' and '\\'; other escapes are kept. */
static size_t tokenize(char *line, char **tok, size_t max)
{
	size_t n = 0;
	char *r = line, *w = line;

	while (*r) {
		while (*r == ' ' || *r == '\t')
			r++;
		if (!*r)
			break;
		if (n == max)
			return max + 1;
		tok[n++] = w;
		while (*r && *r != ' ' && *r != '\t') {
			if (r[0] == '\\' && (r[1] == ' ' || r[1] == '@' || r[1] == '\\' || r[1] == '\t')) {
				*w++ = r[1];
				r += 2;
			} else {
				*w++ = *r++;
			}
		}
		if (*r)
			r++;
		*w++ = '\0';
	}
	return n;
}

/* ---- rules ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* AIDE's %XX in a rule's regex ("%20" for a space). */
static int url_decode(struct parser *p, const char *in, struct strbuf *out)
{
	for (const char *s = in; *s; s++) {
		int h, l;
		if (s[0] == '%' && (h = hexval(s[1])) >= 0 && (l = hexval(s[2])) >= 0) {
			if (h == 0 && l == 0) {
				diag(p, true, "'%%00' in '%s': a path never holds a NUL byte", in);
				return -EINVAL;
			}
			strbuf_addch(out, h * 16 + l);
			s += 2;
		} else {
			strbuf_addch(out, *s);
		}
	}
	return 0;
}

/*
 * The rule's node in AIDE's rule tree: the regex up to its first '(', '^', '$', '*' or '[',
 * with backslash escapes taken literally, cut at the last '/'. "/etc/ssh/.*" is in /etc/ssh,
 * "/etc" in "/".
 */
static char *rule_node(const char *rx, size_t *ret_len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t last = 0;

	for (size_t i = 0; rx[i]; i++) {
		char ch = rx[i];
		if (ch == '(' || ch == '^' || ch == '$' || ch == '*' || ch == '[')
			break;
		if (ch == '\\') {
			if (!rx[i + 1])
				break;
			ch = rx[++i];
		}
		if (ch == '/')
			last = sb.len;
		strbuf_addch(&sb, ch);
	}
	strbuf_setlen(&sb, last);
	*ret_len = sb.len;
	return strbuf_detach(&sb, NULL);
}

static int parse_types(struct parser *p, const char *s, uint16_t *ret)
{
	static const char letters[] = "fdlcbps";
	static const unsigned types[] = { FIM_TYPE_FILE, FIM_TYPE_DIR,  FIM_TYPE_LINK,
		                          FIM_TYPE_CHR,  FIM_TYPE_BLK,  FIM_TYPE_FIFO,
		                          FIM_TYPE_SOCK };
	uint16_t mask = 0;

	if (!strcmp(s, "0")) {
		*ret = 0;
		return 0;
	}
	if (strchr(s, '=')) {
		diag(p, true,
		     "file system type restriction '%s' is not supported; restrict by file "
		     "types (f,d,l,c,b,p,s) only",
		     s);
		return -EINVAL;
	}
	for (const char *q = s; *q; q++) {
		const char *hit;
		if (*q == ',' && q != s && q[1])
			continue;
		if (*q == 'D' || *q == 'P') { /* Solaris doors and event ports: never on Linux */
			mask |= 1u << 15;
			continue;
		}
		if (!*q || !(hit = strchr(letters, *q)) || (q[1] && q[1] != ',')) {
			diag(p, true,
			     "'%s' is not a file type restriction: letters f d l c b p s "
			     "separated by commas, or 0",
			     s);
			return -EINVAL;
		}
		mask |= (uint16_t)(1u << types[hit - letters]);
	}
	*ret = mask;
	return 0;
}

static int add_rule(struct parser *p, char **tok, size_t n)
{
	struct fim_config *c = p->c;
	enum fim_rule_kind kind = FIM_RULE_SELECT;
	const char *rx = tok[0], *types = NULL, *attrs = NULL;
	struct strbuf decoded = STRBUF_INIT;
	struct fim_rule r = { 0 };
	int errcode;
	PCRE2_SIZE erroff;

	if (rx[0] == '=') {
		kind = FIM_RULE_EQUALS;
		rx++;
	} else if (rx[0] == '!') {
		kind = FIM_RULE_NEGATIVE;
		rx++;
	} else if (rx[0] == '-') {
		kind = FIM_RULE_PRUNE;
		rx++;
	}
	if (rx[0] != '/') {
		diag(p, true, "a rule's path must start with '/': '%s'", tok[0]);
		return -EINVAL;
	}
	if (kind == FIM_RULE_NEGATIVE || kind == FIM_RULE_PRUNE) {
		if (n > 2) {
			diag(p, true, "a negative rule takes a path and at most a restriction: '%s'",
			     tok[0]);
			return -EINVAL;
		}
		types = n == 2 ? tok[1] : NULL;
	} else {
		if (n < 2) {
			diag(p, true, "rule '%s' needs an attribute expression or group ('%s R')",
			     tok[0], tok[0]);
			return -EINVAL;
		}
		if (n > 3) {
			diag(p, true, "rule '%s': too many words (path, restriction, attributes)",
			     tok[0]);
			return -EINVAL;
		}
		types = n == 3 ? tok[1] : NULL;
		attrs = tok[n - 1];
	}
	if (c->nr_rules >= FIM_CONFIG_MAX_RULES) {
		diag(p, true, "more than %d rules", FIM_CONFIG_MAX_RULES);
		return -EINVAL;
	}
	if (url_decode(p, rx, &decoded) < 0)
		goto fail;
	if (decoded.len > FIM_PATH_MAX) {
		diag(p, true, "the rule's regular expression is longer than %d bytes", FIM_PATH_MAX);
		goto fail;
	}
	if (types && parse_types(p, types, &r.types) < 0)
		goto fail;
	if (attrs && parse_attrs(p, attrs, &r.attrs) < 0)
		goto fail;
	r.re = pcre2_compile((PCRE2_SPTR)decoded.buf, decoded.len,
	                     PCRE2_ANCHORED | PCRE2_DOLLAR_ENDONLY, &errcode, &erroff, NULL);
	if (!r.re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		diag(p, true, "regular expression '%s' at offset %zu: %s", decoded.buf,
		     (size_t)erroff, (const char *)msg);
		goto fail;
	}
	if (!(p->flags & FIM_CONFIG_NO_JIT))
		pcre2_jit_compile(r.re, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
	r.kind = kind;
	r.node = rule_node(decoded.buf, &r.node_len);
	r.regex = strbuf_detach(&decoded, NULL);
	r.file = xstrdup(p->file);
	r.line = p->line;
	if (r.attrs & FIM_BIT(FIM_ATTR_GROWING))
		c->growing = true;
	ALLOC_GROW(c->rules, c->nr_rules, p->alloc_rules);
	p->orders = xreallocarray(p->orders, p->alloc_rules, sizeof(*p->orders));
	p->orders[c->nr_rules] = p->rule_order++;
	c->rules[c->nr_rules++] = r;
	return 0;
fail:
	strbuf_release(&decoded);
	return -EINVAL;
}

/* ---- options and groups ---- */

static bool is_known_option(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_options); i++)
		if (!strcmp(known_options[i], name))
			return true;
	return false;
}

static int set_option(struct parser *p, const char *name, const char *value)
{
	if (!strcmp(name, "num_workers")) {
		char *end;
		long v;
		size_t len = strlen(value);
		if (len && value[len - 1] == '%') {
			long cpus = sysconf(_SC_NPROCESSORS_ONLN);
			errno = 0;
			v = strtol(value, &end, 10);
			if (errno || end != value + len - 1 || v < 0 || v > 100)
				goto bad;
			v = (v * (cpus > 0 ? cpus : 1) + 99) / 100;
		} else {
			errno = 0;
			v = strtol(value, &end, 10);
			if (errno || *end || end == value || v < 0)
				goto bad;
		}
		if (v > 64)
			v = 64;
		if (!p->c->workers) /* the first one counts, as in AIDE */
			p->c->workers = v ? (int)v : 1;
		return 0;
	bad:
		diag(p, true, "num_workers '%s' is not a number of threads or a percentage", value);
		return -EINVAL;
	}
	if (!strcmp(name, "report_ignore_changed_attrs") || !strcmp(name, "ignore_list")) {
		uint32_t a;
		if (parse_attrs(p, value, &a) < 0)
			return -EINVAL;
		p->c->ignore_changed |= a & FIM_RECORDED_MASK;
	}
	return 0;
}

static bool group_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return true;
}

/* "name = value" or "name=value": an option or a group definition. */
static int option_or_group(struct parser *p, char *line, char *eq)
{
	char *name = line, *value = eq + 1, *end = eq;

	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	while (*value == ' ' || *value == '\t')
		value++;
	if (is_known_option(name))
		return set_option(p, name, value);
	if (!group_name_valid(name, strlen(name))) {
		diag(p, true,
		     "'%s' is neither an AIDE option nor a group name (letters and digits only)",
		     name);
		return -EINVAL;
	}
	if (p->c->nr_groups >= FIM_CONFIG_MAX_GROUPS) {
		diag(p, true, "more than %d groups", FIM_CONFIG_MAX_GROUPS);
		return -EINVAL;
	}
	/* A value with blanks is an expression written with spaces: "p + u". */
	struct strbuf expr = STRBUF_INIT;
	uint32_t attrs;
	for (const char *q = value; *q; q++)
		if (*q != ' ' && *q != '\t')
			strbuf_addch(&expr, *q);
	int r = parse_attrs(p, expr.buf, &attrs);
	strbuf_release(&expr);
	if (r < 0)
		return r;
	group_set(p->c, name, strlen(name), attrs);
	return 0;
}

/* ---- files and macros ---- */

static int parse_text(struct parser *p, const char *name, const char *buf, size_t len);

static bool cond_active(const struct parser *p)
{
	return !p->nr_conds || p->conds[p->nr_conds - 1].active;
}

/* @@if's expression: [not] (defined VAR | hostname NAME | exists PATH). */
static int eval_if(struct parser *p, const char **tok, size_t n, bool *ret)
{
	bool neg = false;
	size_t i = 0;

	while (i < n && !strcmp(tok[i], "not")) {
		neg = !neg;
		i++;
	}
	if (n - i != 2) {
		diag(p, true, "@@if needs '[not] defined VAR', 'hostname NAME' or 'exists PATH'");
		return -EINVAL;
	}
	if (!strcmp(tok[i], "defined"))
		*ret = var_find(p, tok[i + 1], strlen(tok[i + 1])) != NULL;
	else if (!strcmp(tok[i], "hostname"))
		*ret = !strcmp(p->host, tok[i + 1]);
	else if (!strcmp(tok[i], "exists")) {
		struct stat st;
		*ret = !(p->flags & FIM_CONFIG_NO_FS) && lstat(tok[i + 1], &st) == 0;
	} else {
		diag(p, true, "@@if: unknown test '%s' (defined, hostname, exists, not)", tok[i]);
		return -EINVAL;
	}
	*ret ^= neg;
	return 0;
}

static void cond_push(struct parser *p, bool value)
{
	bool parent = cond_active(p);

	ALLOC_GROW(p->conds, p->nr_conds, p->alloc_conds);
	p->conds[p->nr_conds++] = (struct cond){ .active = parent && value,
		                                 .taken = value,
		                                 .parent_active = parent,
		                                 .line = p->line };
}

static int include_file(struct parser *p, const char *path, bool must_be_file)
{
	struct strbuf data = STRBUF_INIT;
	struct stat st;
	int r;

	if (p->files >= FIM_CONFIG_MAX_FILES) {
		diag(p, true, "more than %d configuration files", FIM_CONFIG_MAX_FILES);
		return -EINVAL;
	}
	if (stat(path, &st) < 0 || (must_be_file && !S_ISREG(st.st_mode))) {
		diag(p, true, "cannot include '%s': %s", path,
		     errno ? strerror(errno) : "not a regular file");
		return -EINVAL;
	}
	r = strbuf_read_file(&data, path, FIM_CONFIG_MAX_BYTES);
	if (r < 0) {
		diag(p, true, "cannot include '%s': %s", path,
		     r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		strbuf_release(&data);
		return -EINVAL;
	}
	const char *file = p->file;
	unsigned line = p->line;
	p->depth++;
	r = parse_text(p, path, data.buf, data.len);
	p->depth--;
	p->file = file;
	p->line = line;
	strbuf_release(&data);
	return r;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @@include FILE, or @@include DIR REGEX [PREFIX]: the directory's matching files in order. */
static int do_include(struct parser *p, char **tok, size_t n)
{
	if (p->flags & FIM_CONFIG_NO_INCLUDE) {
		diag(p, true, "@@include is not allowed here: give one self-contained file");
		return -EINVAL;
	}
	if (p->depth >= FIM_CONFIG_MAX_INCLUDE) {
		diag(p, true, "includes nested deeper than %d", FIM_CONFIG_MAX_INCLUDE);
		return -EINVAL;
	}
	if (n == 1)
		return include_file(p, tok[0], false);
	if (n == 3) {
		diag(p, true, "@@include with a rule prefix is not supported; include the files "
		              "one by one");
		return -EINVAL;
	}
	if (n != 2) {
		diag(p, true, "@@include needs FILE, or DIRECTORY REGEX");
		return -EINVAL;
	}
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)tok[1], PCRE2_ZERO_TERMINATED, 0, &errcode,
	                               &erroff, NULL);
	if (!re) {
		diag(p, true, "@@include: bad regular expression '%s'", tok[1]);
		return -EINVAL;
	}
	DIR *dir = opendir(tok[0]);
	if (!dir) {
		diag(p, true, "cannot include directory '%s': %s", tok[0], strerror(errno));
		pcre2_code_free(re);
		return -EINVAL;
	}
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	char **names = NULL;
	size_t nr = 0, alloc = 0;
	struct dirent *de;
	int r = 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (pcre2_match(re, (PCRE2_SPTR)de->d_name, PCRE2_ZERO_TERMINATED, 0, 0, md,
		                NULL) < 0)
			continue;
		ALLOC_GROW(names, nr, alloc);
		names[nr++] = xstrdup(de->d_name);
	}
	closedir(dir);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	if (nr)
		qsort(names, nr, sizeof(*names), name_cmp);
	for (size_t i = 0; i < nr; i++) {
		struct strbuf path = STRBUF_INIT;
		struct stat st;
		strbuf_addf(&path, "%s/%s", tok[0], names[i]);
		if (r == 0 && stat(path.buf, &st) == 0 && S_ISREG(st.st_mode))
			r = include_file(p, path.buf, true);
		strbuf_release(&path);
		free(names[i]);
	}
	free(names);
	return r;
}

static int macro(struct parser *p, char *line)
{
	char *tok[8];
	char *word = line + 2, *rest = word;
	size_t n;

	while (*rest && *rest != ' ' && *rest != '\t')
		rest++;
	if (*rest)
		*rest++ = '\0';
	n = tokenize(rest, tok, ARRAY_SIZE(tok));
	if (n > ARRAY_SIZE(tok)) {
		diag(p, true, "@@%s: too many words", word);
		return -EINVAL;
	}
	/* Conditionals are followed even inside a false branch, to find their @@endif. */
	if (!strcmp(word, "if") || !strcmp(word, "ifdef") || !strcmp(word, "ifndef") ||
	    !strcmp(word, "ifhost") || !strcmp(word, "ifnhost")) {
		bool v = false;
		if (cond_active(p)) {
			const char *t[9];
			size_t m = 0;
			if (!strcmp(word, "ifndef") || !strcmp(word, "ifnhost"))
				t[m++] = "not";
			if (!strcmp(word, "ifdef") || !strcmp(word, "ifndef"))
				t[m++] = "defined";
			else if (strcmp(word, "if"))
				t[m++] = "hostname";
			if (m && n != 1) {
				diag(p, true, "@@%s needs exactly one name", word);
				return -EINVAL;
			}
			for (size_t i = 0; i < n; i++)
				t[m++] = tok[i];
			if (eval_if(p, t, m, &v) < 0)
				return -EINVAL;
		}
		cond_push(p, v);
		return 0;
	}
	if (!strcmp(word, "else") || !strcmp(word, "endif")) {
		if (!p->nr_conds) {
			diag(p, true, "@@%s without @@if", word);
			return -EINVAL;
		}
		struct cond *c = &p->conds[p->nr_conds - 1];
		if (!strcmp(word, "endif")) {
			p->nr_conds--;
			return 0;
		}
		if (c->seen_else) {
			diag(p, true, "a second @@else for the @@if of line %u", c->line);
			return -EINVAL;
		}
		c->seen_else = true;
		c->active = c->parent_active && !c->taken;
		return 0;
	}
	if (!cond_active(p))
		return 0;
	if (!strcmp(word, "define")) {
		if (n < 1 || n > 2 || !var_name_valid(tok[0], strlen(tok[0]))) {
			diag(p, true, "@@define needs a name (letters, digits, '_') and a value");
			return -EINVAL;
		}
		return var_set(p, tok[0], n == 2 ? tok[1] : "");
	}
	if (!strcmp(word, "undef")) {
		if (n != 1) {
			diag(p, true, "@@undef needs a name");
			return -EINVAL;
		}
		var_unset(p, tok[0]);
		return 0;
	}
	if (!strcmp(word, "include"))
		return do_include(p, tok, n);
	if (!strcmp(word, "x_include") || !strcmp(word, "x_include_setenv")) {
		diag(p, true,
		     "@@%s runs programs to make configuration: Mamori reads text only; run "
		     "it and save its output as a file to @@include",
		     word);
		return -EINVAL;
	}
	diag(p, true, "unknown macro '@@%s'", word);
	return -EINVAL;
}

static int parse_line(struct parser *p, char *raw)
{
	struct strbuf line = STRBUF_INIT;
	char *s, *e, *tok[4];
	size_t n;
	int r = 0;

	/* Trim; comments and blank lines. */
	for (s = raw; *s == ' ' || *s == '\t'; s++)
		;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	if (!*s || *s == '#')
		return 0;
	for (const char *q = s; *q; q++)
		if ((unsigned char)*q < 0x20 && *q != '\t') {
			diag(p, true, "a control character (0x%02x) in the line", (unsigned char)*q);
			return -EINVAL;
		}
	if (s[0] == '@' && s[1] == '@' && s[2] != '{') {
		if (substitute(p, s, &line) < 0)
			return -EINVAL;
		r = macro(p, line.buf);
		strbuf_release(&line);
		return r;
	}
	if (!cond_active(p))
		return 0;
	if (substitute(p, s, &line) < 0)
		return -EINVAL;
	s = line.buf;
	if (s[0] == '/' || ((s[0] == '=' || s[0] == '!' || s[0] == '-') && s[1] == '/')) {
		n = tokenize(s, tok, 3);
		r = n > 3 ? (diag(p, true, "rule '%s': too many words", s), -EINVAL)
		          : add_rule(p, tok, n);
	} else {
		char *eq = strchr(s, '=');
		if (eq && eq != s) {
			r = option_or_group(p, s, eq);
		} else {
			diag(p, true,
			     "not a rule, group or option: rules start with '/', '=/', '!/' or "
			     "'-/'; groups and options are 'name = value'");
			r = -EINVAL;
		}
	}
	strbuf_release(&line);
	return r;
}

static int parse_text(struct parser *p, const char *name, const char *buf, size_t len)
{
	size_t conds = p->nr_conds;
	char *copy;
	int r = 0;

	p->file = name;
	p->line = 0;
	p->files++;
	EVP_DigestUpdate(p->sha, buf, len);
	if (len > FIM_CONFIG_MAX_BYTES) {
		diag(p, true, "larger than 1 MiB");
		return -EFBIG;
	}
	if (memchr(buf, '\0', len)) {
		p->line = 1;
		for (const char *q = buf; *q; q++)
			p->line += *q == '\n';
		diag(p, true, "a NUL byte: not a text file");
		return -EINVAL;
	}
	copy = xstrndup(buf, len);
	for (char *s = copy; s && *s;) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		p->line++;
		if (strlen(s) > FIM_CONFIG_MAX_LINE) {
			diag(p, true, "the line is longer than %d bytes", FIM_CONFIG_MAX_LINE);
			r = -EINVAL;
		} else if (parse_line(p, s) < 0) {
			r = -EINVAL;
		}
		s = nl ? nl + 1 : NULL;
	}
	free(copy);
	if (p->nr_conds > conds) {
		p->line = p->conds[p->nr_conds - 1].line;
		diag(p, true, "@@if without @@endif in this file");
		p->nr_conds = conds;
		r = -EINVAL;
	}
	return r;
}

/* ---- building the configuration ---- */

static struct parser *sort_parser; /* qsort has no context argument in C11 */

static int rule_kind_rank(enum fim_rule_kind k)
{
	return k == FIM_RULE_PRUNE ? 0 : k == FIM_RULE_NEGATIVE ? 1 : k == FIM_RULE_EQUALS ? 2 : 3;
}

static int rule_order_cmp(const void *a, const void *b)
{
	const size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	const struct fim_rule *ra = &sort_parser->c->rules[ia], *rb = &sort_parser->c->rules[ib];

	if (ra->node_len != rb->node_len)
		return ra->node_len > rb->node_len ? -1 : 1;
	if (rule_kind_rank(ra->kind) != rule_kind_rank(rb->kind))
		return rule_kind_rank(ra->kind) - rule_kind_rank(rb->kind);
	return sort_parser->orders[ia] < sort_parser->orders[ib] ? -1 : 1;
}

/* Deepest node first; within equally deep nodes by kind, then file order. */
static void order_rules(struct parser *p)
{
	struct fim_config *c = p->c;
	size_t *idx = xcalloc(c->nr_rules ? c->nr_rules : 1, sizeof(*idx));
	struct fim_rule *sorted = xcalloc(c->nr_rules ? c->nr_rules : 1, sizeof(*sorted));

	for (size_t i = 0; i < c->nr_rules; i++)
		idx[i] = i;
	sort_parser = p;
	qsort(idx, c->nr_rules, sizeof(*idx), rule_order_cmp);
	sort_parser = NULL;
	for (size_t i = 0; i < c->nr_rules; i++)
		sorted[i] = c->rules[idx[i]];
	free(c->rules);
	c->rules = sorted;
	p->alloc_rules = c->nr_rules;
	free(idx);
}

int fim_config_parse(const char *name, const char *buf, size_t len, unsigned flags,
                     struct fim_config **ret, struct fim_diags *diags, struct strbuf *err)
{
	struct fim_config *c = xcalloc(1, sizeof(*c));
	struct strbuf first = STRBUF_INIT;
	struct parser p = { .flags = flags, .diags = diags, .err = &first, .c = c };
	unsigned int mdlen;
	int r;

	if (gethostname(p.host, sizeof(p.host) - 1) < 0)
		p.host[0] = '\0';
	char *dot = strchr(p.host, '.');
	if (dot)
		*dot = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(predefined); i++)
		group_set(c, predefined[i].name, strlen(predefined[i].name), predefined[i].attrs);
	p.file = name;
	var_set(&p, "HOSTNAME", p.host);
	var_set(&p, "AIDE_VERSION", "0.18");
	p.sha = EVP_MD_CTX_new();
	if (!p.sha || !EVP_DigestInit_ex(p.sha, EVP_sha256(), NULL))
		abort();
	r = parse_text(&p, name, buf, len);
	EVP_DigestFinal_ex(p.sha, c->sha256, &mdlen);
	EVP_MD_CTX_free(p.sha);
	if (r == 0 && !has_error(&p) && c->nr_rules == 0) {
		p.file = name;
		p.line = 1;
		diag(&p, true, "no rules: add a line such as '/etc R' to say what is checked");
	}
	order_rules(&p);
	for (size_t i = 0; i < p.nr_vars; i++) {
		free(p.vars[i].name);
		free(p.vars[i].value);
	}
	free(p.vars);
	free(p.conds);
	free(p.orders);
	if (has_error(&p)) {
		if (err)
			error_set(err, "%s", first.buf);
		strbuf_release(&first);
		fim_config_free(c);
		return r == -EFBIG ? -EFBIG : -EINVAL;
	}
	strbuf_release(&first);
	*ret = c;
	return 0;
}

int fim_config_load(const char *path, unsigned flags, struct fim_config **ret,
                    struct fim_diags *diags, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	struct stat st;
	int r;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		error_set(err, "configuration '%s' is not a regular file", path);
		return -EINVAL;
	}
	r = strbuf_read_file(&data, path, FIM_CONFIG_MAX_BYTES);
	if (r < 0) {
		if (r == -EFBIG)
			error_set(err, "configuration '%s' is larger than 1 MiB", path);
		else
			error_set(err, "cannot read configuration '%s': %s", path, strerror(-r));
		strbuf_release(&data);
		return r;
	}
	r = fim_config_parse(path, data.buf, data.len, flags, ret, diags, err);
	strbuf_release(&data);
	return r;
}

void fim_config_free(struct fim_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nr_rules; i++) {
		pcre2_code_free(c->rules[i].re);
		free(c->rules[i].regex);
		free(c->rules[i].node);
		free(c->rules[i].file);
	}
	free(c->rules);
	for (size_t i = 0; i < c->nr_groups; i++)
		free(c->groups[i].name);
	free(c->groups);
	free(c);
}

/* ---- matching ---- */

struct fim_matcher *fim_matcher_new(void)
{
	struct fim_matcher *m = xcalloc(1, sizeof(*m));

	m->md = pcre2_match_data_create(16, NULL);
	m->mc = pcre2_match_context_create(NULL);
	if (!m->md || !m->mc)
		abort();
	/* Bounds on backtracking: a pathological regex fails to match instead of hanging. */
	pcre2_set_match_limit(m->mc, 1000000);
	pcre2_set_depth_limit(m->mc, 10000);
	return m;
}

void fim_matcher_free(struct fim_matcher *m)
{
	if (!m)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mc);
	free(m);
}

/* True when node is path or one of its ancestors ("" is "/"). */
static bool node_covers(const struct fim_rule *r, const char *path, size_t len)
{
	if (r->node_len == 0)
		return true;
	if (r->node_len > len || memcmp(r->node, path, r->node_len))
		return false;
	return r->node_len == len || path[r->node_len] == '/';
}

/* The end of the match of r at the start of s, or -1. */
static long match_end(const struct fim_rule *r, struct fim_matcher *m, const char *s, size_t len)
{
	int rc = pcre2_match(r->re, (PCRE2_SPTR)s, len, 0, 0, m->md, m->mc);

	if (rc < 0)
		return -1;
	return (long)pcre2_get_ovector_pointer(m->md)[1];
}

static bool rule_matches(const struct fim_rule *r, struct fim_matcher *m, const char *path,
                         size_t len, unsigned type)
{
	long end;

	if (r->types && !(r->types & (1u << type)))
		return false;
	end = match_end(r, m, path, len);
	if (r->kind != FIM_RULE_EQUALS)
		return end >= 0;
	/* Equals: the path itself, not what lies below the match ("=/foo" is /foo, /foobar). */
	if (end >= 0 && !memchr(path + end, '/', len - (size_t)end))
		return true;
	/* "=/foo/" also selects /foo itself. */
	if (type == FIM_TYPE_DIR && len + 1 < FIM_PATH_MAX) {
		char buf[FIM_PATH_MAX + 1];
		memcpy(buf, path, len);
		buf[len] = '/';
		end = match_end(r, m, buf, len + 1);
		return end == (long)len + 1;
	}
	return false;
}

const struct fim_rule *fim_config_select(const struct fim_config *c, struct fim_matcher *m,
                                         const char *path, size_t len, unsigned type)
{
	for (size_t i = 0; i < c->nr_rules; i++) {
		const struct fim_rule *r = &c->rules[i];
		if (!node_covers(r, path, len) || !rule_matches(r, m, path, len, type))
			continue;
		return r->kind == FIM_RULE_NEGATIVE || r->kind == FIM_RULE_PRUNE ? NULL : r;
	}
	return NULL;
}

bool fim_config_descend(const struct fim_config *c, struct fim_matcher *m, const char *path,
                        size_t len)
{
	char buf[FIM_PATH_MAX + 2];
	bool any = false;

	if (len + 1 >= FIM_PATH_MAX)
		return false;
	memcpy(buf, path, len);
	buf[len] = '/';
	for (size_t i = 0; i < c->nr_rules; i++) {
		const struct fim_rule *r = &c->rules[i];
		if (r->kind == FIM_RULE_PRUNE) {
			if (node_covers(r, path, len) &&
			    rule_matches(r, m, path, len, FIM_TYPE_DIR))
				return false;
			continue;
		}
		if (r->kind == FIM_RULE_NEGATIVE || any)
			continue;
		/* A rule whose node lies below path is reached through it. */
		if (r->node_len > len && !memcmp(r->node, path, len) && r->node[len] == '/') {
			any = true;
			continue;
		}
		int rc = pcre2_match(r->re, (PCRE2_SPTR)buf, len + 1, 0, PCRE2_PARTIAL_HARD, m->md,
		                     m->mc);
		if (rc >= 0 || rc == PCRE2_ERROR_PARTIAL)
			any = true;
	}
	return any;
}

void fim_attrs_format(struct strbuf *sb, uint32_t attrs)
{
	static const struct {
		unsigned bit;
		const char *name;
	} order[] = {
		{ FIM_ATTR_TYPE, "ftype" },       { FIM_ATTR_MODE, "p" },
		{ FIM_ATTR_UID, "u" },            { FIM_ATTR_GID, "g" },
		{ FIM_ATTR_SIZE, "s" },           { FIM_ATTR_BLOCKS, "b" },
		{ FIM_ATTR_MTIME, "m" },          { FIM_ATTR_ATIME, "a" },
		{ FIM_ATTR_CTIME, "c" },          { FIM_ATTR_INODE, "i" },
		{ FIM_ATTR_NLINK, "n" },          { FIM_ATTR_LINK, "l" },
		{ FIM_ATTR_SHA256, "sha256" },    { FIM_ATTR_XATTRS, "xattrs" },
		{ FIM_ATTR_ACL, "acl" },          { FIM_ATTR_SELINUX, "selinux" },
		{ FIM_ATTR_CAPS, "caps" },        { FIM_ATTR_FLAGS, "e2fsattrs" },
		{ FIM_ATTR_GROWING, "growing" },  { FIM_ATTR_ANF, "ANF" },
		{ FIM_ATTR_ARF, "ARF" },          { FIM_ATTR_NONAME, "I" },
		{ FIM_ATTR_COMPRESS, "compressed" }, { FIM_ATTR_CRITICAL, "critical" },
	};
	bool first = true;

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (!(attrs & FIM_BIT(order[i].bit)))
			continue;
		strbuf_addf(sb, "%s%s", first ? "" : "+", order[i].name);
		first = false;
	}
	if (first)
		strbuf_addstr(sb, "E");
}

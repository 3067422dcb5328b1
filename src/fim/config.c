/* config: reads AIDE's configuration syntax into rules (options, rules, the file itself). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "fim/config-internal.h"

/*
 * AIDE's options: accepted and ignored unless used here. Database and report settings
 * belong to AIDE's own files and reports, which Mamori replaces with the ledger.
 */
static const char *const known_options[] = {
	"database",
	"database_in",
	"database_out",
	"database_new",
	"database_attrs",
	"database_add_metadata",
	"database_gzip",
	"gzip_dbout",
	"log_level",
	"verbose",
	"root_prefix",
	"acl_no_symlink_follow",
	"warn_dead_symlinks",
	"config_version",
	"config_check_warn_unrestricted_rules",
	"num_workers",
	"report_url",
	"report_level",
	"report_format",
	"report_base16",
	"report_detailed_init",
	"report_quiet",
	"report_append",
	"report_grouped",
	"grouped",
	"report_summarize_changes",
	"summarize_changes",
	"report_ignore_added_attrs",
	"report_ignore_removed_attrs",
	"report_ignore_changed_attrs",
	"ignore_list",
	"report_force_attrs",
	"report_attributes",
	"report_ignore_e2fsattrs",
	"syslog_format",
};

void diag(struct parser *p, bool error, const char *fmt, ...)
{
	struct fim_diags *d = p->diags;
	struct strbuf sb = STRBUF_INIT;
	struct fmtargs args = { 0 };
	const char *kept = NULL;
	va_list ap;

	if (d) {
		va_start(ap, fmt);
		kept = fmtargs_capture(&args, fmt, ap) == 0 ? fmt : NULL;
		va_end(ap);
	}
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
			                               .message = strbuf_detach(&sb, NULL),
			                               .fmt = kept,
			                               .args = args };
		if (error)
			d->errors++;
	} else {
		strbuf_release(&sb);
	}
}

bool has_error(const struct parser *p)
{
	return p->err && p->err->len;
}

void fim_diags_release(struct fim_diags *d)
{
	for (size_t i = 0; i < d->nr; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
		fmtargs_release(&d->items[i].args);
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

/* ---- rules ---- */

/* AIDE's %XX in a rule's regex ("%20" for a space). */
static int url_decode(struct parser *p, const char *in, struct strbuf *out)
{
	for (const char *s = in; *s; s++) {
		int h, l;
		if (s[0] == '%' && (h = parse_hex_digit(s[1])) >= 0 &&
		    (l = parse_hex_digit(s[2])) >= 0) {
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
	static const unsigned types[] = { FIM_TYPE_FILE, FIM_TYPE_DIR,  FIM_TYPE_LINK, FIM_TYPE_CHR,
		                          FIM_TYPE_BLK,  FIM_TYPE_FIFO, FIM_TYPE_SOCK };
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

/*
 * A rule's n words tok: its kind (the path's prefix '=', '!', '-' or none), the path's regular
 * expression, and the restriction and attributes it may or must have. 0 or -EINVAL, said.
 */
static int rule_words(struct parser *p, char **tok, size_t n, enum fim_rule_kind *ret_kind,
                      const char **ret_rx, const char **ret_types, const char **ret_attrs)
{
	enum fim_rule_kind kind = FIM_RULE_SELECT;
	const char *rx = tok[0], *types = NULL, *attrs = NULL;

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
			diag(p, true,
			     "a negative rule takes a path and at most a restriction: '%s'",
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
	*ret_kind = kind;
	*ret_rx = rx;
	*ret_types = types;
	*ret_attrs = attrs;
	return 0;
}

static int add_rule(struct parser *p, char **tok, size_t n)
{
	struct fim_config *c = p->c;
	enum fim_rule_kind kind;
	const char *rx, *types, *attrs;
	struct strbuf decoded = STRBUF_INIT;
	struct fim_rule r = { 0 };
	int errcode;
	PCRE2_SIZE erroff;

	if (rule_words(p, tok, n, &kind, &rx, &types, &attrs) < 0)
		return -EINVAL;
	if (c->nr_rules >= FIM_CONFIG_MAX_RULES) {
		diag(p, true, "more than %d rules", FIM_CONFIG_MAX_RULES);
		return -EINVAL;
	}
	if (url_decode(p, rx, &decoded) < 0)
		goto fail;
	if (decoded.len > FIM_PATH_MAX) {
		diag(p, true, "the rule's regular expression is longer than %d bytes",
		     FIM_PATH_MAX);
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
			diag(p, true, "a control character (0x%02x) in the line",
			     (unsigned char)*q);
			return -EINVAL;
		}
	if (s[0] == '@' && s[1] == '@' && s[2] != '{') {
		if (substitute(p, s, &line) < 0) {
			strbuf_release(&line);
			return -EINVAL;
		}
		r = macro(p, line.buf);
		strbuf_release(&line);
		return r;
	}
	if (!cond_active(p))
		return 0;
	if (substitute(p, s, &line) < 0) {
		strbuf_release(&line);
		return -EINVAL;
	}
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

int parse_text(struct parser *p, const char *name, const char *buf, size_t len)
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

static int rule_kind_rank(enum fim_rule_kind k)
{
	return k == FIM_RULE_PRUNE ? 0 : k == FIM_RULE_NEGATIVE ? 1 : k == FIM_RULE_EQUALS ? 2 : 3;
}

/* A rule's place in evaluation order, sorted without a context pointer. */
struct rule_key {
	size_t index, node_len;
	int rank;
	unsigned order;
};

static int rule_key_cmp(const void *a, const void *b)
{
	const struct rule_key *x = a, *y = b;

	if (x->node_len != y->node_len)
		return x->node_len > y->node_len ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Deepest node first; within equally deep nodes by kind, then file order. */
static void order_rules(struct parser *p)
{
	struct fim_config *c = p->c;
	size_t n = c->nr_rules ? c->nr_rules : 1;
	struct rule_key *keys = xcalloc(n, sizeof(*keys));
	struct fim_rule *sorted = xcalloc(n, sizeof(*sorted));

	for (size_t i = 0; i < c->nr_rules; i++)
		keys[i] = (struct rule_key){ .index = i,
			                     .node_len = c->rules[i].node_len,
			                     .rank = rule_kind_rank(c->rules[i].kind),
			                     .order = p->orders[i] };
	qsort(keys, c->nr_rules, sizeof(*keys), rule_key_cmp);
	for (size_t i = 0; i < c->nr_rules; i++)
		sorted[i] = c->rules[keys[i].index];
	free(c->rules);
	c->rules = sorted;
	p->alloc_rules = c->nr_rules;
	free(keys);
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
	add_predefined_groups(c);
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
	vars_release(&p);
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

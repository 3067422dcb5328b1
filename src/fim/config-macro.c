/* config-macro: @@define, @@if and friends, @@include and @@{VAR} substitution. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/config-internal.h"

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

int var_set(struct parser *p, const char *name, const char *value)
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
int substitute(struct parser *p, const char *line, struct strbuf *out)
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
size_t tokenize(char *line, char **tok, size_t max)
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
			if (r[0] == '\\' &&
			    (r[1] == ' ' || r[1] == '@' || r[1] == '\\' || r[1] == '\t')) {
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

/* ---- files and macros ---- */

bool cond_active(const struct parser *p)
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
	p->conds[p->nr_conds++] = (struct cond){
		.active = parent && value, .taken = value, .parent_active = parent, .line = p->line
	};
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
		diag(p, true,
		     "@@include with a rule prefix is not supported; include the files "
		     "one by one");
		return -EINVAL;
	}
	if (n != 2) {
		diag(p, true, "@@include needs FILE, or DIRECTORY REGEX");
		return -EINVAL;
	}
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *re =
	    pcre2_compile((PCRE2_SPTR)tok[1], PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);
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
		if (pcre2_match(re, (PCRE2_SPTR)de->d_name, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) <
		    0)
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

/*
 * @@if, @@ifdef, @@ifndef, @@ifhost, @@ifnhost (word) with its n words tok: a condition
 * pushed, evaluated only where the lines count (a false branch's is false).
 */
static int do_if(struct parser *p, const char *word, char **tok, size_t n)
{
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

/* @@else or @@endif (word) of the innermost @@if. */
static int do_else(struct parser *p, const char *word)
{
	struct cond *c;

	if (!p->nr_conds) {
		diag(p, true, "@@%s without @@if", word);
		return -EINVAL;
	}
	c = &p->conds[p->nr_conds - 1];
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

int macro(struct parser *p, char *line)
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
	    !strcmp(word, "ifhost") || !strcmp(word, "ifnhost"))
		return do_if(p, word, tok, n);
	if (!strcmp(word, "else") || !strcmp(word, "endif"))
		return do_else(p, word);
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

void vars_release(struct parser *p)
{
	for (size_t i = 0; i < p->nr_vars; i++) {
		free(p->vars[i].name);
		free(p->vars[i].value);
	}
	free(p->vars);
	p->vars = NULL;
	p->nr_vars = p->alloc_vars = 0;
}

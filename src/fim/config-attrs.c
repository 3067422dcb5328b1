/* config-attrs: AIDE's attribute names, predefined groups and attribute expressions. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "fim/config-internal.h"

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

#define A(x)    FIM_BIT(FIM_ATTR_##x)
#define X_GROUP (A(ACL) | A(SELINUX) | A(XATTRS) | A(FLAGS) | A(CAPS))
#define R_GROUP                                                                                    \
	(A(LINK) | A(MODE) | A(UID) | A(GID) | A(SIZE) | A(CTIME) | A(MTIME) | A(INODE) |          \
	 A(NLINK) | A(SHA256) | A(TYPE) | X_GROUP)
#define L_GROUP       (A(LINK) | A(MODE) | A(UID) | A(GID) | A(INODE) | A(NLINK) | A(TYPE) | X_GROUP)
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
int parse_attrs(struct parser *p, const char *s, uint32_t *ret)
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

void group_set(struct fim_config *c, const char *name, size_t len, uint32_t attrs)
{
	struct fim_group *g = group_find(c, name, len);

	if (!g) {
		ALLOC_GROW(c->groups, c->nr_groups, c->alloc_groups);
		g = &c->groups[c->nr_groups++];
		g->name = xstrndup(name, len);
	}
	g->attrs = attrs;
}

void fim_attrs_format(struct strbuf *sb, uint32_t attrs)
{
	static const struct {
		unsigned bit;
		const char *name;
	} order[] = {
		{ FIM_ATTR_TYPE, "ftype" },
		{ FIM_ATTR_MODE, "p" },
		{ FIM_ATTR_UID, "u" },
		{ FIM_ATTR_GID, "g" },
		{ FIM_ATTR_SIZE, "s" },
		{ FIM_ATTR_BLOCKS, "b" },
		{ FIM_ATTR_MTIME, "m" },
		{ FIM_ATTR_ATIME, "a" },
		{ FIM_ATTR_CTIME, "c" },
		{ FIM_ATTR_INODE, "i" },
		{ FIM_ATTR_NLINK, "n" },
		{ FIM_ATTR_LINK, "l" },
		{ FIM_ATTR_SHA256, "sha256" },
		{ FIM_ATTR_XATTRS, "xattrs" },
		{ FIM_ATTR_ACL, "acl" },
		{ FIM_ATTR_SELINUX, "selinux" },
		{ FIM_ATTR_CAPS, "caps" },
		{ FIM_ATTR_FLAGS, "e2fsattrs" },
		{ FIM_ATTR_GROWING, "growing" },
		{ FIM_ATTR_ANF, "ANF" },
		{ FIM_ATTR_ARF, "ARF" },
		{ FIM_ATTR_NONAME, "I" },
		{ FIM_ATTR_COMPRESS, "compressed" },
		{ FIM_ATTR_CRITICAL, "critical" },
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

void add_predefined_groups(struct fim_config *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(predefined); i++)
		group_set(c, predefined[i].name, strlen(predefined[i].name), predefined[i].attrs);
}

/* profile: a ward profile in YAML → the read-only model of policy.h; the entry points of a load. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/cleanup.h"
#include "base/utf8.h"
#include "policy/load-internal.h"

#define PROFILE_FORMAT "mamori-profile/1"

static void load_root(struct loader *L, const struct ynode *root)
{
	static const char *const keys[] = { "format",     "profile",    "clauses",   "levels",
		                            "employment", "context",    "roles",     "registers",
		                            "rules",      "separation", "duties",    "retention",
		                            "requests",   "session",    "incidents", "risk",
		                            NULL };
	const struct ynode *f;

	if (!load_want(L, root, Y_MAP, "the profile"))
		return;
	load_check_keys(L, root, keys, "the profile");
	f = ymap_get(root, "format");
	if (!f) {
		load_err(L, root, "the profile needs 'format: %s' as its first line",
		         PROFILE_FORMAT);
		return;
	}
	if (f->type != Y_SCALAR || strcmp(f->str, PROFILE_FORMAT)) {
		load_err(L, f, "unsupported format '%s'; this Mamori reads '%s'",
		         f->type == Y_SCALAR ? f->str : "?", PROFILE_FORMAT);
		return;
	}
	if (!ymap_get(root, "profile"))
		load_err(L, root, "the profile needs 'profile' (id, title, municipality)");
	else
		load_identity(L, ymap_get(root, "profile"));
	load_clauses(L, ymap_get(root, "clauses"));
	load_levels(L, ymap_get(root, "levels"));
	load_employment(L, ymap_get(root, "employment"));
	load_context(L, ymap_get(root, "context"));
	load_session(L, ymap_get(root, "session"));
	load_roles(L, ymap_get(root, "roles"));
	load_clause_actors(L, ymap_get(root, "clauses"));
	load_registers(L, ymap_get(root, "registers"));
	load_rules(L, ymap_get(root, "rules"));
	load_separation(L, ymap_get(root, "separation"));
	load_duties(L, ymap_get(root, "duties"));
	load_retention(L, ymap_get(root, "retention"));
	load_requests(L, ymap_get(root, "requests"));
	load_incidents(L, ymap_get(root, "incidents"));
	load_risk(L, ymap_get(root, "risk"));
}

static void sha256(const char *data, size_t len, struct profile *p)
{
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, p->sha256, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		abort();
	for (int i = 0; i < 32; i++)
		snprintf(p->sha256_hex + 2 * i, 3, "%02x", p->sha256[i]);
}

/*
 * A profile is UTF-8 text. Checked before libfyaml sees it: some invalid
 * sequences (in a directive) make libfyaml 0.7 loop for ever.
 */
static int check_text(const char *data, size_t len, struct policy_diags *d)
{
	struct policy_pos pos = { 1, 1 };
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		int n = utf8_decode(data + i, len - i, &cp);

		if (n < 0 || cp == 0) {
			diag_add(
			    d, DIAG_ERROR, pos,
			    n < 0 ? "the file is not valid UTF-8 here (byte %zu); save it as UTF-8"
			          : "the file holds a NUL byte here (byte %zu)",
			    i);
			return -1;
		}
		if (cp == '\n') {
			pos.line++;
			pos.col = 1;
		} else {
			pos.col++;
		}
		i += (size_t)n;
	}
	return 0;
}

int profile_lint_buffer(const char *name, const char *data, size_t len, struct policy_diags *diags,
                        struct profile **ret)
{
	struct profile_private *priv;
	struct profile *p;
	struct loader L = { 0 };
	struct ynode *root;

	if (ret)
		*ret = NULL;
	if (len > POLICY_MAX_FILE_SIZE) {
		diag_add(diags, DIAG_ERROR, (struct policy_pos){ 0, 0 },
		         "the file is larger than %d MiB", POLICY_MAX_FILE_SIZE >> 20);
		return -EFBIG;
	}
	if (check_text(data, len, diags) < 0)
		return -EINVAL;
	priv = xcalloc(1, sizeof(*priv));
	p = arena_alloc(&priv->arena, sizeof(*p));
	p->priv = priv;
	p->file = arena_strndup(&priv->arena, name, strlen(name));
	sha256(data, len, p);
	L.p = p;
	L.priv = priv;
	L.a = &priv->arena;
	L.d = diags;

	root = ytree_parse(&priv->arena, data, len, diags);
	if (root)
		load_root(&L, root);
	free(L.refs);
	free(L.actor_ins);
	free(L.withins);
	free(L.ref_states);
	if (!diags->errors && root) {
		policy_compile(p, diags);
		if (!diags->errors)
			policy_lint_model(p, diags);
	}
	diag_sort(diags);
	if (diags->errors || !root) {
		profile_free(p);
		return -EINVAL;
	}
	if (ret)
		*ret = p;
	else
		profile_free(p);
	return 0;
}

int profile_load_buffer(const char *name, const char *data, size_t len, struct profile **ret,
                        struct strbuf *err_out)
{
	struct policy_diags d = { 0 };
	int r = profile_lint_buffer(name, data, len, &d, ret);

	if (r < 0 && err_out) {
		const struct policy_diag *first = NULL;

		for (size_t i = 0; i < d.nr && !first; i++)
			if (d.items[i].severity == DIAG_ERROR)
				first = &d.items[i];
		if (first && d.errors > 1)
			error_set(err_out,
			          "%s:%u:%u: %s (and %u more errors; run 'mamori policy lint %s')",
			          name, first->pos.line, first->pos.col, first->msg, d.errors - 1,
			          name);
		else if (first)
			error_set(err_out, "%s:%u:%u: %s", name, first->pos.line, first->pos.col,
			          first->msg);
		else
			error_set(err_out, "%s: invalid profile", name);
	}
	policy_diags_release(&d);
	return r;
}

int profile_load_file(const char *path, struct profile **ret, struct strbuf *err_out)
{
	struct strbuf sb = STRBUF_INIT;
	int r = strbuf_read_file(&sb, path, POLICY_MAX_FILE_SIZE + 1);

	if (r < 0) {
		error_set(err_out, "cannot read profile '%s': %s", path, strerror(-r));
		strbuf_release(&sb);
		return r;
	}
	if (sb.len > POLICY_MAX_FILE_SIZE) {
		error_set(err_out, "profile '%s' is larger than %d MiB", path,
		          POLICY_MAX_FILE_SIZE >> 20);
		strbuf_release(&sb);
		return -EFBIG;
	}
	r = profile_load_buffer(path, sb.buf, sb.len, ret, err_out);
	strbuf_release(&sb);
	return r;
}

static bool looks_like_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(s + n - 4, ".yml"));
}

int profile_load_named(const char *name, struct profile **ret, struct strbuf *err_out)
{
	const char *ids[16] = { 0 }, *near;
	struct strbuf sb = STRBUF_INIT;

	if (looks_like_path(name))
		return profile_load_file(name, ret, err_out);
	for (unsigned i = 0; i < policy_builtins_nr; i++)
		if (!strcmp(policy_builtins[i].id, name))
			return profile_load_buffer(policy_builtins[i].file, policy_builtins[i].data,
			                           policy_builtins[i].len, ret, err_out);
	for (unsigned i = 0; i < policy_builtins_nr && i < ARRAY_SIZE(ids); i++)
		ids[i] = policy_builtins[i].id;
	near = suggest(name, ids, policy_builtins_nr < 16 ? policy_builtins_nr : 16);
	for (unsigned i = 0; i < policy_builtins_nr; i++)
		strbuf_addf(&sb, " %s", policy_builtins[i].id);
	/* one format each way, so that the message has an id a front end can translate */
	if (near)
		error_set(
		    err_out,
		    "no shipped profile '%s' (did you mean '%s'?); give a file path or one of:%s",
		    name, near, sb.buf);
	else
		error_set(err_out, "no shipped profile '%s'; give a file path or one of:%s", name,
		          sb.buf);
	strbuf_release(&sb);
	return -ENOENT;
}

void profile_free(struct profile *p)
{
	struct profile_private *priv;

	if (!p)
		return;
	priv = p->priv;
	free(priv->owned_data);
	arena_release(&priv->arena);
	free(priv);
}

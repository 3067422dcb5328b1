/* setup: a new ward in an empty data directory: profile, ledger key, first administrator, demo. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "auth/password.h"
#include "base/cleanup.h"
#include "core/act.h"
#include "core/setup.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

#define PROFILE_MAX_BYTES POLICY_MAX_FILE_SIZE

static int meta_add(struct store *st, const char *key, const char *value, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "INSERT INTO meta(key, value) VALUES (?, ?)", &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, key);
	query_bind_text(q, 2, value);
	return query_run(q, err);
}

int setup_meta(struct store *st, const char *created_at, const char *ward_name, struct strbuf *err)
{
	int r = store_begin(st, err);

	if (r < 0)
		return r;
	r = meta_add(st, "created_at", created_at, err);
	if (r == 0 && ward_name)
		r = meta_add(st, "ward_name", ward_name, err);
	if (r == 0)
		r = store_commit(st, err);
	if (r < 0)
		store_rollback(st);
	return r;
}

int setup_profile_bytes(const char *name, struct strbuf *ret_bytes, char **ret_name,
                        struct strbuf *err)
{
	int r;

	for (unsigned i = 0; i < policy_builtins_nr; i++) {
		if (!strcmp(policy_builtins[i].id, name)) {
			strbuf_add(ret_bytes, policy_builtins[i].data, policy_builtins[i].len);
			*ret_name = xstrdup(policy_builtins[i].file);
			return 0;
		}
	}
	if (!strchr(name, '/') && !strstr(name, ".yaml") && !strstr(name, ".yml")) {
		struct strbuf ids = STRBUF_INIT;
		for (unsigned i = 0; i < policy_builtins_nr; i++)
			strbuf_addf(&ids, "%s%s", i ? ", " : "", policy_builtins[i].id);
		error_set(err, "no shipped profile '%s' (shipped: %s); or give a file path", name,
		          ids.buf);
		strbuf_release(&ids);
		return -ENOENT;
	}
	r = strbuf_read_file(ret_bytes, name, PROFILE_MAX_BYTES);
	if (r < 0) {
		error_set(err, "cannot read profile '%s': %s", name,
		          r == -EFBIG ? "larger than 4 MiB" : strerror(-r));
		return r;
	}
	*ret_name = xstrdup(name);
	return 0;
}

static int bootstrap_act(struct door *d, struct act_input *in, struct strbuf *err)
{
	struct act_result res = ACT_RESULT_INIT;
	int r;

	in->ctx.via = "init";
	r = act_run(d, in, &res, err);
	if (r == 0 && res.outcome != ACT_DONE) {
		error_set(err, "%s was refused: %s", act_kind_action(in->kind), res.message);
		r = -EPERM;
	}
	act_result_release(&res);
	return r;
}

int setup_ward(const char *dir, const struct setup_options *o, struct strbuf *out,
               struct strbuf *err)
{
	struct strbuf bytes = STRBUF_INIT;
	struct profile *p = NULL;
	struct door *d = NULL;
	struct password_policy pol = PASSWORD_POLICY_INIT(NULL);
	char pw[PASSWORD_GENERATED_SIZE] = "";
	_cleanup_free_ char *name = NULL;
	int r;

	r = setup_profile_bytes(o->profile, &bytes, &name, err);
	if (r < 0)
		goto out;
	r = profile_load_buffer(name, bytes.buf, bytes.len, &p, err);
	if (r < 0)
		goto out;
	r = ledger_init_keys(dir, p->id, err);
	if (r < 0)
		goto out;
	r = door_open(dir, DOOR_BOOTSTRAP, &d, err);
	if (r < 0)
		goto out;
	{
		struct act_attr f[] = { { "name", name } };
		struct act_input in = { .kind = ACT_POLICY_APPLY,
			                .blob = bytes.buf,
			                .blob_len = bytes.len,
			                .fields = f,
			                .n_fields = 1 };
		r = bootstrap_act(d, &in, err);
		if (r < 0)
			goto out;
	}
	if (password_generate(&pol, "admin", NULL, pw) < 0) {
		error_set(err, "cannot generate the administrator's password");
		r = -EAGAIN;
		goto out;
	}
	{
		struct act_attr f[] = { { "name", "Mamori管理者" },
			                { "employment", "職員" },
			                { "must_change", "1" } };
		struct act_input in = { .kind = ACT_USER_ADD,
			                .target = "admin",
			                .fields = f,
			                .n_fields = 3,
			                .secret = pw };
		r = bootstrap_act(d, &in, err);
		if (r < 0)
			goto out;
	}
	{
		struct act_attr f[] = { { "role", ROLE_MAMORI_ADMIN "@org" } };
		struct act_input in = {
			.kind = ACT_ROLE_GRANT, .target = "admin", .fields = f, .n_fields = 1
		};
		r = bootstrap_act(d, &in, err);
		if (r < 0)
			goto out;
	}
	strbuf_addf(out,
	            o->say ? o->say("ward: %s (profile %s, %.12s)\n"
	                            "administrator: admin  password: %s\n"
	                            "  (shown once; it must be changed at the first web login)\n")
	                   : "ward: %s (profile %s, %.12s)\n"
	                     "administrator: admin  password: %s\n"
	                     "  (shown once; it must be changed at the first web login)\n",
	            o->ward_name ? o->ward_name : p->municipality, p->id, p->sha256_hex, pw);
	if (o->demo)
		r = demo_build_say(d, out, o->say, err);
out:
	sodium_memzero(pw, sizeof(pw));
	door_free(d);
	profile_free(p);
	strbuf_release(&bytes);
	return r;
}

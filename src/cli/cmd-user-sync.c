/* cmd-user-sync: `mamori user sync`: the people of the ward's LDAP / Active Directory made
 * Mamori's through the door (core/directory-sync.h, docs/config.md "The directory"). */
#include <stdio.h>
#include <stdlib.h>

#include "auth/directory.h"
#include "base/conf.h"
#include "base/json.h"
#include "cli/cli.h"
#include "cli/core-cli.h"
#include "core/directory-sync.h"

static void print_json(const struct dir_sync *s, bool dry, struct strbuf *out)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_int(&w, "people", (int64_t)s->people);
	jw_kv_bool(&w, "dry_run", dry);
	jw_key(&w, "changes");
	jw_array_begin(&w);
	for (size_t i = 0; i < s->nr; i++) {
		const struct dir_change *c = &s->items[i];

		jw_object_begin(&w);
		jw_kv_str(&w, "login", c->login);
		jw_kv_str(&w, "change", c->change);
		jw_kv_str(&w, "detail", c->detail);
		jw_kv_bool(&w, "refused", c->refused);
		if (c->message)
			jw_kv_str(&w, "message", c->message);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

static void print_text(const struct dir_sync *s, bool dry, struct strbuf *out)
{
	strbuf_addf(out, T_("directory: %zu people%s\n"), s->people,
	            dry ? T_(" (dry run: nothing changed)") : "");
	for (size_t i = 0; i < s->nr; i++) {
		const struct dir_change *c = &s->items[i];

		strbuf_addf(out, "%-8s %-16s %s", c->change, c->login, c->detail ? c->detail : "");
		if (c->refused)
			strbuf_addf(out, T_(" — refused: %s"), c->message);
		strbuf_addch(out, '\n');
	}
	if (!s->nr)
		strbuf_addstr(out, T_("nothing to change\n"));
}

int cmd_user_sync(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori user sync [--dry-run] [--as LOGIN] [--json]",
		                             NULL };
	const char *as = NULL;
	bool json = false, dry = false;
	const struct option opts[] = {
		OPT_BOOL(0, "dry-run", &dry, "show what would change, change nothing"),
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_BOOL(0, "json", &json, "print the changes as JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct conf c = CONF_INIT;
	struct dir_conf dc = { 0 };
	struct dir_people people = { 0 };
	struct dir_sync s = { 0 };
	struct act_context actx = { 0 };
	struct door *d = NULL;
	int n, ret, r;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	r = conf_load(ctx->dir, &c, &err);
	if (r == 0)
		r = dir_conf_load(&c, &dc, &err);
	if (r == 0) {
		cli_error("no directory is set: add [ldap] url and base_dn to %s/mamori.conf "
		          "(docs/config.md)",
		          ctx->dir);
		ret = EXIT_FAILED;
		goto out;
	}
	if (r < 0 || dir_people_read(&dc, &people, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	cli_act_context(&actx);
	r = dir_sync_run(d, &dc, &people, cli_admin_actor(as), &actx, dry, &s, &err);
	if (json)
		print_json(&s, dry, &out);
	else
		print_text(&s, dry, &out);
	ret = cli_print(&out);
	if (r < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
	} else if (s.refused && ret == EXIT_DONE) {
		ret = EXIT_REFUSED;
	}
out:
	dir_sync_release(&s);
	dir_people_release(&people);
	dir_conf_release(&dc);
	conf_release(&c);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

/* cmd-backup: `mamori backup FILE` and `mamori restore FILE --dir D`. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "cli/core-cli.h"
#include "core/backup.h"

int cmd_backup(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori backup FILE [--as LOGIN] [--json]", NULL };
	const char *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "administrator taking it (default: admin)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct backup_info b = { 0 };
	struct act_context c;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	cli_act_context(&c);
	if (backup_take(d, argv[0], cli_admin_actor(as), &c, &b, &err) < 0) {
		cli_error("%s; no backup was made", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_object_begin(&w);
		jw_kv_str(&w, "file", argv[0]);
		jw_kv_str(&w, "sha256", b.sha256);
		jw_key(&w, "bytes");
		jw_uint(&w, b.bytes);
		jw_key(&w, "ledger_size");
		jw_uint(&w, b.ledger_size);
		jw_key(&w, "checkpoint");
		jw_uint(&w, b.checkpoint);
		jw_key(&w, "attachments");
		jw_uint(&w, b.attachments);
		jw_kv_str(&w, "outcome", act_outcome_name(b.act.outcome));
		jw_key(&w, "ledger_index");
		jw_uint(&w, b.act.ledger_index);
		jw_object_end(&w);
		strbuf_addch(&out, '\n');
	} else if (b.act.outcome == ACT_DONE) {
		strbuf_addf(
		    &out,
		    T_("backup '%s': %llu bytes, sha256 %s\n"
		       "checked: integrity ok, ledger of %llu entries verifies against the live "
		       "checkpoint of size %llu; %llu attachment files carried\n"),
		    argv[0], (unsigned long long)b.bytes, b.sha256,
		    (unsigned long long)b.ledger_size, (unsigned long long)b.checkpoint,
		    (unsigned long long)b.attachments);
	} else {
		cli_act_text(&b.act, &out);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = cli_exit_for_outcome(b.act.outcome);
out:
	backup_info_release(&b);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

int cmd_restore(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori restore FILE --dir DIR [--checkpoint FILE]...",
		                             NULL };
	const char *dir = NULL;
	struct string_list cps = { 0 };
	const struct option opts[] = {
		OPT_STRING(0, "dir", &dir, "DIR",
		           "the new data directory (must not exist or be empty)"),
		OPT_STRING_LIST(
		    0, "checkpoint", &cps, "FILE",
		    "a signed checkpoint kept elsewhere the copy must be consistent with"),
		OPT_END(),
	};
	struct backup_info b = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct strbuf *notes = NULL;
	int n, ret = EXIT_FAILED;

	(void)ctx;
	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP) {
		string_list_clear(&cps);
		return EXIT_DONE;
	}
	if (n != 1 || !dir) {
		if (n >= 0)
			cli_error("restore needs FILE and --dir DIR");
		string_list_clear(&cps);
		return EXIT_USAGE;
	}
	notes = xcalloc((size_t)cps.nr + 1, sizeof(*notes));
	for (int i = 0; i < cps.nr; i++) {
		strbuf_init(&notes[i], 0);
		if (cli_read_file(cps.items[i], &notes[i], 1 << 16) < 0)
			goto out;
	}
	if (backup_restore(argv[0], dir, notes, (size_t)cps.nr, &b, &err) < 0) {
		cli_error("%s; nothing restored", err.buf);
		goto out;
	}
	printf(T_("restored '%s' into '%s': sha256 %s, integrity ok, ledger of %llu entries "
	          "verifies\ncopy the ledger's signing key (ledger.key) back into '%s' from where "
	          "it is kept, then run 'mamori --dir %s doctor'\n"),
	       argv[0], dir, b.sha256, (unsigned long long)b.ledger_size, dir, dir);
	ret = EXIT_DONE;
out:
	for (int i = 0; i < cps.nr; i++)
		strbuf_release(&notes[i]);
	free(notes);
	string_list_clear(&cps);
	backup_info_release(&b);
	strbuf_release(&err);
	return ret;
}

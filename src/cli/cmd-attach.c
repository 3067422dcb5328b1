/* cmd-attach: `mamori attach`: files kept with records, requests and duties (core/attach.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/attach.h"

static int attach_add(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori attach add OWNER FILE... --as LOGIN [--comment TEXT] [--json]",
		N_("OWNER is record:N, request:N or duty:DUTY@SCOPE; files are PDF, Office, images "
		   "or "
		   "text"),
		NULL
	};
	const char *as = NULL, *comment = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "who adds them (required)"),
		OPT_STRING(0, "comment", &comment, "TEXT", "what they are"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct string_list paths = { 0 };
	struct cli_files files = { 0 };
	struct act_input in = { 0 };
	struct door *d = NULL;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n < 2 || !as) {
		if (n >= 0)
			cli_error("attach add needs an OWNER, at least one FILE and --as LOGIN");
		return EXIT_USAGE;
	}
	for (int i = 1; i < n; i++)
		string_list_append(&paths, argv[i]);
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	if (cli_files_store(d, &paths, &files) < 0) {
		ret = EXIT_FAILED;
		goto out;
	}
	in.kind = ACT_ATTACH;
	in.actor = as;
	in.target = argv[0];
	in.comment = comment;
	in.attachments = files.items;
	in.n_attachments = files.nr;
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
out:
	cli_files_release(&files);
	string_list_clear(&paths);
	door_free(d);
	return ret;
}

static int attach_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori attach list OWNER [--json]", NULL };
	bool json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct attachment_list l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, t = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (attachments_list(door_store(d), argv[0], &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < l.nr; i++) {
			const struct attachment *a = &l.items[i];
			jw_object_begin(&w);
			jw_kv_int(&w, "id", a->id);
			jw_kv_str(&w, "owner", a->owner);
			jw_kv_str(&w, "name", a->name);
			jw_kv_str(&w, "media_type", a->media_type);
			jw_kv_int(&w, "size", a->size);
			jw_kv_str(&w, "sha256", a->sha256);
			strbuf_reset(&t);
			time_format_rfc3339(&t, a->added_ms);
			jw_kv_str(&w, "added", t.buf);
			jw_kv_str(&w, "added_by", a->added_by);
			jw_kv_int(&w, "ledger_index", (int64_t)a->ledger_index);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		struct table tb;
		table_init(&tb, 6,
		           (const char *[]){ "ID", "ファイル名", "バイト", "SHA-256", "追加者",
		                             "追加日時" });
		tb.right_align = 1;
		for (size_t i = 0; i < l.nr; i++) {
			const struct attachment *a = &l.items[i];
			char id[24], size[24], sha[16];
			snprintf(id, sizeof(id), "%" PRId64, a->id);
			snprintf(size, sizeof(size), "%" PRId64, a->size);
			snprintf(sha, sizeof(sha), "%.12s", a->sha256);
			strbuf_reset(&t);
			cli_time(&t, a->added_ms);
			table_add(&tb, (const char *[]){ id, a->name, size, sha,
			                                 a->added_by ? a->added_by : "-", t.buf });
		}
		table_render(&tb, &out);
		table_release(&tb);
	}
	ret = cli_print(&out);
out:
	attachment_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&t);
	door_free(d);
	return ret;
}

static int attach_get(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori attach get ID -o FILE",
		N_("writes the attachment's bytes, after checking them against their SHA-256"), NULL
	};
	const char *output = NULL;
	const struct option opts[] = {
		OPT_STRING('o', "output", &output, "FILE", "where to write it (never overwritten)"),
		OPT_END(),
	};
	struct attachment a = { 0 };
	struct strbuf err = STRBUF_INIT, data = STRBUF_INIT;
	struct door *d = NULL;
	int64_t id;
	int n, ret, fd;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || !output || parse_int64(argv[0], 1, INT64_MAX, &id) < 0) {
		if (n >= 0)
			cli_error("attach get needs an attachment number and -o FILE");
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (attachment_get(door_store(d), id, &a, &err) < 0 ||
	    attach_read(door_store(d), door_dir(d), a.sha256, a.size, &data, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	fd = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		cli_error("cannot create '%s': %s", output, strerror(errno));
		ret = EXIT_FAILED;
		goto out;
	}
	if (write(fd, data.buf, data.len) != (ssize_t)data.len || close(fd) < 0) {
		cli_error("cannot write '%s': %s", output, strerror(errno));
		unlink(output);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = EXIT_DONE;
out:
	attachment_release(&a);
	strbuf_release(&err);
	strbuf_release(&data);
	door_free(d);
	return ret;
}

int cmd_attach(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "add", attach_add, N_("add files to a record, request or duty (ledgered)") },
		{ "list", attach_list, N_("the files of a record, request or duty") },
		{ "get", attach_get, N_("write a file out, checked against its SHA-256") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "attach", table, argc, argv);
}

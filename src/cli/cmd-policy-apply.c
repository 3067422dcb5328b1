/* cmd-policy-apply: `mamori policy apply FILE --as LOGIN --review N`: a policy review's version
 * through the door (or --emergency REASON). */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "cli/core-cli.h"
#include "core/setup.h"

int cmd_policy_apply(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori policy apply FILE --as LOGIN (--review N | "
		                             "--emergency REASON) [--comment TEXT] "
		                             "[--json]",
		                             NULL };
	const char *as = NULL, *comment = NULL, *review = NULL, *emergency = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "the administrator applying it (required)"),
		OPT_STRING(0, "comment", &comment, "TEXT", "why: the review's decision"),
		OPT_STRING(0, "review", &review, "N",
		           "the policy review that decided this version: the door checks it is "
		           "decided, for this version, and in force from today or earlier"),
		OPT_STRING(0, "emergency", &emergency, "REASON",
		           "put it in force without a decided review, for this urgent reason (the "
		           "ledger records it; a review confirms it afterwards)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct strbuf bytes = STRBUF_INIT, err = STRBUF_INIT;
	_cleanup_free_ char *name = NULL;
	struct act_input in = { 0 };
	struct act_attr f[3];
	struct door *d = NULL;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || !as) {
		if (n >= 0)
			cli_error("policy apply needs FILE and --as LOGIN");
		return EXIT_USAGE;
	}
	if (setup_profile_bytes(argv[0], &bytes, &name, &err) < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret == EXIT_DONE) {
		f[0] = (struct act_attr){ "name", name };
		in.kind = ACT_POLICY_APPLY;
		in.actor = as;
		in.blob = bytes.buf;
		in.blob_len = bytes.len;
		in.fields = f;
		in.n_fields = 1;
		if (review)
			f[in.n_fields++] = (struct act_attr){ "review", review };
		if (emergency)
			f[in.n_fields++] = (struct act_attr){ "emergency", emergency };
		in.comment = comment;
		cli_act_context(&in.ctx);
		ret = cli_act(d, &in, json, NULL);
		door_free(d);
	}
	strbuf_release(&bytes);
	strbuf_release(&err);
	return ret;
}

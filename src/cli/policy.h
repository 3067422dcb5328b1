/* policy: what `mamori policy replay` and `mamori policy review` share (cmd-policy-replay.c,
 * cmd-policy-review.c): a draft's replay as JSON members or as tables. */
#ifndef MAMORI_CLI_POLICY_H
#define MAMORI_CLI_POLICY_H

#include <stddef.h>

#include "base/json.h"
#include "base/strbuf.h"
#include "core/replay.h"

struct cli_ctx;
struct profile;

/* "draft", "replayed", "profile", "without_request", "changed", "changes", "clauses" */
void cli_replay_json(struct json_writer *w, const struct profile *current,
                     const struct profile *draft, const struct replay_result *res,
                     const struct replay_clause *cl, size_t ncl);
/* The changed decisions as a table, their count, and the review clause by clause. */
void cli_replay_text(const struct replay_result *res, const struct replay_clause *cl, size_t ncl,
                     struct strbuf *out);

int cmd_policy_review(struct cli_ctx *ctx, int argc, const char **argv);

#endif

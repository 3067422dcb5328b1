/* outcome: running an act through the door from a page, and telling people what happened. */
#ifndef MAMORI_WEB_OUTCOME_H
#define MAMORI_WEB_OUTCOME_H

#include "core/act.h"
#include "web/page.h"
#include "web/parse.h"
#include "web/web.h"

/*
 * Runs in through the server's door with via "web" or "api" and the client's address.
 * fields (may be NULL) become in->fields. Returns act_run's code; on 0 the result is in
 * res (release it).
 */
int web_act(struct web_req *r, struct act_input *in, const struct web_params *fields,
            struct act_result *res, struct strbuf *err);

/* The HTTP status for an act_run error code (-EINVAL 400, -ENOENT 404, -EEXIST 409 ...). */
int web_act_status(int code);

/* A notice for ?notice=done|pending|approved|rejected on the page redirected to. */
void web_notice_from_query(struct web_req *r);

/*
 * A refusal's reason code (act_result.reason) as a sentence for people: the English message id,
 * for _() (the CLI says it too); NULL for a reason without one.
 */
const char *web_refusal_reason(const char *reason);

/*
 * What the door says of a refused act, or of an act it could not run (act_input.error_detail),
 * as one line in the reader's language: its own account when the catalogue has it (a new
 * password "too short: 5 characters, at least 12 are needed"), else the reason, else
 * fallback. The caller frees it.
 */
char *web_refusal_text(struct web_req *r, const struct act_result *res, const char *fallback);

/* The refusal of a result as a notice, with its clauses linked. */
void web_refusal(struct web_req *r, const struct act_result *res);

/*
 * A refusal on a page of its own (403) under title and nav, with a link back (back_label, to
 * back) below it.
 */
void web_refusal_page(struct web_req *r, const struct act_result *res, const char *title,
                      enum page_nav nav, const char *back, const char *back_label);

#endif

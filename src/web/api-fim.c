/* api-fim: the agents' file integrity results, POST /api/v1/fim/results (docs/api.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/fim.h"
#include "web/route.h"
#include "web/web.h"

void api_fim_results(struct web_req *r)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct door *d = web_door(r);
	int rc;

	if (!d) {
		web_api_error(r, 503, "the data directory has no profile yet");
		return;
	}
	if (!r->content_type || strncasecmp(r->content_type, "application/json", 16)) {
		web_api_error(r, 415, "send the batch as application/json");
		return;
	}
	rc = fim_agent_may(d, r->user->login, &err);
	if (rc == 0)
		rc = fim_agent_batch(d, r->user->login, r->body.buf, r->body.len, &out, &err);
	if (rc == 0) {
		web_json_begin(r);
		strbuf_add(&r->out, out.buf, out.len);
	} else if (rc == -EINVAL) {
		web_api_error(r, 400, err.buf);
	} else if (rc == -EACCES) {
		web_api_error(r, 403, err.buf);
	} else if (rc == -ENOENT) {
		web_api_error(r, 409, err.buf);
	} else {
		fprintf(stderr, "mamori: fim results: %s\n", err.buf);
		web_api_error(r, 503, "Internal error");
	}
	strbuf_release(&out);
	strbuf_release(&err);
}

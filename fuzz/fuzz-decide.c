/* fuzz-decide: AuthZEN request lines against the shipped profiles: an answer or an error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct profile *profiles[2];

static void load(void)
{
	struct strbuf err = STRBUF_INIT;

	if (profiles[0])
		return;
	if (profile_load_named("minato", &profiles[0], &err) < 0 ||
	    profile_load_named("shinjuku", &profiles[1], &err) < 0)
		abort(); /* the shipped profiles must load: a test failure, not an input problem */
	strbuf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size;

	load();
	/* one request per line, as `mamori policy decide` reads them */
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);

		for (int i = 0; i < 2; i++) {
			struct decide_request req;
			struct policy_request_storage st;
			struct decision d;
			struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

			if (policy_request_parse(s, len, &req, &st, &err) == 0) {
				if (policy_decide(profiles[i], &req, &d, &err) == 0)
					policy_decision_json(&d, &req, &out);
				policy_request_storage_release(&st);
			}
			strbuf_release(&out);
			strbuf_release(&err);
		}
		s += len + (nl ? 1 : 0);
	}
	return 0;
}

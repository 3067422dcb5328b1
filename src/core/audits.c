/* audits: reading audits and their findings, through the one read decision. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/audits.h"
#include "core/core.h"
#include "core/read.h"

#define DAY_MS (86400LL * 1000)

int audit_records(struct store *st, const struct reader *rd, const char *register_id,
                  struct record_list *ret, struct strbuf *err)
{
	struct record_filter f = { .register_id = register_id };
	struct record_query q = { .register_id = register_id, .sort = "id" };
	struct record_page pg = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!rd)
		return records_list(st, &f, ret, err);
	r = records_query(st, rd, &q, &pg, err);
	if (r == 0)
		*ret = pg.list;
	return r;
}

int audit_findings(struct store *st, const struct reader *rd, int64_t audit_id,
                   struct record_list *ret, struct strbuf *err)
{
	struct record_list all = { 0 };
	size_t n = 0;
	int r = audit_records(st, rd, FINDING_REGISTER, &all, err);

	if (r < 0)
		return r;
	/* keep the findings of this audit at the front, release the others */
	for (size_t i = 0; i < all.nr; i++) {
		const char *a = record_field(&all.items[i], FINDING_AUDIT_FIELD);
		char *end = NULL;

		if (a && strtoll(a, &end, 10) == audit_id && end && !*end) {
			struct record tmp = all.items[n];
			all.items[n++] = all.items[i];
			all.items[i] = tmp;
		}
	}
	for (size_t i = n; i < all.nr; i++)
		record_release(&all.items[i]);
	all.nr = n;
	*ret = all;
	return 0;
}

bool audit_finding_overdue(const struct record *finding, int64_t now_ms)
{
	const char *due = record_field(finding, FINDING_DUE_FIELD);
	int64_t ms;

	if (!due || (finding->state && !strcmp(finding->state, "closed")))
		return false;
	if (core_parse_local_date(due, &ms) < 0)
		return false;
	return now_ms >= ms + DAY_MS;
}

/* export: a register's records as CSV rows, with Japanese or id headers. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/csv.h"
#include "core/export.h"
#include "core/records.h"
#include "policy/policy.h"

bool export_column_ignored(const char *name)
{
	return !strcmp(name, "id") || !strcmp(name, "state") || !strcmp(name, EXPORT_ID_NAME) ||
	       !strcmp(name, EXPORT_STATE_NAME);
}

void export_records_csv(const struct policy_register *reg, const struct record_list *l, bool ids,
                        struct csv_writer *w)
{
	char id[24];

	csv_write_field(w, ids ? "id" : EXPORT_ID_NAME);
	csv_write_field(w, ids ? "state" : EXPORT_STATE_NAME);
	for (unsigned i = 0; i < reg->n_fields; i++) {
		const struct policy_field *f = &reg->fields[i];
		csv_write_field(w, ids || !f->name ? f->id : f->name);
	}
	csv_end_row(w);
	for (size_t k = 0; k < l->nr; k++) {
		const struct record *rec = &l->items[k];
		const struct policy_state *s =
		    !ids && rec->state ? policy_register_state(reg, rec->state) : NULL;
		snprintf(id, sizeof(id), "%" PRId64, rec->id);
		csv_write_field(w, id);
		csv_write_field(w, s && s->name ? s->name : rec->state ? rec->state : "");
		for (unsigned i = 0; i < reg->n_fields; i++) {
			const char *v = record_field(rec, reg->fields[i].id);
			csv_write_field(w, v ? v : "");
		}
		csv_end_row(w);
	}
}

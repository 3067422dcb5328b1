/* access: object-level authorization of reads: who may see which record. */
#ifndef MAMORI_WEB_ACCESS_H
#define MAMORI_WEB_ACCESS_H

#include <stdbool.h>

#include "web/web.h"

struct record;

/*
 * May the request's user see this record? When the register has a "read" action, the
 * policy decides it (Minato: asset.read allows staff of the record's section, and level 1
 * records to everyone: MIN-3-3-1). Otherwise the record's own section and system decide:
 * a member of that section, or a holder of a role scoped to it or to its system.
 * The mamori_admin administrator sees every record; everyone else, ward-wide roles included,
 * sees what the policy's read action allows.
 */
bool web_record_visible(struct web_req *r, const struct record *rec);

/*
 * For lists: NULL when the user sees every record of the register; else a JSON array of
 * "level|section" keys the user may see (the same decision made once per level and
 * section of the ward), for the SQL filter. Rows of a page are checked again one by one
 * with web_record_visible, so the filter can never show more than the policy allows.
 */
char *web_visible_keys(struct web_req *r, const char *register_id);

struct request;
/*
 * May someone who is neither the applicant nor an approver see this request? The
 * administrator may; a holder of a ward-wide role (an auditor, the council) only when the
 * policy lets them read the request's record (never for a request creating a record).
 */
bool web_request_visible_to_reader(struct web_req *r, const struct request *q);

#endif

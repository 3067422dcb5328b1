/* role: an assignment's period as `mamori role list` and `mamori user show` print it
 * (cmd-role.c). */
#ifndef MAMORI_CLI_ROLE_H
#define MAMORI_CLI_ROLE_H

#include <stdint.h>

struct json_writer;
struct org_assignment;
struct strbuf;

/* The assignment's period in local dates: "2026-04-01〜2027-03-31", open-ended "2026-04-01〜". */
void role_period(struct strbuf *sb, const struct org_assignment *a);
/* Its "from", "until" (its last day, or null) and "active" members. */
void role_period_json(struct json_writer *w, const struct org_assignment *a, int64_t now);

#endif

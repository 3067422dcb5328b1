/* takeouts: what is out of the office now (持出し中, MIN-4-1-3-4, SHJ-2-4-2): records left in the
 * state of an action that records when they are due back, with who, where and until when. */
#ifndef MAMORI_CORE_TAKEOUTS_H
#define MAMORI_CORE_TAKEOUTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct store;
struct profile;
struct reader;

/*
 * A take-out is any action whose own fields include a date field marked `due: true` (the
 * profile's 返却予定日) and that moves the record to a state (`to`): asset.take_out,
 * device.take_out. While the record is in that state it is out; the latest such act on it
 * says who took it (the applicant of an approved request, else the actor), where, who carries
 * it, with which protection and until when. The bring-back action moves it out of the state
 * and so off the list. Past the due day (Tokyo) it is overdue.
 */
struct takeout {
	int64_t record_id;
	char *register_id, *title, *level, *section, *system, *state;
	char *action; /* "asset.take_out" */
	int64_t act_id, taken_ms;
	int64_t request_id; /* the approved request, or 0 */
	char *taken_by;     /* login of the person who took it out */
	char *taken_by_name;
	char *destination; /* the action's first required text field (持出し先), or NULL */
	char *purpose;     /* its second (目的 / 使用目的), or NULL */
	char *carrier;     /* the action's user field (持出者), login, or NULL */
	char *carrier_name;
	char *protection;   /* the field whose id is "protection", or NULL */
	char *due;          /* YYYY-MM-DD, or NULL when none was given */
	int64_t due_end_ms; /* the end of the due day in Tokyo, 0 without a due date */
	bool overdue;
	json_t *fields; /* everything the act recorded */
};

struct takeout_list {
	struct takeout *items;
	size_t nr, alloc;
};

struct takeout_filter {
	const char *section; /* only this section's records, or NULL */
	bool overdue_only;
	int64_t person;      /* only those this user took out or carries, or 0 */
	const char *officer; /* only records of sections where this login is security officer */
};

/*
 * The take-outs rd may read (NULL: all), overdue first (the longest overdue first), then by
 * due day and record. Returns 0 or a store error.
 */
int takeouts_list(struct store *st, const struct profile *p, const struct reader *rd,
                  const struct takeout_filter *f, int64_t now_ms, struct takeout_list *ret,
                  struct strbuf *err);
void takeout_list_release(struct takeout_list *l);

/* Is there a take-out action (with a due field) in the profile at all? */
bool takeouts_defined(const struct profile *p);

#endif

/* personnel: 人事異動 from one CSV: people moved between sections, their 職名 changed, roles
 * ended and started on the date given, retirements; checked line by line first (a preview
 * with every line's error), then applied through the door all or nothing. */
#ifndef MAMORI_CORE_PERSONNEL_H
#define MAMORI_CORE_PERSONNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/core.h"

struct csv;
struct door;
struct act_context;
struct act_result;

/*
 * The columns (by id or Japanese name; each optional but ログインID):
 *   login / ログインID           the person
 *   date / 異動日                the day it takes effect (YYYY-MM-DD or YYYY/M/D); else the
 *                                file's date (personnel_parse's date), else today
 *   section / 新所属             the new section, by id or name
 *   title / 新職名               the new 職名 ("" keeps it)
 *   end_roles / 終了する役割     role@scope, several separated by spaces, 、 or ;: held until
 *                                the day before the date (ended now when the date is today)
 *   start_roles / 開始する役割   role@scope the same way: held from the date
 *   retire / 退職                退職, 1, ○: retires the person (their roles end, their pending
 *                                requests are cancelled with the reason)
 * A retirement takes effect when applied, so its date may not be in the future (apply the
 * file on the day); roles may be dated ahead, and so may a section and 職名: the door keeps
 * such a move (user_moves) and personnel_run_due applies it on its day.
 */
enum personnel_error {
	PERSONNEL_OK,
	PERSONNEL_NO_LOGIN,         /* the ログインID cell is empty */
	PERSONNEL_UNKNOWN_USER,     /* arg: the login */
	PERSONNEL_RETIRED,          /* arg: the login */
	PERSONNEL_DUPLICATE,        /* arg: the login (on an earlier line too) */
	PERSONNEL_BAD_DATE,         /* arg: the date as written */
	PERSONNEL_UNKNOWN_SECTION,  /* arg: the section as written */
	PERSONNEL_BAD_ROLE,         /* arg: the role as written */
	PERSONNEL_NOT_HELD,         /* arg: role@scope to end that the person does not hold */
	PERSONNEL_HELD,             /* arg: role@scope to start that the person holds already */
	PERSONNEL_FUTURE_MOVE,      /* arg: the date: a retirement ahead of time */
	PERSONNEL_RETIRE_AND_START, /* retiring and starting a role on the same line */
	PERSONNEL_NOTHING,          /* the line changes nothing */
	PERSONNEL_BAD_TITLE,        /* arg: the 職名 (too long, several lines) */
};

struct personnel_line {
	size_t line; /* in the CSV file */
	char *login, *name;
	char *from_section, *section;       /* ids; section NULL: stays */
	char *title;                        /* NULL: unchanged */
	struct strv end_roles, start_roles; /* role@scope */
	char *date;                         /* YYYY-MM-DD */
	int64_t date_ms;                    /* midnight, Tokyo */
	bool retire;
	enum personnel_error error;
	char *arg;
};

struct personnel_plan {
	struct personnel_line *items;
	size_t nr, alloc;
	size_t n_errors;
};

/* The CSV's columns personnel_parse reads; -1 for login when the header lacks it. */
int personnel_login_column(const struct csv *csv);

/*
 * Reads every line of csv (read with CSV_READ_HEADER) into plan and checks it against the
 * organization (st, the caller's connection) and profile p as they are at now_ms; date (YYYY-MM-DD
 * or NULL) is the file's date for lines without one. Returns 0 (plan->n_errors says whether any
 * line is wrong), -EINVAL when the header has no ログインID column (err says so), or a store error.
 */
struct store;
struct profile;
int personnel_parse(struct store *st, const struct profile *p, const struct csv *csv,
                    const char *date, int64_t now_ms, struct personnel_plan *plan,
                    struct strbuf *err);
void personnel_plan_release(struct personnel_plan *plan);

/* The English text of an error, with %s where its arg goes ("there is no person ... '%s'"). */
const char *personnel_error_text(enum personnel_error e);
/* Appends text (an error text or its translation) with its first %s replaced by arg. */
void personnel_format(const char *text, const char *arg, struct strbuf *out);

/*
 * Applies a plan without errors through the door as actor, all or nothing (act_run_all):
 * per line, roles ended, the move, roles started, the retirement. Returns 0 with *ret_acts;
 * -ECANCELED when an act was refused (*ret_line is its CSV line, why its refusal); or the
 * failing act's error with *ret_line and err.
 */
int personnel_apply(struct door *d, const struct personnel_plan *plan, const char *actor,
                    const struct act_context *ctx, size_t *ret_acts, size_t *ret_line,
                    struct strbuf *why, struct strbuf *err);

/*
 * Applies the moves dated ahead whose day has come by now_ms (user_moves), each through the
 * door (ACT_USER_MOVE with the field scheduled, via "scheduler") in the name of the person who
 * scheduled it. *ret_applied counts those done, *ret_failed those the door did not take (they
 * stay scheduled and are tried again; err says why the first failed). serve runs it every
 * minute; `mamori user transfer --due` once. Returns 0 or a store error.
 */
int personnel_run_due(struct door *d, int64_t now_ms, size_t *ret_applied, size_t *ret_failed,
                      struct strbuf *err);

/*
 * Moves dated ahead whose day has come by now_ms and that are still scheduled: the door did not
 * take them (personnel_run_due tries each again; a cancellation ends them). What the ledger says
 * of why: a refusal of applying one is recorded (refused_index, its ledger entry, 0 when none),
 * and whether whoever scheduled it is still an administrator (the door applies a move in their
 * name, so it refuses once they are not). Administrators see them in their inbox
 * (core/inbox.h INBOX_MOVE) and on the users page.
 */
struct personnel_stuck {
	int64_t id;           /* user_moves.id */
	char *login, *person; /* the person moved: login, "名前（職名）" */
	char *section;        /* the new section's id */
	char *on;             /* YYYY-MM-DD */
	int64_t on_ms;        /* that day's midnight in Tokyo */
	char *by;             /* who scheduled it, "名前（職名）" */
	bool by_admin;        /* they hold mamori_admin@org at now_ms */
	int64_t refused_index;
};
int personnel_stuck_list(struct store *st, int64_t now_ms, struct personnel_stuck **ret,
                         size_t *ret_nr, struct strbuf *err);
void personnel_stuck_release(struct personnel_stuck *v, size_t nr);

/* A person's move dated ahead, not yet in effect. */
struct personnel_move {
	char *section; /* the new section's id */
	char *title;   /* the new 職名; NULL keeps it, "" clears it */
	char *on;      /* YYYY-MM-DD */
};
/* The move dated ahead that user_id has, if any: 0, or -ENOENT when none. */
int personnel_scheduled_get(struct store *st, int64_t user_id, struct personnel_move *ret,
                            struct strbuf *err);
void personnel_move_release(struct personnel_move *m);

#endif

/* plan: a task of a treatment plan (what, who, by when, done), kept as acts on its record: a
 * risk's (core/risk.h) and an incident case's (core/incident.h) read and write them alike. */
#ifndef MAMORI_CORE_PLAN_H
#define MAMORI_CORE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_writer;

/* A task of a plan, read back from its acts (task_add, task_done). */
struct plan_task {
	int64_t act_id; /* the task's number: the act that planned it */
	char *task, *assignee, *due;
	int64_t due_end_ms; /* the end of the due day (Asia/Tokyo), 0 if due is not a date */
	bool done, overdue;
	int64_t done_ms;
	char *done_by; /* login, or NULL */
};

/* Appends a task planned by act act_id (strings copied; NULL task reads ""), its due day's end
 * from due. Returns the new task. */
struct plan_task *plan_task_add(struct plan_task **tasks, size_t *n, size_t *alloc, int64_t act_id,
                                const char *task, const char *assignee, const char *due);
/* Marks open task act_id done at done_ms by done_by (NULL: not known); false if it is no open
 * task of the plan. */
bool plan_task_done(struct plan_task *tasks, size_t n, int64_t act_id, int64_t done_ms,
                    const char *done_by);
/* Sets each open task overdue when now_ms is past its due day; returns how many are. */
size_t plan_tasks_settle(struct plan_task *tasks, size_t n, int64_t now_ms);
void plan_tasks_release(struct plan_task *tasks, size_t n);
/* [{"task","what","assignee","due","done","done_at","done_by","overdue"}] */
void plan_tasks_json(const struct plan_task *tasks, size_t n, struct json_writer *w);

#endif

/* plan: the tasks of a treatment plan, shared by risks and incident cases (core/plan.h). */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/plan.h"

#define DAY_MS (86400LL * 1000)

struct plan_task *plan_task_add(struct plan_task **tasks, size_t *n, size_t *alloc, int64_t act_id,
                                const char *task, const char *assignee, const char *due)
{
	struct plan_task *t;
	int64_t day;

	ALLOC_GROW(*tasks, *n + 1, *alloc);
	t = &(*tasks)[(*n)++];
	memset(t, 0, sizeof(*t));
	t->act_id = act_id;
	t->task = xstrdup(task ? task : "");
	t->assignee = assignee ? xstrdup(assignee) : NULL;
	t->due = due ? xstrdup(due) : NULL;
	if (t->due && core_parse_local_date(t->due, &day) == 0)
		t->due_end_ms = day + DAY_MS;
	return t;
}

bool plan_task_done(struct plan_task *tasks, size_t n, int64_t act_id, int64_t done_ms,
                    const char *done_by)
{
	for (size_t i = 0; i < n; i++)
		if (tasks[i].act_id == act_id && !tasks[i].done) {
			tasks[i].done = true;
			tasks[i].done_ms = done_ms;
			tasks[i].done_by = done_by ? xstrdup(done_by) : NULL;
			return true;
		}
	return false;
}

size_t plan_tasks_settle(struct plan_task *tasks, size_t n, int64_t now_ms)
{
	size_t overdue = 0;

	for (size_t i = 0; i < n; i++) {
		struct plan_task *t = &tasks[i];
		t->overdue = !t->done && t->due_end_ms && now_ms >= t->due_end_ms;
		overdue += t->overdue;
	}
	return overdue;
}

void plan_tasks_release(struct plan_task *tasks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tasks[i].task);
		free(tasks[i].assignee);
		free(tasks[i].due);
		free(tasks[i].done_by);
	}
	free(tasks);
}

void plan_tasks_json(const struct plan_task *tasks, size_t n, struct json_writer *w)
{
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		const struct plan_task *t = &tasks[i];
		jw_object_begin(w);
		jw_kv_int(w, "task", t->act_id);
		jw_kv_str(w, "what", t->task);
		jw_kv_str(w, "assignee", t->assignee);
		jw_kv_str(w, "due", t->due);
		jw_kv_bool(w, "done", t->done);
		jw_kv_time(w, "done_at", t->done_ms);
		jw_kv_str(w, "done_by", t->done_by);
		jw_kv_bool(w, "overdue", t->overdue);
		jw_object_end(w);
	}
	jw_array_end(w);
}

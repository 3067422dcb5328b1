/* personnel: 人事異動 from one CSV, checked line by line, then applied through the door. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/msgid.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/act.h"
#include "core/org.h"
#include "core/personnel.h"
#include "core/requests.h"
#include "store/query.h"

#define DAY_MS (24LL * 3600 * 1000)

static const char *const col_login[] = { "login", "ログインID", "ログイン", NULL };
static const char *const col_date[] = { "date", "異動日", "発令日", NULL };
static const char *const col_section[] = { "section", "新所属", "所属", NULL };
static const char *const col_title[] = { "title", "新職名", "職名", NULL };
static const char *const col_end[] = { "end_roles", "終了する役割", "解除する役割", NULL };
static const char *const col_start[] = { "start_roles", "開始する役割", "付与する役割", NULL };
static const char *const col_retire[] = { "retire", "退職", NULL };

static int column(const struct csv *csv, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		int c = csv_column(csv, names[i]);
		if (c >= 0)
			return c;
	}
	return -1;
}

int personnel_login_column(const struct csv *csv)
{
	return column(csv, col_login);
}

static const char *cell(const struct csv_record *rec, int col)
{
	return col >= 0 && (size_t)col < rec->nfields ? rec->fields[col] : "";
}

const char *personnel_error_text(enum personnel_error e)
{
	switch (e) {
	case PERSONNEL_OK:
		return "";
	case PERSONNEL_NO_LOGIN:
		return N_("the login ID is empty");
	case PERSONNEL_UNKNOWN_USER:
		return N_("there is no person with the login ID '%s'");
	case PERSONNEL_RETIRED:
		return N_("'%s' has retired");
	case PERSONNEL_DUPLICATE:
		return N_("'%s' is on an earlier line too; put each person on one line");
	case PERSONNEL_BAD_DATE:
		return N_("the date '%s' is not a date: write it as 2027-04-01");
	case PERSONNEL_UNKNOWN_SECTION:
		return N_("there is no section '%s' (give its ID or its name)");
	case PERSONNEL_BAD_ROLE:
		return N_("'%s' is not a role of this ward (write it as "
		          "security_officer@section:zeimu)");
	case PERSONNEL_NOT_HELD:
		return N_("the person does not hold %s, so it cannot end");
	case PERSONNEL_HELD:
		return N_("the person holds %s already");
	case PERSONNEL_FUTURE_MOVE:
		return N_("a retirement takes effect when applied: apply this line on %s or later");
	case PERSONNEL_RETIRE_AND_START:
		return N_("a person who retires cannot start a role on the same line");
	case PERSONNEL_NOTHING:
		return N_("the line changes nothing");
	case PERSONNEL_BAD_TITLE:
		return N_("the title '%s' is too long or has several lines");
	}
	return "?";
}

void personnel_format(const char *text, const char *arg, struct strbuf *out)
{
	const char *at = strstr(text, "%s");

	if (!at) {
		strbuf_addstr(out, text);
		return;
	}
	strbuf_add(out, text, (size_t)(at - text));
	strbuf_addstr(out, arg ? arg : "");
	strbuf_addstr(out, at + 2);
}

static void line_error(struct personnel_plan *plan, struct personnel_line *l,
                       enum personnel_error e, const char *arg)
{
	if (l->error)
		return; /* the first error of a line is the one shown */
	l->error = e;
	l->arg = arg ? xstrdup(arg) : NULL;
	plan->n_errors++;
}

/* Reads up to max digits at *s as a number; -1 when there are none or too many. */
static int digits(const char **s, int max)
{
	int v = 0, n = 0;

	while (**s >= '0' && **s <= '9' && n < max + 1) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n && n <= max ? v : -1;
}

/* "2027-04-01", "2027/4/1" → "2027-04-01"; false when it is no date. */
static bool normal_date(const char *s, char out[16])
{
	int y = digits(&s, 4), m, d;
	char sep = *s;

	if (y < 1900 || y > 9999 || (sep != '-' && sep != '/'))
		return false;
	s++;
	m = digits(&s, 2);
	if (m < 1 || m > 12 || *s != sep)
		return false;
	s++;
	d = digits(&s, 2);
	if (d < 1 || d > 31 || *s)
		return false;
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
	return true;
}

/* A section by id, else by its name: the id (owned), or NULL. */
static char *find_section(const struct org_sections *secs, const char *text)
{
	for (size_t i = 0; i < secs->nr; i++)
		if (!strcmp(secs->items[i].id, text))
			return xstrdup(secs->items[i].id);
	for (size_t i = 0; i < secs->nr; i++)
		if (secs->items[i].name && !strcmp(secs->items[i].name, text))
			return xstrdup(secs->items[i].id);
	return NULL;
}

static bool is_role_sep(const char *s, size_t *len)
{
	if (*s == ' ' || *s == ';' || *s == ',' || *s == '\n' || *s == '\t') {
		*len = 1;
		return true;
	}
	if (!strncmp(s, "、", 3) || !strncmp(s, "　", 3)) { /* 、 and the ideographic space */
		*len = 3;
		return true;
	}
	return false;
}

/* Splits a cell of roles and checks each; role@scope into out. */
static int read_roles(struct store *st, const struct profile *p, const char *text, struct strv *out,
                      char **bad)
{
	const char *s = text;

	while (*s) {
		size_t sep, n = 0;
		char *one, *role = NULL, *scope = NULL;
		if (is_role_sep(s, &sep)) {
			s += sep;
			continue;
		}
		while (s[n] && !is_role_sep(s + n, &sep))
			n++;
		one = xstrndup(s, n);
		s += n;
		if (org_parse_role_scope(st, p, one, &role, &scope, NULL) < 0) {
			*bad = one;
			return -EINVAL;
		}
		strv_pushf(out, "%s@%s", role, scope);
		free(one);
		free(role);
		free(scope);
	}
	return 0;
}

static bool yes(const char *v)
{
	static const char *const ys[] = {
		"1", "yes", "true", "退職", "○", "〇", "◯", "TRUE", NULL
	};

	for (size_t i = 0; ys[i]; i++)
		if (!strcmp(v, ys[i]))
			return true;
	return false;
}

struct columns {
	int login, date, section, title, end, start, retire;
};

/* The person's roles held on day (ms) or at any time from then on. */
static bool holds_then(const struct org_assignments *a, const char *rs, int64_t day_ms)
{
	for (size_t i = 0; i < a->nr; i++) {
		const struct org_assignment *x = &a->items[i];
		char *have = xstrfmt("%s@%s", x->role, x->scope);
		bool same = !strcmp(have, rs);
		free(have);
		if (same && !x->revoked_ms && (!x->end_ms || x->end_ms > day_ms))
			return true;
	}
	return false;
}

static void check_roles(struct store *st, struct personnel_plan *plan, struct personnel_line *l,
                        int64_t now_ms, struct strbuf *err)
{
	struct org_assignments a = { 0 };
	int64_t from = l->date_ms > now_ms ? l->date_ms : now_ms;

	if (!l->end_roles.nr && !l->start_roles.nr)
		return;
	if (org_assignments_list(st, l->login, NULL, false, now_ms, &a, err) < 0) {
		line_error(plan, l, PERSONNEL_UNKNOWN_USER, l->login);
		return;
	}
	for (size_t i = 0; i < l->end_roles.nr; i++)
		if (!holds_then(&a, l->end_roles.items[i], now_ms))
			line_error(plan, l, PERSONNEL_NOT_HELD, l->end_roles.items[i]);
	for (size_t i = 0; i < l->start_roles.nr; i++)
		if (holds_then(&a, l->start_roles.items[i], from) &&
		    !strv_has(&l->end_roles, l->start_roles.items[i]))
			line_error(plan, l, PERSONNEL_HELD, l->start_roles.items[i]);
	org_assignments_release(&a);
}

/* The person, the date and what changes, as the line says them. */
static void read_line(struct store *st, const struct profile *p, const struct org_sections *secs,
                      const struct columns *c, const struct csv_record *rec, const char *file_date,
                      int64_t now_ms, struct personnel_plan *plan)
{
	struct personnel_line *l;
	struct org_user u = { 0 };
	const char *date = cell(rec, c->date), *section = cell(rec, c->section);
	const char *title = cell(rec, c->title);
	char day[16], *bad = NULL;

	ALLOC_GROW(plan->items, plan->nr, plan->alloc);
	l = &plan->items[plan->nr++];
	memset(l, 0, sizeof(*l));
	l->line = rec->line;
	l->login = xstrdup(cell(rec, c->login));
	if (!*l->login) {
		line_error(plan, l, PERSONNEL_NO_LOGIN, NULL);
		return;
	}
	for (size_t i = 0; i + 1 < plan->nr; i++)
		if (!strcmp(plan->items[i].login, l->login))
			line_error(plan, l, PERSONNEL_DUPLICATE, l->login);
	if (org_user_get(st, l->login, &u, NULL) < 0) {
		line_error(plan, l, PERSONNEL_UNKNOWN_USER, l->login);
		return;
	}
	l->name = xstrdup(u.name);
	l->from_section = u.section ? xstrdup(u.section) : NULL;
	if (!strcmp(u.status, USER_RETIRED))
		line_error(plan, l, PERSONNEL_RETIRED, l->login);
	org_user_release(&u);
	if (!*date)
		date = file_date ? file_date : "";
	if (*date && (!normal_date(date, day) || core_parse_local_date(day, &l->date_ms) < 0)) {
		line_error(plan, l, PERSONNEL_BAD_DATE, date);
		return;
	}
	if (!*date) {
		struct strbuf t = STRBUF_INIT;
		core_format_local_date(&t, now_ms);
		snprintf(day, sizeof(day), "%s", t.buf);
		core_parse_local_date(day, &l->date_ms);
		strbuf_release(&t);
	}
	l->date = xstrdup(day);
	if (*section && !(l->section = find_section(secs, section)))
		line_error(plan, l, PERSONNEL_UNKNOWN_SECTION, section);
	if (l->section && l->from_section && !strcmp(l->section, l->from_section)) {
		free(l->section); /* staying where they are is no move */
		l->section = NULL;
	}
	if (*title && (!core_valid_text(title, CORE_MAX_NAME) || strchr(title, '\n')))
		line_error(plan, l, PERSONNEL_BAD_TITLE, title);
	else if (*title)
		l->title = xstrdup(title);
	if (read_roles(st, p, cell(rec, c->end), &l->end_roles, &bad) < 0 ||
	    read_roles(st, p, cell(rec, c->start), &l->start_roles, &bad) < 0)
		line_error(plan, l, PERSONNEL_BAD_ROLE, bad);
	free(bad);
	l->retire = yes(cell(rec, c->retire));
	if (l->retire && l->start_roles.nr)
		line_error(plan, l, PERSONNEL_RETIRE_AND_START, NULL);
	if (l->retire && l->date_ms > now_ms)
		line_error(plan, l, PERSONNEL_FUTURE_MOVE, l->date);
	if (!l->section && !l->title && !l->retire && !l->end_roles.nr && !l->start_roles.nr)
		line_error(plan, l, PERSONNEL_NOTHING, NULL);
	if (!l->error)
		check_roles(st, plan, l, now_ms, NULL);
}

int personnel_parse(struct store *st, const struct profile *p, const struct csv *csv,
                    const char *date, int64_t now_ms, struct personnel_plan *plan,
                    struct strbuf *err)
{
	struct columns c = {
		.login = column(csv, col_login),
		.date = column(csv, col_date),
		.section = column(csv, col_section),
		.title = column(csv, col_title),
		.end = column(csv, col_end),
		.start = column(csv, col_start),
		.retire = column(csv, col_retire),
	};
	struct org_sections secs = { 0 };
	char day[16];
	int r;

	if (c.login < 0) {
		error_set(err,
		          "the header needs a column ログインID (or login), and any of 異動日, "
		          "新所属, 新職名, 終了する役割, 開始する役割, 退職");
		return -EINVAL;
	}
	if (date && *date && !normal_date(date, day)) {
		error_set(err, "the date '%s' is not a date: write it as 2027-04-01", date);
		return -EINVAL;
	}
	r = org_sections_list(st, &secs, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < csv->nrecords; i++)
		read_line(st, p, &secs, &c, &csv->records[i], date && *date ? day : NULL, now_ms,
		          plan);
	org_sections_release(&secs);
	return 0;
}

void personnel_plan_release(struct personnel_plan *plan)
{
	for (size_t i = 0; i < plan->nr; i++) {
		struct personnel_line *l = &plan->items[i];
		free(l->login);
		free(l->name);
		free(l->from_section);
		free(l->section);
		free(l->title);
		free(l->date);
		free(l->arg);
		strv_release(&l->end_roles);
		strv_release(&l->start_roles);
	}
	free(plan->items);
	memset(plan, 0, sizeof(*plan));
}

/* ---- applying ------------------------------------------------------------------------------ */

/* The acts of a plan and the strings they borrow. */
struct acts {
	struct act_input *in;
	size_t *line; /* CSV line of each act */
	struct act_attr *attrs;
	char **owned;
	size_t nr, n_attrs, n_owned, cap;
};

static struct act_input *add_act(struct acts *a, const struct personnel_line *l, enum act_kind kind,
                                 const char *actor, const struct act_context *ctx)
{
	struct act_input *in = &a->in[a->nr];

	memset(in, 0, sizeof(*in));
	in->kind = kind;
	in->actor = actor;
	in->target = l->login;
	if (ctx)
		in->ctx = *ctx;
	a->line[a->nr++] = l->line;
	return in;
}

/* Up to three fields for in (role and a date; section, title and a date), kept in a->attrs;
 * a field without a value is left out. */
static void set_fields(struct acts *a, struct act_input *in, const char *k1, const char *v1,
                       const char *k2, const char *v2, const char *k3, const char *v3)
{
	struct act_attr *f = &a->attrs[a->n_attrs];

	in->fields = f;
	f[0] = (struct act_attr){ k1, v1 };
	in->n_fields = 1;
	if (k2 && v2)
		f[in->n_fields++] = (struct act_attr){ k2, v2 };
	if (k3 && v3)
		f[in->n_fields++] = (struct act_attr){ k3, v3 };
	a->n_attrs += 3;
}

static char *own(struct acts *a, char *s)
{
	a->owned[a->n_owned++] = s;
	return s;
}

static void line_acts(struct acts *a, const struct personnel_line *l, const char *actor,
                      const struct act_context *ctx, int64_t now_ms)
{
	bool ahead = l->date_ms > now_ms;
	struct strbuf t = STRBUF_INIT;
	char *last_day = NULL;

	if (ahead) { /* held until the day before the date */
		core_format_local_date(&t, l->date_ms - DAY_MS);
		last_day = own(a, strbuf_detach(&t, NULL));
	}
	for (size_t i = 0; i < l->end_roles.nr; i++)
		set_fields(a, add_act(a, l, ACT_ROLE_REVOKE, actor, ctx), "role",
		           l->end_roles.items[i], "until", last_day, NULL, NULL);
	/* a move dated ahead is kept by the door for its day */
	if (l->section || l->title)
		set_fields(a, add_act(a, l, ACT_USER_MOVE, actor, ctx), "section",
		           l->section ? l->section : l->from_section, "title", l->title, "from",
		           ahead ? l->date : NULL);
	for (size_t i = 0; i < l->start_roles.nr; i++)
		set_fields(a, add_act(a, l, ACT_ROLE_GRANT, actor, ctx), "role",
		           l->start_roles.items[i], "from", ahead ? l->date : NULL, NULL, NULL);
	if (l->retire)
		add_act(a, l, ACT_USER_RETIRE, actor, ctx);
	strbuf_release(&t);
}

int personnel_apply(struct door *d, const struct personnel_plan *plan, const char *actor,
                    const struct act_context *ctx, size_t *ret_acts, size_t *ret_line,
                    struct strbuf *why, struct strbuf *err)
{
	struct acts a = { 0 };
	struct act_result *res;
	size_t failed = 0;
	int64_t now = time_now_ms();
	int r;

	*ret_acts = 0;
	*ret_line = 0;
	if (plan->n_errors) {
		error_set(err, "the file has %zu lines with errors; nothing applied",
		          plan->n_errors);
		return -EINVAL;
	}
	for (size_t i = 0; i < plan->nr; i++)
		a.cap += plan->items[i].end_roles.nr + plan->items[i].start_roles.nr + 2;
	a.in = xcalloc(a.cap + 1, sizeof(*a.in));
	a.line = xcalloc(a.cap + 1, sizeof(*a.line));
	a.attrs = xcalloc(3 * a.cap + 3, sizeof(*a.attrs));
	a.owned = xcalloc(plan->nr + 1, sizeof(*a.owned));
	for (size_t i = 0; i < plan->nr; i++)
		line_acts(&a, &plan->items[i], actor, ctx, now);
	res = xcalloc(a.nr + 1, sizeof(*res));
	r = act_run_all(d, a.in, a.nr, res, &failed, err);
	if (r >= 0) {
		*ret_acts = a.nr;
		for (size_t i = 0; i < a.nr; i++)
			act_result_release(&res[i]);
		r = 0;
	} else {
		*ret_line = failed < a.nr ? a.line[failed] : 0;
		if (r == -ECANCELED && failed < a.nr) {
			strbuf_addstr(why, res[failed].message ? res[failed].message : "");
			act_result_release(&res[failed]);
		}
	}
	for (size_t i = 0; i < a.n_owned; i++)
		free(a.owned[i]);
	free(a.owned);
	free(a.attrs);
	free(a.line);
	free(a.in);
	free(res);
	return r;
}

/* ---- moves dated ahead --------------------------------------------------------------------- */

/* One move whose day has come: its number and who scheduled it. */
struct due_move {
	char id[24];
	char *actor;
};

static int due_moves(struct store *st, int64_t now_ms, struct due_move **ret, size_t *ret_nr,
                     struct strbuf *err)
{
	struct due_move *v = NULL;
	size_t nr = 0, alloc = 0;
	struct query *q;
	int r =
	    query_prepare(st,
	                  "SELECT m.id, u.login FROM user_moves m JOIN users u ON u.id = m.actor"
	                  " WHERE m.state = 'scheduled' AND m.effective_ms <= ?1"
	                  " ORDER BY m.effective_ms, m.id LIMIT 1000",
	                  &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, now_ms);
	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(v, nr + 1, alloc);
		(void)snprintf(v[nr].id, sizeof(v[nr].id), "%lld", (long long)query_int(q, 0));
		v[nr++].actor = query_strdup(q, 1);
	}
	*ret = v;
	*ret_nr = nr;
	return r < 0 ? r : 0;
}

int personnel_run_due(struct door *d, int64_t now_ms, size_t *ret_applied, size_t *ret_failed,
                      struct strbuf *err)
{
	struct due_move *v = NULL;
	size_t nr = 0;
	int r;

	*ret_applied = *ret_failed = 0;
	/* the server's main thread calls this while workers lead the door: its connection is
	 * the leader's alone (one thread at a time on PostgreSQL: store/pg-owner.h) */
	door_lead(d);
	r = due_moves(door_store(d), now_ms, &v, &nr, err);
	door_unlead(d);
	for (size_t i = 0; r == 0 && i < nr; i++) {
		struct act_attr f[] = { { "scheduled", v[i].id } };
		struct act_input in = { .kind = ACT_USER_MOVE, .actor = v[i].actor };
		struct act_result res = ACT_RESULT_INIT;
		struct strbuf why = STRBUF_INIT;
		int rr;

		in.fields = f;
		in.n_fields = 1;
		in.ctx.via = "scheduler";
		rr = act_run(d, &in, &res, &why);
		if (rr == 0 && res.outcome == ACT_DONE) {
			(*ret_applied)++;
		} else {
			/* it stays scheduled: the next run tries again; say why once */
			(*ret_failed)++;
			if (!err->len)
				error_set(err, "scheduled move %s: %s", v[i].id,
				          rr < 0        ? why.buf
				          : res.message ? res.message
				                        : "refused");
		}
		if (rr == 0)
			act_result_release(&res);
		strbuf_release(&why);
	}
	for (size_t i = 0; i < nr; i++)
		free(v[i].actor);
	free(v);
	return r;
}

int personnel_scheduled_get(struct store *st, int64_t user_id, struct personnel_move *ret,
                            struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT section, title, effective FROM user_moves"
	                      " WHERE user_id = ?1 AND state = 'scheduled'",
	                      &q, err);

	memset(ret, 0, sizeof(*ret));
	if (r < 0)
		return r;
	query_bind_int(q, 1, user_id);
	r = query_step(q, err);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	ret->section = query_strdup(q, 0);
	ret->title = query_strdup(q, 1);
	ret->on = query_strdup(q, 2);
	query_done(q);
	return 0;
}

void personnel_move_release(struct personnel_move *m)
{
	free(m->section);
	free(m->title);
	free(m->on);
	memset(m, 0, sizeof(*m));
}

int personnel_stuck_list(struct store *st, int64_t now_ms, struct personnel_stuck **ret,
                         size_t *ret_nr, struct strbuf *err)
{
	struct personnel_stuck *v = NULL;
	size_t nr = 0, alloc = 0;
	struct query *q;
	int r = query_prepare(
	    st,
	    "SELECT m.id, u.login, u.name, u.title, m.section, m.effective, m.effective_ms,"
	    " a.id, a.name, a.title,"
	    " (SELECT ledger_index FROM acts WHERE via = 'scheduler' AND action = 'user.move'"
	    "  AND outcome = 'refused' AND target = 'user:' || u.login AND at_ms >= m.created_ms"
	    "  ORDER BY id DESC LIMIT 1)"
	    " FROM user_moves m JOIN users u ON u.id = m.user_id JOIN users a ON a.id = m.actor"
	    " WHERE m.state = 'scheduled' AND m.effective_ms <= ?1 ORDER BY m.effective_ms, m.id",
	    &q, err);

	*ret = NULL;
	*ret_nr = 0;
	if (r < 0)
		return r;
	query_bind_int(q, 1, now_ms);
	while ((r = query_step(q, err)) > 0) {
		struct personnel_stuck *x;
		struct strv roles = STRV_INIT;

		if (nr == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		x = &v[nr++];
		memset(x, 0, sizeof(*x));
		x->id = query_int(q, 0);
		x->login = query_strdup(q, 1);
		x->person = request_person_label(query_text(q, 2), query_text(q, 3));
		x->section = query_strdup(q, 4);
		x->on = query_strdup(q, 5);
		x->on_ms = query_int(q, 6);
		x->by = request_person_label(query_text(q, 8), query_text(q, 9));
		x->refused_index = query_int(q, 10);
		if (org_user_roles(st, query_int(q, 7), now_ms, &roles, err) < 0) {
			strv_release(&roles);
			r = -EIO;
			break;
		}
		x->by_admin = org_roles_hold(&roles, ROLE_MAMORI_ADMIN, "org");
		strv_release(&roles);
	}
	if (r < 0) {
		query_done(q);
		personnel_stuck_release(v, nr);
		return r;
	}
	*ret = v;
	*ret_nr = nr;
	return 0;
}

void personnel_stuck_release(struct personnel_stuck *v, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		free(v[i].login);
		free(v[i].person);
		free(v[i].section);
		free(v[i].on);
		free(v[i].by);
	}
	free(v);
}

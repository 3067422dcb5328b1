/* inspection-people: what the training and consent registers add to the self-inspection roll-up
 * (docs/audits.md): per section, who has not attended the training the profile's duty requires
 * (Minato 4(2)①: 研修を受講させる) and which part-time staff gave no consent (4(1)1)⑤). The
 * records are counted whoever may read them: the roll-up names people of the sections it shows. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/inspections.h"
#include "core/org.h"

#define TRAINING_PEOPLE_FIELD "attendees"
#define CONSENT_REGISTER      "consent"
#define CONSENT_PERSON_FIELD  "person"

/* The duty whose evidence is a register naming its attendees (Minato's training), or NULL. */
static const struct policy_duty *training_duty(const struct profile *p)
{
	for (unsigned i = 0; i < p->n_duties; i++) {
		const struct policy_duty *d = &p->duties[i];
		const struct policy_field *f =
		    d->evidence ? policy_register_field(d->evidence->reg, TRAINING_PEOPLE_FIELD)
		                : NULL;

		if (f && f->type == FIELD_USER && d->evidence_date && d->every_seconds > 0)
			return d;
	}
	return NULL;
}

/* Whether training record rec is the duty's evidence: its values, held in [from, until]. */
static bool counts(const struct policy_duty *d, const struct record *rec, const char *from,
                   const char *until)
{
	const char *on = record_field(rec, d->evidence_date->id);

	if (strcmp(rec->register_id, d->evidence->reg->id) || !on || strcmp(on, from) < 0 ||
	    strcmp(on, until) > 0)
		return false;
	for (unsigned i = 0; i < d->n_evidence_values; i++) {
		const struct policy_evidence_value *v = &d->evidence_values[i];
		const char *have = record_field(rec, v->field->id);
		bool hit = false;

		for (unsigned k = 0; have && k < v->n_values && !hit; k++)
			hit = !strcmp(have, v->values[k]);
		if (!hit)
			return false;
	}
	return true;
}

/* Whether login is among the people field key of one of l's records (trained: those counted). */
static bool named(const struct record_list *l, const bool *use, const char *key, const char *login)
{
	for (size_t i = 0; i < l->nr; i++) {
		if (use && !use[i])
			continue;
		if (policy_list_has(record_field(&l->items[i], key), login))
			return true;
	}
	return false;
}

static void section_people(const struct profile *p, struct inspection_rollup *r,
                           struct inspection_section *s, const struct org_users *people,
                           const struct record_list *trainings, const struct record_list *consents,
                           int64_t now_ms)
{
	const char *part_time = org_employment_resolve(p, "非常勤職員");
	struct strbuf from = STRBUF_INIT, until = STRBUF_INIT;
	bool *use = NULL;
	int64_t due_ms = now_ms;

	if (r->training) {
		if (s->due)
			time_parse_date(s->due, &due_ms);
		core_format_local_date(&until, due_ms);
		core_format_local_date(&from, due_ms - r->training->every_seconds * 1000);
		use = xcalloc(trainings->nr ? trainings->nr : 1, sizeof(*use));
		for (size_t i = 0; i < trainings->nr; i++)
			use[i] = counts(r->training, &trainings->items[i], from.buf, until.buf);
	}
	for (size_t i = 0; i < people->nr; i++) {
		const struct org_user *u = &people->items[i];

		if (!u->section || !s->section || strcmp(u->section, s->section))
			continue;
		if (r->training && !named(trainings, use, TRAINING_PEOPLE_FIELD, u->login))
			strv_push(&s->untrained, u->login);
		if (r->consent && part_time && u->employment && !strcmp(u->employment, part_time) &&
		    !named(consents, NULL, CONSENT_PERSON_FIELD, u->login))
			strv_push(&s->unconsented, u->login);
	}
	free(use);
	strbuf_release(&from);
	strbuf_release(&until);
}

int inspection_people(struct store *st, const struct profile *p, int64_t now_ms,
                      struct inspection_rollup *r, struct strbuf *err)
{
	struct record_filter ft = { 0 }, fc = { .register_id = CONSENT_REGISTER };
	struct record_list trainings = { 0 }, consents = { 0 };
	struct org_users people = { 0 };
	const struct policy_field *person;
	int ret = 0;

	r->training = training_duty(p);
	r->consent = policy_register(p, CONSENT_REGISTER);
	person = r->consent ? policy_register_field(r->consent, CONSENT_PERSON_FIELD) : NULL;
	if (!person || person->type != FIELD_USER)
		r->consent = NULL;
	if ((!r->training && !r->consent) || !r->n_sections)
		return 0;
	ret = org_users_list(st, NULL, USER_ACTIVE, &people, err);
	if (ret == 0 && r->training) {
		ft.register_id = r->training->evidence->reg->id;
		ret = records_list(st, &ft, &trainings, err);
	}
	if (ret == 0 && r->consent)
		ret = records_list(st, &fc, &consents, err);
	for (size_t i = 0; ret == 0 && i < r->n_sections; i++)
		section_people(p, r, &r->sections[i], &people, &trainings, &consents, now_ms);
	org_users_release(&people);
	record_list_release(&trainings);
	record_list_release(&consents);
	return ret;
}

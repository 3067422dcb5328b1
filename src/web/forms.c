/* forms: input forms generated from the profile's field types, and reading them back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/utf8.h"
#include "core/org.h"
#include "web/forms.h"
#include "web/page.h"

static const char *input_type(enum policy_field_type t)
{
	switch (t) {
	case FIELD_INTEGER:
	case FIELD_REF:
		return "number";
	case FIELD_DATE:
		return "date";
	case FIELD_DATETIME:
		return "datetime-local";
	default:
		return "text";
	}
}

bool form_list_has(const char *v, const char *item)
{
	size_t n = strlen(item);

	while (v && *v) {
		const char *e = strchr(v, ',');
		size_t len = e ? (size_t)(e - v) : strlen(v);

		while (len && *v == ' ') {
			v++;
			len--;
		}
		while (len && v[len - 1] == ' ')
			len--;
		if (len == n && !memcmp(v, item, n))
			return true;
		v = e ? e + 1 : NULL;
	}
	return false;
}

static void choice_box(struct strbuf *o, const char *name, bool checked, const char *text)
{
	html_open(o, "label", "class", "choice", HTML_END);
	html_void(o, "input", "type", "checkbox", "name", name, "value", "1", "checked",
	          checked ? "" : NULL, HTML_END);
	strbuf_addch(o, ' ');
	html_text(o, text);
	html_close(o, "label");
}

/* A set field: one checkbox per value (f.ID.K). */
static void choice_boxes(struct web_req *r, const struct policy_field *f, const char *label,
                         const char *v)
{
	struct strbuf *o = &r->out;
	struct strbuf name = STRBUF_INIT;

	html_open(o, "fieldset", HTML_END);
	html_elem(o, "legend", label, HTML_END);
	for (unsigned k = 0; k < f->n_values; k++) {
		strbuf_reset(&name);
		strbuf_addf(&name, FORM_PREFIX "%s.%u", f->id, k);
		choice_box(o, name.buf, form_list_has(v, f->values[k]), f->values[k]);
	}
	if (f->all_values)
		html_elem(o, "div", _("Every item is required."), "class", "hint", HTML_END);
	html_close(o, "fieldset");
	strbuf_release(&name);
}

/* The value of a set field from its boxes, comma-separated, into out. */
static void choice_collect(struct web_req *r, const struct policy_field *f, struct strbuf *out)
{
	struct strbuf name = STRBUF_INIT;

	strbuf_reset(out);
	for (unsigned k = 0; k < f->n_values; k++) {
		strbuf_reset(&name);
		strbuf_addf(&name, FORM_PREFIX "%s.%u", f->id, k);
		if (web_form(r, name.buf))
			strbuf_addf(out, "%s%s", out->len ? "," : "", f->values[k]);
	}
	strbuf_release(&name);
}

/*
 * A field chosen from a list: an enum's values, the profile's levels, or the sections (read
 * once into *secs; the user's own section chosen when there is no value).
 */
static void select_field(struct web_req *r, const struct policy_field *f, const char *name,
                         const char *id, const char *v, struct org_sections *secs, bool *have_secs)
{
	struct strbuf *o = &r->out;

	html_open(o, "select", "name", name, "id", id, "required", f->required ? "" : NULL,
	          HTML_END);
	html_elem(o, "option", _("(choose)"), "value", "", HTML_END);
	if (f->type == FIELD_ENUM) {
		for (unsigned k = 0; k < f->n_values; k++)
			html_elem(o, "option", f->values[k], "value", f->values[k], "selected",
			          v && !strcmp(v, f->values[k]) ? "" : NULL, HTML_END);
	} else if (f->type == FIELD_LEVEL && r->profile) {
		for (unsigned k = 0; k < r->profile->n_levels; k++) {
			const struct policy_level *l = &r->profile->levels[k];
			html_elem(o, "option", l->name, "value", l->id, "selected",
			          v && !strcmp(v, l->id) ? "" : NULL, HTML_END);
		}
	} else {
		if (!*have_secs)
			*have_secs = org_sections_list(r->st, secs, NULL) == 0;
		if (!v && r->user)
			v = r->user->section;
		for (size_t k = 0; *have_secs && k < secs->nr; k++)
			html_elem(o, "option", secs->items[k].name, "value", secs->items[k].id,
			          "selected", v && !strcmp(v, secs->items[k].id) ? "" : NULL,
			          HTML_END);
	}
	html_close(o, "select");
}

/* A field typed in: an input of the field's type; a text's limit said under it. */
static void input_field(struct web_req *r, const struct policy_field *f, const char *name,
                        const char *id, const char *hint, const char *v)
{
	struct strbuf *o = &r->out;
	char local[24] = "";

	/* Show a stored RFC 3339 time in the form datetime-local expects. */
	if (f->type == FIELD_DATETIME && v && strlen(v) >= 16) {
		memcpy(local, v, 16);
		v = local;
	}
	bool text = f->type == FIELD_TEXT;
	char max[16];

	snprintf(max, sizeof(max), "%d", POLICY_TEXT_MAX_CHARS);
	html_void(o, "input", "type", input_type(f->type), "name", name, "id", id, "value", v,
	          "required", f->required ? "" : NULL, "min", f->type == FIELD_REF ? "1" : NULL,
	          "maxlength", text ? max : NULL, "aria-describedby", text ? hint : NULL, HTML_END);
	if (text) {
		html_open(o, "div", "class", "hint", "id", hint, HTML_END);
		html_textf(o, _("Up to %d characters."), POLICY_TEXT_MAX_CHARS);
		html_close(o, "div");
	}
}

void form_fields(struct web_req *r, const struct policy_field *fields, unsigned n,
                 const struct web_params *defaults)
{
	struct strbuf *o = &r->out;
	struct strbuf name = STRBUF_INIT, id = STRBUF_INIT, label = STRBUF_INIT, hint = STRBUF_INIT;
	struct org_sections secs = { 0 };
	bool have_secs = false;

	for (unsigned i = 0; i < n; i++) {
		const struct policy_field *f = &fields[i];
		const char *v;

		strbuf_reset(&name);
		strbuf_addf(&name, FORM_PREFIX "%s", f->id);
		strbuf_reset(&id);
		strbuf_addf(&id, "f-%s", f->id);
		strbuf_reset(&hint);
		strbuf_addf(&hint, "f-%s-limit", f->id);
		strbuf_reset(&label);
		strbuf_addstr(&label, f->name ? f->name : f->id);
		if (f->required && f->type != FIELD_BOOL)
			strbuf_addstr(&label, _(" (required)"));
		v = web_form(r, name.buf);
		if (!v && defaults)
			v = web_params_get(defaults, f->id);

		html_open(o, "div", "class", "field", HTML_END);
		if (f->type == FIELD_GRANTS) {
			struct strbuf picked = STRBUF_INIT;

			/* shown again after a refusal: what the officer picked, not the record's */
			if (r->method == WEB_POST) {
				form_grants_collect(r, f, &picked);
				v = picked.buf;
			}
			if (!have_secs)
				have_secs = org_sections_list(r->st, &secs, NULL) == 0;
			form_grants(r, f, label.buf, v, have_secs ? &secs : NULL);
			strbuf_release(&picked);
		} else if (f->type == FIELD_SET) {
			choice_boxes(r, f, label.buf, v);
		} else if (f->type == FIELD_BOOL) {
			html_open(o, "label", HTML_END);
			html_void(o, "input", "type", "checkbox", "name", name.buf, "id", id.buf,
			          "value", "true", "checked", v && !strcmp(v, "true") ? "" : NULL,
			          HTML_END);
			strbuf_addch(o, ' ');
			html_text(o, f->name ? f->name : f->id);
			html_close(o, "label");
		} else {
			html_elem(o, "label", label.buf, "for", id.buf, HTML_END);
			if (f->type == FIELD_ENUM || f->type == FIELD_LEVEL ||
			    f->type == FIELD_SECTION)
				select_field(r, f, name.buf, id.buf, v, &secs, &have_secs);
			else
				input_field(r, f, name.buf, id.buf, hint.buf, v);
		}
		if (f->note)
			html_elem(o, "div", f->note, "class", "hint", HTML_END);
		html_close(o, "div");
	}
	if (have_secs)
		org_sections_release(&secs);
	strbuf_release(&name);
	strbuf_release(&id);
	strbuf_release(&label);
	strbuf_release(&hint);
}

int form_collect(struct web_req *r, const struct policy_field *fields, unsigned n,
                 struct web_params *out, struct strbuf *err)
{
	struct strbuf name = STRBUF_INIT, val = STRBUF_INIT;
	int ret = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct policy_field *f = &fields[i];
		const char *v;

		strbuf_reset(&name);
		strbuf_addf(&name, FORM_PREFIX "%s", f->id);
		v = web_form(r, name.buf);
		if (f->type == FIELD_BOOL) {
			web_params_add(out, f->id, v && !strcmp(v, "true") ? "true" : "false");
			continue;
		}
		if (f->type == FIELD_SET || f->type == FIELD_GRANTS) {
			if (f->type == FIELD_GRANTS)
				form_grants_collect(r, f, &val);
			else
				choice_collect(r, f, &val);
			v = val.buf;
			if (f->type == FIELD_GRANTS && form_grants_check(r, v, err) < 0) {
				ret = -EINVAL;
				break;
			}
			if (!*v && f->required) {
				error_set(err, _("Fill in \"%s\"."), f->name ? f->name : f->id);
				ret = -EINVAL;
				break;
			}
			if (*v)
				web_params_add(out, f->id, v);
			continue;
		}
		/* spaces alone are nothing typed */
		if (!v || utf8_blank(v)) {
			if (f->required) {
				error_set(err, _("Fill in \"%s\"."), f->name ? f->name : f->id);
				ret = -EINVAL;
				break;
			}
			continue;
		}
		if (f->type == FIELD_TEXT && utf8_length(v) > POLICY_TEXT_MAX_CHARS) {
			error_set(err, _("\"%s\" has %zu characters; it may have at most %d."),
			          f->name ? f->name : f->id, utf8_length(v), POLICY_TEXT_MAX_CHARS);
			ret = -EINVAL;
			break;
		}
		strbuf_reset(&val);
		strbuf_addstr(&val, v);
		/* datetime-local has no zone: the ward's clock is Tokyo's. */
		if (f->type == FIELD_DATETIME && val.len == 16 && val.buf[10] == 'T')
			strbuf_addstr(&val, ":00+09:00");
		else if (f->type == FIELD_DATETIME && val.len == 19 && val.buf[10] == 'T')
			strbuf_addstr(&val, "+09:00");
		web_params_add(out, f->id, val.buf);
	}
	strbuf_release(&name);
	strbuf_release(&val);
	return ret;
}

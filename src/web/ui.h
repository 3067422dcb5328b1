/* ui: pieces several pages share: level badges, clause links, the policy's words. */
#ifndef MAMORI_WEB_UI_H
#define MAMORI_WEB_UI_H

#include <stdint.h>

#include "policy/policy.h"
#include "web/page.h"

/* <span class="level rankN">レベル3</span> for a level id of the profile in force. */
void ui_level(struct web_req *r, const char *level_id);
/* The same without the level's definition as a tooltip (long lists). */
void ui_level_short(struct web_req *r, const char *level_id);
/*
 * After a person's name on an act: when it came through the command line (acts.via "cli"), an
 * operator acted in their name with --as, and the page says so: " 名義・CLI（OSユーザー root）"
 * (<span class="tag cli">). Nothing for the web, the API or Mamori itself.
 */
void ui_channel_note(struct web_req *r, const char *via, const char *os_user);
/* <a class="clause" href="/policy#clause-ID" title="text">3(3)③ MIN-3-3-3</a> */
void ui_clause(struct web_req *r, const char *clause_id);
/* 許可 / 承認が必要 / 禁止 */
const char *ui_effect_name(enum policy_effect e);
/* "E: 実施", "R: 記録" ... */
const char *ui_clause_kind_name(enum policy_clause_kind k);
/* The register's Japanese name, else its id. */
const char *ui_register_name(const struct web_req *r, const char *register_id);
/* The action's Japanese name ("持出し"), else its full name. */
const char *ui_action_name(const struct web_req *r, const char *full_name);
/* The door's own acts (act_kind_action: "user.passwd", "role.grant"), which no profile names,
 * in the thread's language; NULL for another id. */
const char *ui_door_act_name(const char *id);
/* "done", "pending", "refused" (an act's outcome) as people read it. */
const char *ui_outcome_name(const char *outcome);
/* A finding's severity (minor, major, critical) or an alert's Sigma level in the user's words. */
const char *ui_severity_name(const char *severity);
/* The role's Japanese name, else its id. */
const char *ui_role_name(const struct web_req *r, const char *role_id);
/* A state's Japanese name in a register, else its id. */
const char *ui_state_name(const struct web_req *r, const char *register_id, const char *state);
/* A section's name (from the store), else its id; "" for NULL. Owned by the caller. */
char *ui_section_name(struct web_req *r, const char *section_id);
/* A field's value as people read it: a person's name for a user field (not the login), a
 * section's name for a section field; else the value. Owned by the caller. */
struct policy_field;
char *ui_field_value(struct web_req *r, const struct policy_field *f, const char *value);
/*
 * True when the user may read ledger entries and exports (who did what): Mamori's
 * administrators and holders of a ward-wide role (CISO, auditor, system chief ...).
 * Checkpoints, the verifier key and proofs are for everyone: they hold only hashes.
 */
bool ui_ledger_reader(const struct web_req *r);
/*
 * May the user read the collected logs (the profile's access_log.read, asked without a
 * record), or the alerts (alert.read)? For the navigation and the pages (ui-logs.c).
 */
bool ui_logs_reader(struct web_req *r);
bool ui_alerts_reader(struct web_req *r);
/* The dashboard's card of open alerts, for whoever may read them (else nothing). */
void ui_alerts_card(struct web_req *r);
/* May the user read file integrity (the profile's fim.read, asked without a record)? */
bool ui_fim_reader(struct web_req *r);
/* For a tamper-check duty (MIN-5-6-2, SHJ-5-7-3): its last check and result, linked (ui-fim.c). */
struct duty_status;
void ui_fim_duty_result(struct web_req *r, const struct duty_status *x);
/* "waiting for approval", "approved" ... for a request state. */
const char *ui_request_state_name(const char *state);
/* May the user see this request (its applicant, an approver, or a reader the policy lets)? */
struct request;
bool ui_request_visible(struct web_req *r, const struct request *q);
/*
 * The attachments of owner ("record:12", "request:5", "duty:ID@SCOPE", core/attach.h) as a
 * section: a table of downloads, and with may_add an upload form (POST /attachments).
 */
void ui_attachments(struct web_req *r, const char *owner, bool may_add);
/* Whether to offer the upload form on a record (the door decides again). */
struct record;
bool ui_may_attach_record(const struct web_req *r, const struct record *rec);
/* Download links for a few attachments (a history row's). */
struct attachment_list;
void ui_attachment_links(struct web_req *r, const struct attachment_list *l);

/* Take-outs (ui-takeouts.c): a table of them, and the dashboard's overdue card. */
struct takeout_list;
void ui_takeout_table(struct web_req *r, const struct takeout_list *l, bool with_section);
void ui_takeouts_card(struct web_req *r);
/* The dashboard's card of the user's duties due soon or overdue (ui-duties.c). */
void ui_duties_card(struct web_req *r);
/* The dashboard's card of audit findings past their improvement date (ui-audits.c). */
void ui_findings_card(struct web_req *r);
/*
 * The compliance report's period from the query's from and to (Tokyo dates, to inclusive;
 * from absent: every act, to absent: today) as [from, to) in ms; -1 when they are no dates or
 * from is not before to (ui-audits.c).
 */
int ui_report_period(struct web_req *r, int64_t *from, int64_t *to);
/* The compliance report for the request's period (ui_report_period) by the profile in force;
 * on failure the error page (400 or 503) is written and -1 returned (ui-audits.c). */
struct compliance_report;
int ui_report_compute(struct web_req *r, struct compliance_report *rep, int64_t *from, int64_t *to);
/* The same for only the n clauses named (compliance_compute_some): a clause's, a control's or
 * a chapter's page computes only the figures it shows. */
int ui_report_compute_some(struct web_req *r, const char *const *clauses, size_t n,
                           struct compliance_report *rep, int64_t *from, int64_t *to);
/* The dashboard's card of audit reports the reader may evaluate now (ui-audits.c). */
void ui_audit_reports_card(struct web_req *r);
/* The dashboard's card of self-inspections not yet signed off, overdue ones marked. */
void ui_inspections_card(struct web_req *r);

/*
 * CSV downloads (ui-export.c). ui_csv_flags: the writer's flags for ?encoding=cp932 (CP932)
 * or else UTF-8 with BOM, formulas neutralised either way. ui_csv_send finishes w (whose text
 * is in out) and answers it as an attachment named file_name (UTF-8; file_id as the ASCII
 * fallback), noting the download in the access log (CP932: with the count of characters
 * written as 〓, which the header X-Mamori-Substituted also answers).
 * ui_csv_reply: the answer of every CSV download once made (the lists', the log search's, the
 * compliance report's and the self-inspection roll-up's): 200, text/csv in UTF-8 (the writer's
 * BOM) or, cp932, Shift_JIS with X-Mamori-Substituted: substituted, Content-Disposition:
 * disposition, body; the caller notes the download in the access log first.
 * ui_csv_links: the two download buttons for base (a URL, perhaps with a query), and beside
 * the Shift_JIS one the note that characters it lacks become 〓 (the UTF-8 CSV keeps them):
 * ui_csv_note, which says it once a page (beside the first Shift_JIS link; a page of its own
 * links calls it after them).
 */
struct csv_writer;
unsigned ui_csv_flags(const struct web_req *r);
void ui_csv_send(struct web_req *r, const char *file_id, const char *file_name,
                 struct csv_writer *w, struct strbuf *out);
void ui_csv_reply(struct web_req *r, bool cp932, size_t substituted, const char *disposition,
                  const struct strbuf *body);
void ui_csv_links(struct web_req *r, const char *base);
void ui_csv_note(struct web_req *r);

/* A positive integer path argument; 0 when it is not one. */
int64_t ui_arg_id(const char *s);
/*
 * Whether the policy would let the reader do action on rec (or, rec NULL, create a record in
 * section): to offer a form; the door decides when it is sent (ui-inspections.c).
 */
bool ui_may(struct web_req *r, const char *action, const struct record *rec, const char *section);

#endif

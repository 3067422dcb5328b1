/* ui-risk: the risk register's pages: the register, its CSV and print view (ui-risk-list.c),
 * its heat maps (ui-risk-heat.c), one risk (ui-risk.c), its forms (ui-risk-act.c), risks on
 * other pages (ui-risk-links.c). */
#ifndef MAMORI_WEB_UI_RISK_H
#define MAMORI_WEB_UI_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/page.h"

struct risk;
struct risk_filter;
struct risk_list;

/* The risks the request's reader may read that f keeps (NULL: all), each valued now against
 * one look at the ward (core/risk.h risk_list_visible). */
int ui_risks_load(struct web_req *r, const struct risk_filter *f, struct risk_list *l,
                  struct strbuf *err);
/* The two heat maps, inherent and residual side by side, of the risks of l. */
void ui_risk_heat_maps(struct web_req *r, const struct risk_list *l);

/* 評価済, 受容済, or 要再評価 when the acceptance went stale. */
const char *ui_risk_state_name(const struct web_req *r, const struct risk *rk);
/* What rk was assessed for: its record, linked, or "税務課（課等全体）" linked to the section's
 * register. */
void ui_risk_target(struct web_req *r, const struct risk *rk);
/* A table of risks: threat (linked), what was assessed, inherent, residual, state. */
void ui_risk_table(struct web_req *r, const struct risk_list *l, bool with_section);
/* The assessment form (POST /risks): a new risk, or rk's reassessment with its values. */
void ui_risk_assess_form(struct web_req *r, const struct risk *rk);
/* The acceptance form (POST /risks/ID/accept) of an assessed risk. */
void ui_risk_accept_form(struct web_req *r, const struct risk *rk);

/* The treatment plan's forms: a new task (POST /risks/ID/tasks), a task done. */
struct plan_task;
void ui_risk_task_form(struct web_req *r, const struct risk *rk);
void ui_risk_task_done_form(struct web_req *r, const struct risk *rk, const struct plan_task *t);
/* The dashboard's card: stale acceptances, overdue tasks of a plan and residuals above the
 * threshold not accepted. */
void ui_risks_card(struct web_req *r);
/* On the compliance report's page: the clauses that are measures of the ward's risks (the
 * report's tally), each linked to them. */
struct compliance_report;
void ui_risk_clause_links(struct web_req *r, const struct compliance_report *rep);
/* On an incident's page: the risks of the records it involves (made stale by it); with
 * propose_since (the case's recurrence prevention is reported or the case closed: the time the
 * case was reported), a link to reassess each risk last assessed before then, and to assess
 * the records that have no risk yet (SHJ-6-3-4-ア); 0: no proposal. */
void ui_risks_of_records(struct web_req *r, const int64_t *records, size_t n_records,
                         int64_t propose_since);

#endif

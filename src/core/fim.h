/* fim: file integrity of the Mamori host and of the agents' servers, kept in the ledger. */
#ifndef MAMORI_CORE_FIM_H
#define MAMORI_CORE_FIM_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/act.h"
#include "core/core.h"
#include "fim/config.h"

/*
 * What Mamori keeps (docs/fim.md): per configuration (host, path) the generation of the
 * baseline in force, the baseline file DIR/fim/<id>/<generation>.base signed with
 * DIR/fim/fim.key, and every check's report. Every generation and every check appends an
 * 'integrity' ledger entry: subject "fim/<id>", before the baseline's SHA-256, after the new
 * baseline's or the report's SHA-256. A check first verifies the baseline file against the
 * SHA-256 stored and ledgered, so a baseline rewritten on disk is reported as tampered.
 * New generations after the first are decided by the door: the profile's register 'fim'
 * (actions fim.register, fim.accept).
 */
#define FIM_LOCAL_HOST "local"

struct fim_config_row {
	int64_t id;
	char *host, *path, *system;
	char *node; /* host 'local': the Mamori node whose files ('' on SQLite; fim-internal.h) */
	uint64_t generation;
	char baseline_sha256[65];
	char config_sha256[65];
	uint64_t entries;
	uint64_t ledger_index;
	int64_t record_id;
	int64_t changed_ms;
};
void fim_config_row_release(struct fim_config_row *c);

struct fim_config_rows {
	struct fim_config_row *items;
	size_t nr, alloc;
};
void fim_config_rows_release(struct fim_config_rows *l);
int fim_configs_list(struct door *d, struct fim_config_rows *ret, struct strbuf *err);
/* The same on a caller's connection (the web's). */
int fim_configs_read(struct store *st, struct fim_config_rows *ret, struct strbuf *err);

/* fim init. actor NULL: allowed for a configuration without a baseline only. */
struct fim_init_input {
	const char *config; /* the configuration file */
	const char *system; /* the information system it protects, or NULL */
	const char *actor;  /* --as LOGIN, or NULL */
	int threads;        /* hashing threads; -1: the configuration's num_workers or 2 */
	struct act_context ctx;
	struct fim_init_early *early; /* fim_init_early_start's, or NULL; fim_init frees it */
};

/*
 * fim init's walk begun before the door is open: the configuration is read and the walk
 * starts in a thread of its own, so that it goes on while the door loads the profile; its
 * entries wait in memory (at most 256 KiB) until fim_init knows the baseline's generation.
 * Returns NULL when the configuration cannot be read or the thread cannot start: fim_init
 * then does both itself, and says why. A walk not given to fim_init is stopped with
 * fim_init_early_abort.
 */
struct fim_init_early;
struct fim_init_early *fim_init_early_start(const struct fim_init_input *in);
void fim_init_early_abort(struct fim_init_early *e);

struct fim_init_result {
	int64_t config_id;
	uint64_t generation, entries, bytes, ledger_index;
	char sha256[65];
	bool acted; /* an act ran through the door (act holds its result) */
	struct act_result act;
	struct strbuf warnings; /* the configuration's warnings, "file:line: warning: ..." lines */
	struct fim_diags diags; /* its errors and warnings as the parser gave them (fmt, args) */
};
void fim_init_result_release(struct fim_init_result *r);
/*
 * Walks and hashes as the configuration says and makes its baseline: the first generation,
 * or with an actor a new one (the act fim.register or fim.accept decides). Returns 0 with
 * ret filled (check ret->act.outcome when ret->acted: refused or pending installs nothing);
 * or -EINVAL (configuration errors in err, one per line), -EEXIST (a baseline exists and no
 * actor), -ENOENT (unknown actor or system), or another negative code.
 */
int fim_init(struct door *d, const struct fim_init_input *in, struct fim_init_result *ret,
             struct strbuf *err);

struct fim_check_input {
	const char *config; /* NULL: the one local configuration */
	const char *actor;  /* --as: the tamper-check duty is fulfilled for this person */
	const char *scope;  /* --scope: only this scope ("system:kokuho"); NULL: every one */
	int threads;
	struct act_context ctx;
};

/* One duty fulfilled (or not) by a check. */
struct fim_duty_act {
	char *duty, *scope;
	struct act_result act;
};

struct fim_check_result {
	int64_t report_id;
	const char *outcome; /* "clean", "changed", "tampered" */
	bool changed;        /* exit status 1 */
	char result_sha256[65];
	uint64_t ledger_index;
	int64_t alert_id;   /* the alert a change raised, or 0 */
	struct strbuf json; /* the stored report ({"config",...} without "id") */
	struct strbuf text; /* lines for people */
	struct strbuf warnings;
	struct fim_diags diags; /* as fim_init_result's */
	struct fim_duty_act *duties;
	size_t nr_duties;
};
void fim_check_result_release(struct fim_check_result *r);
/*
 * Compares with the baseline in force, stores and ledgers the report, raises an alert when
 * something changed (register alert, as the system actor 'fim'), and with an actor records
 * the tamper-check duties' evidence through the door (a check.record per scope).
 * Returns 0 (see ret->outcome), or a negative code with err: -ENOENT (no such
 * configuration, actor or scope), -EINVAL (configuration errors), -EACCES (the actor holds
 * no tamper-check duty at the scope).
 */
int fim_check(struct door *d, const struct fim_check_input *in, struct fim_check_result *ret,
              struct strbuf *err);

struct fim_accept_result {
	uint64_t generation, entries;
	char sha256[65];
	bool installed; /* the generation is in force (else the act was refused or waits) */
	struct act_result act;
	bool acted;
};
void fim_accept_result_release(struct fim_accept_result *r);
/*
 * Accepts a report's changes into a new generation through the door (fim.accept, or
 * fim.register when the configuration has no record yet). -ENOENT (no report), -EEXIST
 * (accepted already), -ESTALE (the baseline moved on since the report), -EINVAL (a
 * tampered report cannot be accepted).
 */
int fim_accept(struct door *d, int64_t report_id, const char *actor, const char *comment,
               const struct act_context *ctx, struct fim_accept_result *ret, struct strbuf *err);

/* A stored report: its JSON without "id", and where it stands. */
struct fim_report_row {
	int64_t id, config_id;
	uint64_t generation, ledger_index;
	int64_t at_ms;
	char *outcome, *report, *by_login, *via;
	char result_sha256[65];
	uint64_t accepted_generation;
	char *accepted_by;
};
void fim_report_row_release(struct fim_report_row *r);
int fim_report_get(struct door *d, int64_t id, struct fim_report_row *ret, struct strbuf *err);
int fim_report_read(struct store *st, int64_t id, struct fim_report_row *ret, struct strbuf *err);

/* A tamper-check duty (MIN-5-6-2, SHJ-5-7-3): one that fim check --as fulfils. */
struct policy_duty;
bool fim_is_tamper_duty(const struct policy_duty *du);

/* The latest reports (of one configuration, or of all when config_id is 0), newest first. */
struct fim_report_brief {
	int64_t id, config_id, at_ms;
	uint64_t generation, accepted_generation;
	char *outcome, *by_login, *via;
	int64_t added, removed, changed, problems, entries;
	bool critical;
};
struct fim_report_briefs {
	struct fim_report_brief *items;
	size_t nr, alloc;
};
void fim_report_brief_release(struct fim_report_brief *b);
void fim_report_briefs_release(struct fim_report_briefs *l);
int fim_reports_recent(struct store *st, int64_t config_id, int64_t limit,
                       struct fim_report_briefs *ret, struct strbuf *err);
/*
 * The latest report of a configuration protecting system (NULL: of any configuration), with
 * its configuration's id in config_id: 1, 0 when there is none, negative on error.
 */
int fim_report_latest_for_system(struct store *st, const char *system, struct fim_report_brief *ret,
                                 struct strbuf *err);

/*
 * The agents (core/fim-agent.c). fim_agent_batch takes one batch an agent POSTs to
 * /api/v1/fim/results (docs/api.md): the agent's first baseline, a new generation it made after
 * an acceptance, a check's report or a heartbeat; a batch id seen before is answered as a
 * duplicate and changes nothing. Everything a batch changes commits with its integrity ledger
 * entries; then changes, a baseline the ledger never recorded and batches that went missing
 * raise alerts. The answer: {"batch","status":"stored"|"duplicate","report":N|null,
 * "accept":{"generation","batch"}|null} (accept: a generation accepted here that the agent must
 * make from that batch's delta). -EINVAL: the body is wrong (err says what).
 */
#define FIM_AGENT_MAX_ITEMS 1000 /* per list in an agent's report */
/*
 * Whether login may send agents' results: an active person holding the tamper-check duty's
 * role somewhere (the system manager the texts name), or an administrator. -EACCES otherwise.
 */
int fim_agent_may(struct door *d, const char *login, struct strbuf *err);
int fim_agent_batch(struct door *d, const char *login, const char *body, size_t len,
                    struct strbuf *out, struct strbuf *err);

struct fim_agent_row {
	char *id, *host, *version, *login;
	int64_t interval_s, first_ms, last_ms, last_seq, gaps;
	bool silent;         /* an alert was raised for its current silence */
	uint64_t last_index; /* its latest ledger entry */
};
struct fim_agent_rows {
	struct fim_agent_row *items;
	size_t nr, alloc;
};
void fim_agent_rows_release(struct fim_agent_rows *l);
int fim_agents_list(struct door *d, struct fim_agent_rows *ret, struct strbuf *err);
int fim_agents_read(struct store *st, struct fim_agent_rows *ret, struct strbuf *err);
/* Raises an alert (once per silence) for each agent quiet for 3 of its intervals. */
int fim_agents_watch(struct door *d, int64_t now_ms, struct strbuf *err);

/* {"id":N,...the stored report...,"result_sha256","ledger_index"} */
void fim_report_row_json(const struct fim_report_row *r, struct strbuf *out);

#endif

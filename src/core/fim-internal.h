/* fim-internal: what src/core/fim*.c share: the tables, the ledger entries, the files. */
#ifndef MAMORI_CORE_FIM_INTERNAL_H
#define MAMORI_CORE_FIM_INTERNAL_H

#include "core/fim.h"
#include "fim/compare.h"
#include "fim/key.h"

struct door;

/* DIR/fim/fim.key, created on first use. */
/*
 * A PostgreSQL ward keeps every baseline in the database too (the blobs of attachments, by the
 * file's SHA-256), so that any node checks with it: fim_baseline_share puts the file at path
 * there once it is written; fim_baseline_fetch writes it back to path (0600) from there when
 * this node has no copy (the bytes checked against sha256 first). Nothing on SQLite.
 */
int fim_baseline_share(struct door *d, const char *path, const char *sha256, struct strbuf *err);
int fim_baseline_fetch(struct door *d, const char *path, const char *sha256, struct strbuf *err);
int fim_door_key(struct door *d, struct fim_key **ret, struct strbuf *err);
/* DIR/fim/<id>/<generation>.base (the directory is created). */
int fim_generation_path(struct door *d, int64_t config_id, uint64_t generation, struct strbuf *out,
                        struct strbuf *err);
/* Removes the files of generations older than keep (the previous one stays). */
void fim_prune_generations(struct door *d, int64_t config_id, uint64_t keep);

/*
 * The node whose own files a configuration of this host ('local') describes (schema 0028):
 * '' on SQLite (one machine); on PostgreSQL, where several nodes serve one ward, mamori.conf
 * [node] name, else the host name up to its first dot. -EINVAL with err for a name that is
 * not letters, digits and '.-_' (1 to FIM_NODE_MAX bytes).
 */
#define FIM_NODE_MAX 64
int fim_node(struct door *d, char node[FIM_NODE_MAX + 1], struct strbuf *err);

/* An agent's configuration (node ''), or with host 'local' one of node's. */
int fim_config_find(struct door *d, const char *host, const char *node, const char *path,
                    struct fim_config_row *ret, struct strbuf *err);
/*
 * This node's configuration at path: its own, else one made before schema 0028 or moved from
 * SQLite (node '', shared by every node as before). -ENOENT when there is none.
 */
int fim_config_find_local(struct door *d, const char *node, const char *path,
                          struct fim_config_row *ret, struct strbuf *err);
int fim_config_get(struct door *d, int64_t id, struct fim_config_row *ret, struct strbuf *err);
/* This node's one local configuration (its own or node ''): -ENOENT when there is none,
 * -EEXIST when several. */
int fim_config_only_local(struct door *d, const char *node, struct fim_config_row *ret,
                          struct strbuf *err);

/*
 * A new generation in force. In one transaction with its ledger entry (action
 * "fim.baseline", subject "fim/<id>", before the previous generation's SHA-256):
 * config->id 0 inserts the configuration (its id is set); else updates it. made_by and
 * report_id may be NULL/0.
 */
struct fim_generation {
	uint64_t generation, entries;
	char sha256[65];
	const char *config_sha256;
	const char *made_by;
	int64_t report_id;
	int64_t record_id;
	int64_t at_ms;
	/*
	 * A new configuration's baseline under its temporary name (fim_install_generation only),
	 * moved into its folder inside the install's transaction; NULL: the file is in place.
	 */
	const char *moved_from;
};
int fim_install_generation(struct door *d, struct fim_config_row *config,
                           const struct fim_generation *g, uint64_t *ret_index, struct strbuf *err);

/*
 * An agent's generation accepted here: in force now, its SHA-256 '' until the agent reports
 * the baseline it made from its delta; the report is marked accepted.
 */
int fim_pending_generation(struct door *d, struct fim_config_row *c, uint64_t generation,
                           const char *by, int64_t report_id, int64_t record_id,
                           struct strbuf *err);

/* The same inside the caller's fim_txn. */
int fim_install_generation_in(struct door *d, struct fim_config_row *config,
                              const struct fim_generation *g, uint64_t *ret_index,
                              struct strbuf *err);

/*
 * Runs fn in one store transaction on the door's connection, between the door's batches, so
 * rows and their ledger entries commit together. Never call the door's act_run inside.
 */
int fim_txn(struct door *d, int (*fn)(struct door *, void *, struct strbuf *), void *arg,
            struct strbuf *err);
/*
 * Runs fn on the door's connection with the lead taken and no transaction: how a reader on
 * another thread (a web worker, the server's watch) may use the door's connection at all
 * (its statement cache and open transaction belong to whoever leads). Never call act_run or
 * fim_txn inside.
 */
int fim_led(struct door *d, int (*fn)(struct door *, void *, struct strbuf *), void *arg,
            struct strbuf *err);
/* An integrity ledger entry inside fim_txn; before_hex may be NULL, after_hex is required. */
int fim_append(struct door *d, const char *actor, const char *action, const char *subject,
               const char *before_hex, const char *after_hex, const struct strbuf *data,
               int64_t at_ms, uint64_t *ret_index, struct strbuf *err);

/* A report to store with its ledger entry (action "fim.check"). */
struct fim_report_in {
	int64_t config_id;
	uint64_t generation;
	const char *baseline_sha256;
	int64_t at_ms;
	const char *by_login, *via, *outcome, *host, *path;
	uint64_t added, removed, changed, problems, entries;
	bool critical;
	const char *json; /* the report as stored (hashed) */
	const void *delta;
	size_t delta_len;
	const char *batch;
};
int fim_store_report(struct door *d, const struct fim_report_in *in, int64_t *ret_id,
                     uint64_t *ret_index, char ret_sha[65], struct strbuf *err);
int fim_store_report_in(struct door *d, const struct fim_report_in *in, int64_t *ret_id,
                        uint64_t *ret_index, char ret_sha[65], struct strbuf *err);
/* The delta of a report (owned), or -ENOENT when it has none. */
int fim_report_delta(struct door *d, int64_t id, struct strbuf *out, struct strbuf *err);

/*
 * Checks that the ledger entry at index is an integrity entry for config id whose "after"
 * is sha256 (hex): the ledgered digest of the generation in force. -EBADMSG otherwise.
 */
int fim_ledger_confirms(struct door *d, uint64_t index, int64_t config_id, const char *sha256,
                        struct strbuf *err);

/* fim-duty.c: the tamper-check duties' evidence through the door. */
struct fim_duty_plan;
int fim_duty_plan(struct door *d, const char *actor, const char *scope, const char *system,
                  struct fim_duty_plan **ret, struct strbuf *err);
int fim_duty_record(struct door *d, struct fim_duty_plan *plan, int64_t report_id,
                    const char *summary, const struct act_context *ctx,
                    struct fim_check_result *ret, struct strbuf *err);
void fim_duty_plan_free(struct fim_duty_plan *plan);

/*
 * fim.c: what init (fim.c), check (fim-check.c) and accept (fim-accept.c) share.
 * fim_load_config: the configuration parsed; errors as "file:line: ..." lines in err, warnings
 * in warnings, both as the parser gave them in *keep. fim_absolute: path made absolute
 * (realpath). fim_authorise: the door act for a new generation (fim.register, or fim.accept on
 * the configuration's record). fim_find_record: that record when the table does not know it
 * yet (0 when none). fim_open_baseline: the baseline in force, checked three ways (-EBADMSG:
 * tampered, described in err).
 */
struct fim_config;
struct fim_diags;
struct fim_baseline_reader;
struct act_context;
struct act_result;
int fim_load_config(const char *path, struct fim_config **ret, struct strbuf *warnings,
                    struct fim_diags *keep, struct strbuf *err);
int fim_absolute(const char *path, char **ret, struct strbuf *err);
int fim_authorise(struct door *d, const struct fim_config_row *c, const char *actor,
                  uint64_t generation, const char *sha256, int64_t report_id, const char *comment,
                  const struct act_context *ctx, struct act_result *res, struct strbuf *err);
int64_t fim_find_record(struct door *d, const struct fim_config_row *c);
int fim_open_baseline(struct door *d, const struct fim_config_row *c, const struct fim_key *key,
                      struct strbuf *path, struct fim_baseline_reader **ret, struct strbuf *err);

/* fim-check.c: the alert for a changed or tampered report (0 in *ret_alert when none). */
int fim_alert(struct door *d, const struct fim_config_row *c, int64_t report_id,
              uint64_t report_index, bool tampered, bool critical, const char *summary,
              int64_t at_ms, int64_t *ret_alert, struct strbuf *err);

void fim_hex(const uint8_t d[32], char out[65]);
int fim_unhex(const char *hex, uint8_t out[32]);

#endif

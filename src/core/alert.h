/* alert: Mamori's own alerts (register `alert`): raising one through the door, and reading them. */
#ifndef MAMORI_CORE_ALERT_H
#define MAMORI_CORE_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

struct door;
struct store;

#define ALERT_REGISTER    "alert"
#define ALERT_MAX_ENTRIES 256 /* ledger indexes kept with one alert; more are counted */

/*
 * What a part of Mamori (the log analysis, file integrity) tells the ward. Strings are
 * borrowed for the call.
 */
struct alert_input {
	const char *source;      /* who raises it: ACT_SYSTEM_MONITOR or ACT_SYSTEM_FIM (act.h) */
	const char *rule;        /* the rule's id: "ssh-brute-force", "fim-changed" */
	const char *severity;    /* Sigma's level: critical, high, medium, low, informational */
	int64_t time_ms;         /* when it happened (the last matching event), UTC ms */
	const char *host;        /* the host concerned, or NULL */
	const char *system;      /* the information system (a system id) concerned, or NULL */
	const char *summary;     /* one line for people, Japanese first */
	const uint64_t *entries; /* ledger indexes of the entries that matched: at least one */
	size_t n_entries;        /* beyond ALERT_MAX_ENTRIES only the first are kept */
};

/*
 * Raises an alert: creates a record of register `alert` (state open) through the door as
 * the system actor in->source, ledgered with the matching entries' indexes as public data
 * ("info":{"entries":[...],"rule":...}). Safe from any thread (the door group-commits).
 * Returns 0 with the new record's id and its ledger entry, or a negative errno-style code
 * with err set: -EINVAL (a value that does not fit), -ENOENT (the profile in force has no
 * register `alert`), -EPERM (source is not a system actor that may raise alerts), or the
 * store's error.
 *
 * An alert of a severity the profile's incidents.detect names then opens an incident, or joins
 * the open one an alert of the same rule and host opened (incident_from_alert in
 * core/incident.h), in acts of their own. When that fails the alert stays raised: *ret_id is
 * set and the error is returned.
 */
int alert_raise(struct door *d, const struct alert_input *in, int64_t *ret_id,
                uint64_t *ret_ledger_index, struct strbuf *err);
/* alert_raise without the incident: the alert's own act only (tests: a try whose alert landed
 * and whose case did not). */
int alert_raise_only(struct door *d, const struct alert_input *in, int64_t *ret_id,
                     uint64_t *ret_ledger_index, struct strbuf *err);

/* One alert as stored. */
struct alert {
	int64_t id;          /* the record id */
	char *rule;          /* rule id */
	char *severity;      /* the profile's value: 緊急, 高, 中, 低, 情報 */
	int64_t time_ms;     /* detected_at */
	char *host;          /* or NULL */
	char *system;        /* or NULL */
	char *summary;       /* for people */
	char *source;        /* monitor, fim */
	char *state;         /* open, acknowledged, closed */
	int64_t incident_id; /* the incident it is linked to, or 0 */
	uint64_t *entries;   /* ledger indexes */
	size_t n_entries;
	int64_t created_ms, changed_ms;
};

struct alert_filter {
	const char *state;  /* only this state, or NULL */
	const char *rule;   /* only this rule, or NULL */
	int64_t since_ms;   /* detected at or after, or 0 */
	int64_t before_id;  /* paging: ids below this, or 0 */
	int64_t limit;      /* 0: no limit */
	bool oldest_first;  /* default: newest first */
	const char *source; /* only those raised by this system actor (ACT_SYSTEM_*), or NULL */
	int64_t after_id;   /* ids above this (a range of the records' index), or 0 */
};

struct alert_list {
	struct alert *items;
	size_t nr, alloc;
};

int alerts_list(struct store *st, const struct alert_filter *f, struct alert_list *ret,
                struct strbuf *err);
/* Counts alerts in a state (NULL: all). */
int alerts_count(struct store *st, const char *state, int64_t *ret, struct strbuf *err);
int alert_get(struct store *st, int64_t id, struct alert *ret, struct strbuf *err);
/* An alert read from a record of register alert (as records_query returns them). */
struct record;
void alert_from_record(const struct record *rec, struct alert *ret);
void alert_release(struct alert *a);
void alert_list_release(struct alert_list *l);

/* Sigma's level as the profile's severity value ("high" → "高"); NULL if unknown. */
const char *alert_severity_value(const char *sigma_level);

/*
 * {"id","rule","time","host","summary","entries":[...],"severity","state","source",
 *  "system","incident"} with time in RFC 3339 UTC; host, system, incident null when unset.
 */
struct json_writer;
void alert_json(const struct alert *a, struct json_writer *w);

#endif

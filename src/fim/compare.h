/* compare: a scan against a baseline, streamed, into a report and a delta for acceptance. */
#ifndef MAMORI_FIM_COMPARE_H
#define MAMORI_FIM_COMPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "fim/baseline.h"
#include "fim/config.h"
#include "fim/key.h"
#include "fim/scan.h"

/* One reported difference. Strings are owned by the report. */
struct fim_change {
	char *path;
	size_t path_len;
	uint8_t type;              /* the file type now (for removed: as it was) */
	uint32_t changed;          /* FIM_BIT(attr) of the reported attributes (changed entries) */
	bool critical;             /* the rule marks it critical */
	struct fim_entry old, now; /* changed entries: both sides, owned copies */
};

struct fim_changes {
	struct fim_change *items;
	size_t nr, alloc;
};

struct fim_problem_item {
	char *path;
	size_t path_len;
	enum fim_problem what;
	int err;
};

/* Problems are kept up to this many; the count goes on. */
#define FIM_MAX_PROBLEMS 1000

struct fim_report {
	struct fim_changes added, removed, changed;
	struct fim_problem_item *problems;
	size_t nr_problems, alloc_problems;
	uint64_t problem_count;
	bool critical;             /* a critical file was added, removed or changed */
	uint64_t entries;          /* entries scanned */
	uint64_t baseline_entries; /* entries in the baseline */
	uint64_t bytes;            /* bytes hashed */
	bool config_changed;       /* the configuration differs from the baseline's */
	/*
	 * Every difference, reported or not (growing files, ANF/ARF, ignored attributes), as a
	 * delta file: accepting the report applies it to the baseline (fim_apply_delta).
	 */
	struct strbuf delta;
	uint64_t delta_records;
};
void fim_report_release(struct fim_report *r);
/* True when the report lists a difference (the check's exit status 1). */
bool fim_report_changed(const struct fim_report *r);

/* Adds a problem (from the scan's problem callback or an entry's). */
void fim_report_problem(struct fim_report *r, const char *path, size_t len, enum fim_problem what,
                        int err);
/* "unreadable", "unstable", "too_deep", "not_entered", "replaced". */
const char *fim_problem_name(enum fim_problem p);

/*
 * Walks as config says and compares with the baseline in base (opened by the caller, who
 * has checked its digest), filling report. The delta is signed with key. For growing
 * files base_path is opened a second time (the walk needs old sizes ahead of the
 * comparison). Returns 0, or a negative code with err set (a damaged baseline: -EBADMSG).
 */
int fim_compare(const struct fim_config *config, struct fim_baseline_reader *base,
                const char *base_path, const struct fim_scan_opts *opts, const struct fim_key *key,
                struct fim_report *report, struct strbuf *err);

/*
 * Writes a baseline: every scanned entry, signed with key, to path (replaced atomically).
 * Returns 0 with the file's SHA-256 and the count, or a negative code with err set.
 * fim_baseline_walk_start then fim_baseline_walk_finish.
 */
int fim_write_baseline(const struct fim_config *config, const struct fim_scan_opts *opts,
                       const struct fim_baseline_info *h, const char *path,
                       const struct fim_key *key, uint8_t ret_sha256[32],
                       struct fim_scan_stats *ret_stats, struct strbuf *err);

/*
 * A new generation: the entries of base with the delta's records applied (added and changed
 * entries replace, removed ones go), signed with key, written to path. Both inputs must
 * verify. Returns 0 with the new file's SHA-256 and count; -ENODATA for an empty delta.
 */
int fim_apply_delta(struct fim_baseline_reader *base, struct fim_baseline_reader *delta,
                    const struct fim_baseline_info *h, const char *path, const struct fim_key *key,
                    uint8_t ret_sha256[32], uint64_t *ret_count, struct strbuf *err);

/*
 * The report as JSON members (the caller opens the object and adds "id" first):
 *   "added":[{"path","type"}],"removed":[{"path","type"}],
 *   "changed":[{"path","type","attributes":[...],"old":{...},"new":{...}}],
 *   "critical":[paths],"problems":[{"path","problem","error"}],"problem_count",
 *   "summary":{"entries","baseline_entries","added","removed","changed"}
 * Paths are escaped with fim_path_escape.
 */
struct json_writer;
void fim_report_json(const struct fim_report *r, struct json_writer *w);
/* The same with at most max items per list, and "truncated":true when one was cut. */
void fim_report_json_limit(const struct fim_report *r, struct json_writer *w, size_t max);
/* Lines for people: "added: PATH", "removed: PATH", "changed: PATH (mode, sha256)". */
void fim_report_text(const struct fim_report *r, struct strbuf *out);

/*
 * A baseline's walk started before its header is known (fim init walks while the door opens
 * and reads the generation): the scan runs in a thread of its own, its records waiting in
 * memory, at most FIM_WALK_WAITING bytes (then the walk waits), until finish names the file
 * and the header. config must outlive the walk; opts is copied (its callbacks run in the
 * walk's thread). -EAGAIN when the thread cannot start.
 */
#define FIM_WALK_WAITING (256u << 10)
struct fim_baseline_walk;
int fim_baseline_walk_start(const struct fim_config *config, const struct fim_scan_opts *opts,
                            struct fim_baseline_walk **ret, struct strbuf *err);
/*
 * Gives the walk its file and header (kind and config_sha256 are filled here), waits for its
 * end, signs with key and puts the file in place. Frees w either way; returns as
 * fim_write_baseline.
 */
int fim_baseline_walk_finish(struct fim_baseline_walk *w, const struct fim_baseline_info *h,
                             const char *path, const struct fim_key *key, uint8_t ret_sha256[32],
                             struct fim_scan_stats *ret_stats, struct strbuf *err);
/* Stops the walk (at its next entry), waits for it and frees w; nothing is left on disk. */
void fim_baseline_walk_abort(struct fim_baseline_walk *w);

#endif

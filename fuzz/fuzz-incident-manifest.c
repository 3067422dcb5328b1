/* fuzz-incident-manifest: the evidence export's manifest reader never crashes, never lets a path
 * leave the export, and hands back only well-formed hashes and proofs. */
#include <stdint.h>
#include <string.h>

#include "base/strbuf.h"
#include "core/attach.h"
#include "core/incident.h"
#include "ledger/merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

/* Inside dir/ of the export: one name, not "." or "..", no control characters. */
static int inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	const char *rest = path + n + 1;

	if (strncmp(path, dir, n) || path[n] != '/' || !*rest || strchr(rest, '/'))
		return 0;
	for (const char *p = rest; *p; p++)
		if ((unsigned char)*p < 0x20)
			return 0;
	return strcmp(rest, ".") && strcmp(rest, "..");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct incident_manifest m;

	if (incident_manifest_parse((const char *)data, size, &m, &err) == 0) {
		CHECK(m.incident > 0 && m.tree_size > 0);
		CHECK(m.checkpoint && *m.checkpoint && !strchr(m.checkpoint, '/'));
		CHECK(m.n_files <= INCIDENT_MANIFEST_MAX_N &&
		      m.n_entries <= INCIDENT_MANIFEST_MAX_N);
		for (size_t i = 0; i < m.n_files; i++) {
			CHECK(inside(m.files[i].name, "evidence"));
			CHECK(inside(m.files[i].entry, "entries"));
			CHECK(attach_valid_sha256(m.files[i].sha256));
			CHECK(m.files[i].size >= 0);
		}
		for (size_t i = 0; i < m.n_entries; i++) {
			CHECK(inside(m.entries[i].file, "entries"));
			CHECK(m.entries[i].n_proof <= MERKLE_MAX_PROOF);
		}
		incident_manifest_release(&m);
	} else {
		CHECK(err.len > 0);
	}
	strbuf_release(&err);
	return 0;
}

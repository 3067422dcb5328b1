/* fuzz-verify-offline: `mamori ledger verify --offline` on any export never crashes and never
 * passes an export whose checkpoint was not signed by its key.
 *
 * The input is a little archive of the export's files, read from memory: records of a 1-byte
 * name length, the name, a 4-byte big-endian data length and the data. The seed corpus holds
 * real exports packed this way (fuzz/corpus/verify-offline/, made by tests/ledger/pack-export.py).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/ledger-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 512

struct memfile {
	char name[256];
	const uint8_t *data;
	size_t len;
};

struct memfs {
	struct memfile files[MAX_FILES];
	size_t nr;
};

static int mem_read(void *ctx, const char *path, size_t limit, struct strbuf *out)
{
	struct memfs *fs = ctx;

	for (size_t i = 0; i < fs->nr; i++) {
		if (strcmp(fs->files[i].name, path))
			continue;
		if (fs->files[i].len > limit)
			return -EFBIG;
		strbuf_add(out, fs->files[i].data, fs->files[i].len);
		return 0;
	}
	return -ENOENT;
}

static int mem_list(void *ctx, const char *dir, char ***ret, size_t *ret_nr)
{
	struct memfs *fs = ctx;
	size_t dlen = strlen(dir), alloc = 0;

	*ret = NULL;
	*ret_nr = 0;
	for (size_t i = 0; i < fs->nr; i++) {
		const char *n = fs->files[i].name;
		if (strncmp(n, dir, dlen) || n[dlen] != '/' || strchr(n + dlen + 1, '/'))
			continue;
		ALLOC_GROW(*ret, *ret_nr, alloc);
		(*ret)[(*ret_nr)++] = xstrdup(n + dlen + 1);
	}
	return *ret_nr ? 0 : -ENOENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memfs *fs = calloc(1, sizeof(*fs));
	struct ledger_vfs vfs = { fs, mem_read, mem_list };
	struct ledger_verify_result res;
	struct strbuf err = STRBUF_INIT;
	size_t pos = 0;
	int r;

	if (!fs)
		return 0;
	while (pos < size && fs->nr < MAX_FILES) {
		struct memfile *f = &fs->files[fs->nr];
		size_t nlen = data[pos++], dlen;

		if (size - pos < nlen + 4)
			break;
		memcpy(f->name, data + pos, nlen);
		f->name[nlen] = '\0';
		pos += nlen;
		dlen = (size_t)data[pos] << 24 | (size_t)data[pos + 1] << 16 |
		       (size_t)data[pos + 2] << 8 | data[pos + 3];
		pos += 4;
		if (dlen > size - pos)
			dlen = size - pos;
		f->data = data + pos;
		f->len = dlen;
		pos += dlen;
		fs->nr++;
	}
	r = ledger_verify_fs(&vfs, NULL, 0, &res, &err);
	if (r == 0) {
		/* Whatever passed was signed: its checkpoint opens with key.pub, for as many
		 * entries. */
		struct strbuf key = STRBUF_INIT, cp = STRBUF_INIT;
		struct note_verifier keys[16];
		size_t nkeys = 0, kpos = 0;
		struct checkpoint c;

		if (mem_read(fs, "key.pub", SIZE_MAX, &key) < 0 ||
		    mem_read(fs, "checkpoint", SIZE_MAX, &cp) < 0)
			__builtin_trap();
		while (kpos < key.len && nkeys < 16) {
			char *nl = memchr(key.buf + kpos, '\n', key.len - kpos);
			size_t len = nl ? (size_t)(nl - (key.buf + kpos)) : key.len - kpos;
			if (len &&
			    note_verifier_parse(key.buf + kpos, len, &keys[nkeys], &err) == 0)
				nkeys++;
			kpos += len + 1;
		}
		if (checkpoint_open(cp.buf, cp.len, keys, nkeys, &c, &err) != 0 ||
		    c.size != res.entries || memcmp(c.root, res.root, MERKLE_HASH_SIZE) != 0)
			__builtin_trap();
		strbuf_release(&key);
		strbuf_release(&cp);
	} else if (!err.len) {
		__builtin_trap(); /* every failure says why */
	}
	strbuf_release(&err);
	free(fs);
	return 0;
}

/* export: a self-contained C2SP tlog-tiles directory that auditors verify without Mamori. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/msgid.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "store/query.h"

void tlog_tile_path(struct strbuf *out, uint64_t n)
{
	unsigned groups[8];
	int nr = 0;

	do {
		groups[nr++] = (unsigned)(n % 1000);
		n /= 1000;
	} while (n);
	for (int i = nr - 1; i > 0; i--)
		strbuf_addf(out, "x%03u/", groups[i]);
	strbuf_addf(out, "%03u", groups[0]);
}

/* What the export tells an auditor; docs/ledger.md says the same at more length. */
static const char readme[] =
    "# Mamori ledger export\n"
    "\n"
    "This directory is a copy of a Mamori ledger: every entry, the hashes over them and\n"
    "the signed checkpoints, in the C2SP tlog-tiles layout. It can be checked without\n"
    "Mamori. See docs/ledger.md in the Mamori sources for the full description.\n"
    "\n"
    "## What is here\n"
    "\n"
    "- `checkpoint`: the latest signed checkpoint (C2SP signed-note holding a C2SP\n"
    "  tlog-checkpoint: origin, tree size, base64 RFC 6962 root). The export holds\n"
    "  exactly the entries this checkpoint covers.\n"
    "- `checkpoints/<size>`: every checkpoint signed up to then.\n"
    "- `key.pub`: the verifier key(s), one a line: `<name>+<key id>+<base64(0x01 || Ed25519\n"
    "  public key)>`. Compare it with the key the ward published; trust nothing else here.\n"
    "- `tile/entries/<N>`: entries 256 N .. 256 N + 255, each as a 2-byte big-endian length and\n"
    "  the entry's bytes; the last bundle may be partial: `<N>.p/<count>`.\n"
    "- `tile/<L>/<N>`: 256 hashes (32 bytes each) of the tree nodes of height 8 L, numbered\n"
    "  256 N onwards; partial tiles are `<N>.p/<count>`. N is written in groups of three\n"
    "  digits, `x001/x234/067` for 1234067.\n"
    "- `verify.py`: a checker that needs only Python 3 and the `openssl` command.\n"
    "\n"
    "## Checking it\n"
    "\n"
    "    python3 verify.py .          # or: mamori ledger verify --offline DIR\n"
    "\n"
    "By hand: a leaf is SHA-256(0x00 || entry), a node SHA-256(0x01 || left || right)\n"
    "(RFC 6962, section 2.1). Hash all entries into the tree, compare the root with each\n"
    "checkpoint's third line, and check each checkpoint's signature: the text before the\n"
    "blank line is signed with Ed25519; the signature line is `— <name> <base64(4-byte key\n"
    "id || 64-byte signature)>`, key id = first 4 bytes of SHA-256(name || \"\\n\" || 0x01 ||\n"
    "public key). `openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in text -sigfile sig`\n"
    "checks one signature.\n"
    "\n"
    "A checkpoint you kept from an earlier visit must have the root of the first <size>\n"
    "entries here: if it does not, or if its size is beyond this export, the ledger was\n"
    "changed, truncated or rolled back since.\n";

/* Needs Python 3 and openssl only. Kept in step with src/ledger/verify.c. */
static const char verify_py[] =
    "#!/usr/bin/env python3\n"
    "\"\"\"Checks a Mamori ledger export: python3 verify.py DIR [MY-CHECKPOINT...]\n"
    "\n"
    "Uses only the Python standard library and the openssl command (for Ed25519).\n"
    "Exit 0 when every entry, tile and checkpoint holds; otherwise exit 1 naming the first\n"
    "problem.\n"
    "\"\"\"\n"
    "import base64, hashlib, os, subprocess, sys, tempfile\n"
    "\n"
    "def fail(msg):\n"
    "    print('verify.py: ' + msg, file=sys.stderr)\n"
    "    sys.exit(1)\n"
    "\n"
    "def tile_path(kind, n, partial):\n"
    "    groups = []\n"
    "    while True:\n"
    "        groups.insert(0, n % 1000)\n"
    "        n //= 1000\n"
    "        if n == 0:\n"
    "            break\n"
    "    p = 'tile/%s/' % kind + '/'.join(['x%03d' % g for g in groups[:-1]] + ['%03d' % "
    "groups[-1]])\n"
    "    return p + ('.p/%d' % partial if partial else '')\n"
    "\n"
    "def H(b):\n"
    "    return hashlib.sha256(b).digest()\n"
    "\n"
    "def parse_key(line):\n"
    "    name, kid, b64 = line.split('+', 2)\n"
    "    key = base64.b64decode(b64, validate=True)\n"
    "    if len(key) != 33 or key[0] != 1:\n"
    "        fail('key.pub: not an Ed25519 verifier key')\n"
    "    if H(name.encode() + b'\\n' + key)[:4] != bytes.fromhex(kid):\n"
    "        fail('key.pub: key id does not match the key')\n"
    "    return name, bytes.fromhex(kid), key[1:]\n"
    "\n"
    "def ed25519_ok(pub, msg, sig):\n"
    "    der = bytes.fromhex('302a300506032b6570032100') + pub\n"
    "    with tempfile.TemporaryDirectory() as t:\n"
    "        pem = os.path.join(t, 'k.pem')\n"
    "        with open(pem, 'w') as f:\n"
    "            f.write('-----BEGIN PUBLIC KEY-----\\n' + base64.b64encode(der).decode() +\n"
    "                    '\\n-----END PUBLIC KEY-----\\n')\n"
    "        for name, data in (('m', msg), ('s', sig)):\n"
    "            with open(os.path.join(t, name), 'wb') as f:\n"
    "                f.write(data)\n"
    "        r = subprocess.run(['openssl', 'pkeyutl', '-verify', '-pubin', '-inkey', pem,\n"
    "                            '-rawin', '-in', os.path.join(t, 'm'), '-sigfile',\n"
    "                            os.path.join(t, 's')], capture_output=True)\n"
    "        return r.returncode == 0\n"
    "\n"
    "def open_checkpoint(data, keys, label):\n"
    "    i = data.rfind(b'\\n\\n')\n"
    "    if i < 0:\n"
    "        fail(label + ': not a signed note')\n"
    "    text, sigs = data[:i + 1], data[i + 2:]\n"
    "    good = 0\n"
    "    for line in sigs.decode().splitlines():\n"
    "        if not line.startswith('\\u2014 '):\n"
    "            fail(label + ': bad signature line')\n"
    "        name, b64 = line[2:].split(' ')\n"
    "        raw = base64.b64decode(b64, validate=True)\n"
    "        for kname, kid, pub in keys:\n"
    "            if kname == name and kid == raw[:4]:\n"
    "                if not ed25519_ok(pub, text, raw[4:]):\n"
    "                    fail(label + ': signature by ' + name + ' does not verify')\n"
    "                good += 1\n"
    "    if not good:\n"
    "        fail(label + ': not signed by a key in key.pub')\n"
    "    lines = text.decode().split('\\n')\n"
    "    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)\n"
    "    if origin not in [k[0] for k in keys] or len(root) != 32:\n"
    "        fail(label + ': origin or root malformed')\n"
    "    return size, root\n"
    "\n"
    "def main():\n"
    "    if len(sys.argv) < 2:\n"
    "        fail('usage: verify.py DIR [CHECKPOINT...]')\n"
    "    d = sys.argv[1]\n"
    "    rd = lambda p: open(os.path.join(d, p), 'rb').read()\n"
    "    keys = [parse_key(l) for l in rd('key.pub').decode().splitlines() if l]\n"
    "    size, root = open_checkpoint(rd('checkpoint'), keys, 'checkpoint')\n"
    "    want = {}\n"
    "    cps = os.listdir(os.path.join(d, 'checkpoints')) if os.path.isdir(os.path.join(d, "
    "'checkpoints')) else []\n"
    "    for name in cps:\n"
    "        s, r = open_checkpoint(rd('checkpoints/' + name), keys, 'checkpoints/' + name)\n"
    "        if str(s) != name or s > size:\n"
    "            fail('checkpoints/' + name + ': wrong size')\n"
    "        want[s] = r\n"
    "    for p in sys.argv[2:]:\n"
    "        s, r = open_checkpoint(open(p, 'rb').read(), keys, p)\n"
    "        if s > size:\n"
    "            fail(p + ': size %d is beyond the export (%d): entries are missing' % (s, size))\n"
    "        if want.get(s, r) != r:\n"
    "            fail(p + ': differs from the export\\'s checkpoint of the same size')\n"
    "        want[s] = r\n"
    "    want[size] = root\n"
    "    stack, n, levels = [], 0, {}\n"
    "    def node(h, i, x):\n"
    "        if h % 8 == 0:\n"
    "            levels.setdefault(h // 8, {}).setdefault(i >> 8, {})[i & 255] = x\n"
    "    def tree_root():\n"
    "        if not stack:\n"
    "            return H(b'')\n"
    "        r = stack[-1][1]\n"
    "        for h, x in reversed(stack[:-1]):\n"
    "            r = H(b'\\x01' + x + r)\n"
    "        return r\n"
    "    if 0 in want and want[0] != H(b''):\n"
    "        fail('checkpoint of size 0 is not the empty tree')\n"
    "    for b in range((size + 255) // 256):\n"
    "        count = min(256, size - 256 * b)\n"
    "        data = rd(tile_path('entries', b, count if count < 256 else 0))\n"
    "        pos, got = 0, 0\n"
    "        while pos < len(data):\n"
    "            ln = int.from_bytes(data[pos:pos + 2], 'big')\n"
    "            e = data[pos + 2:pos + 2 + ln]\n"
    "            if len(e) != ln:\n"
    "                fail('entry %d is truncated' % n)\n"
    "            pos += 2 + ln\n"
    "            x, h, i = H(b'\\x00' + e), 0, n\n"
    "            node(0, i, x)\n"
    "            while stack and stack[-1][0] == h:\n"
    "                x = H(b'\\x01' + stack.pop()[1] + x)\n"
    "                h, i = h + 1, i >> 1\n"
    "                node(h, i, x)\n"
    "            stack.append((h, x))\n"
    "            n, got = n + 1, got + 1\n"
    "            if n in want and tree_root() != want[n]:\n"
    "                fail('checkpoint %d does not match the entries' % n)\n"
    "        if got != count:\n"
    "            fail('bundle %d has %d entries, not %d' % (b, got, count))\n"
    "    for lvl, tiles in levels.items():\n"
    "        for t, hashes in tiles.items():\n"
    "            w = len(hashes)\n"
    "            data = rd(tile_path(str(lvl), t, w if w < 256 else 0))\n"
    "            if data != b''.join(hashes[k] for k in range(w)):\n"
    "                fail('tile %d/%d does not match the entries' % (lvl, t))\n"
    "    print('ok: %d entries, %d checkpoints, root %s' % (n, len(want), "
    "base64.b64encode(root).decode()))\n"
    "\n"
    "main()\n";

static int mkdir_p(struct strbuf *path)
{
	for (size_t i = 1; i < path->len; i++) {
		if (path->buf[i] != '/')
			continue;
		path->buf[i] = '\0';
		if (mkdir(path->buf, 0700) < 0 && errno != EEXIST) {
			int r = -errno;
			path->buf[i] = '/';
			return r;
		}
		path->buf[i] = '/';
	}
	return 0;
}

static int write_file(const char *dir, const char *rel, const void *data, size_t len, mode_t mode,
                      struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	int fd, r = 0;

	strbuf_addf(&path, "%s/%s", dir, rel);
	r = mkdir_p(&path);
	if (r == 0) {
		fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd < 0) {
			r = -errno;
		} else {
			if (write(fd, data, len) != (ssize_t)len)
				r = errno ? -errno : -EIO;
			if (close(fd) < 0 && r == 0)
				r = -errno;
		}
	}
	if (r < 0)
		error_set(err, "cannot write '%s': %s", path.buf, strerror(-r));
	strbuf_release(&path);
	return r;
}

static int export_bundles(struct ledger *lg, const char *dir, uint64_t size, struct strbuf *err)
{
	struct bundle_cursor c;
	struct strbuf rel = STRBUF_INIT;
	uint64_t expect = 0, n;
	const void *blob;
	size_t len = 0;
	int rc = 0, r = 0;

	bundle_cursor_init(&c, lg, 0, (size + 255) / 256);
	while (r == 0 && (rc = bundle_cursor_next(&c, &n, &blob, &len, err)) > 0) {
		size_t pos = 0, elen;
		const uint8_t *data = blob, *e;
		uint64_t want = size - n * 256 >= 256 ? 256 : size - n * 256;
		unsigned count = 0;

		if (n != expect) {
			error_set(err,
			          "entries %" PRIu64 ".. are missing; run 'mamori ledger verify'",
			          expect * 256);
			r = -EBADMSG;
			break;
		}
		/* Entries appended after the checkpoint stay out of the export. */
		while (count < want && bundle_next(data, len, &pos, &e, &elen) > 0)
			count++;
		if (count != want) {
			error_set(err,
			          "entry bundle %" PRIu64 " is damaged; run 'mamori ledger verify'",
			          n);
			r = -EBADMSG;
			break;
		}
		strbuf_reset(&rel);
		strbuf_addstr(&rel, "tile/entries/");
		tlog_tile_path(&rel, n);
		if (want < 256)
			strbuf_addf(&rel, ".p/%u", (unsigned)want);
		r = write_file(dir, rel.buf, data, pos, 0600, err);
		expect = n + 1;
	}
	bundle_cursor_done(&c);
	if (r == 0 && rc < 0)
		r = rc;
	if (r == 0 && expect * 256 < size) {
		error_set(err, "entries %" PRIu64 ".. are missing; run 'mamori ledger verify'",
		          expect * 256);
		r = -EBADMSG;
	}
	strbuf_release(&rel);
	return r;
}

static int export_tiles(struct ledger *lg, const char *dir, uint64_t size, struct strbuf *err)
{
	struct strbuf rel = STRBUF_INIT;
	int r = 0;

	for (unsigned level = 0; level < TILE_LEVELS && r == 0; level++) {
		uint64_t base = level * 8 < 64 ? size >> (level * 8) : 0;

		for (uint64_t t = 0; t * 256 < base && r == 0; t++) {
			uint64_t w = base - t * 256 >= 256 ? 256 : base - t * 256;
			uint8_t(*hashes)[MERKLE_HASH_SIZE] = xcalloc(w, MERKLE_HASH_SIZE);

			/* The base row of the tile: nodes of height 8 L (a partial tile may have
			 * grown). */
			ledger_read_begin(lg, err);
			for (uint64_t i = 0; i < w && r == 0; i++) {
				r = ledger_node(lg, level * 8, t * 256 + i, hashes[i]);
				if (r < 0)
					error_set(err,
					          "tile %u/%" PRIu64 " is missing; run 'mamori "
					          "ledger verify'",
					          level, t);
			}
			if (r == 0) {
				char kind[4];
				strbuf_reset(&rel);
				snprintf(kind, sizeof(kind), "%u", level);
				strbuf_addf(&rel, "tile/%s/", kind);
				tlog_tile_path(&rel, t);
				if (w < 256)
					strbuf_addf(&rel, ".p/%u", (unsigned)w);
				r = write_file(dir, rel.buf, hashes, w * MERKLE_HASH_SIZE, 0600,
				               err);
			}
			free(hashes);
		}
	}
	strbuf_release(&rel);
	return r;
}

int ledger_export(struct ledger *lg, const char *data_dir, const char *dir, struct strbuf *err)
{
	struct strbuf note = STRBUF_INIT, keys = STRBUF_INIT, rel = STRBUF_INIT, why = STRBUF_INIT;
	struct note_verifier *vk = NULL;
	size_t nvk = 0;
	struct checkpoint cp;
	struct query *s;
	int r, rc;

	/* Sign for the whole log first when the key is here; else export the last checkpoint. */
	r = ledger_checkpoint_sign(lg, data_dir, NULL, &why);
	if (r == -EBADMSG) {
		error_set(err, "%s", why.buf);
		goto out;
	}
	r = ledger_checkpoint_get(lg, UINT64_MAX, &note, err);
	if (r < 0)
		goto out;
	{
		struct note n;
		r = note_parse(note.buf, note.len, &n, err);
		if (r == 0) {
			r = checkpoint_parse(n.text.buf, n.text.len, &cp, err);
			note_release(&n);
		}
		if (r < 0)
			goto out;
	}
	if (mkdir(dir, 0700) < 0) {
		r = -errno;
		error_set(err, "cannot create '%s': %s%s", dir, strerror(-r),
		          r == -EEXIST ? N_(" (export into a new directory)") : "");
		goto out;
	}
	r = ledger_trusted_keys(lg, data_dir, &vk, &nvk, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < nvk; i++) {
		struct strbuf line = STRBUF_INIT;
		note_verifier_format(&vk[i], &line);
		if (!strstr(keys.buf, line.buf)) {
			strbuf_add(&keys, line.buf, line.len);
			strbuf_addch(&keys, '\n');
		}
		strbuf_release(&line);
	}
	if ((r = write_file(dir, "README.md", readme, sizeof(readme) - 1, 0600, err)) < 0 ||
	    (r = write_file(dir, "verify.py", verify_py, sizeof(verify_py) - 1, 0700, err)) < 0 ||
	    (r = write_file(dir, "key.pub", keys.buf, keys.len, 0600, err)) < 0 ||
	    (r = write_file(dir, "checkpoint", note.buf, note.len, 0600, err)) < 0)
		goto out;
	s = query_get(ledger_store(lg),
	              "SELECT size, note FROM ledger_checkpoint WHERE size <= ? ORDER BY size",
	              err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	query_bind_int(s, 1, (int64_t)cp.size);
	while (r == 0 && (rc = query_step(s, err)) > 0) {
		strbuf_reset(&rel);
		strbuf_addf(&rel, "checkpoints/%lld", (long long)query_int(s, 0));
		{
			size_t len = 0;
			const void *text = query_blob(s, 1, &len);
			r = write_file(dir, rel.buf, len ? text : "", len, 0600, err);
		}
	}
	query_done(s);
	if (r < 0)
		goto out;
	{
		/* One read snapshot: a server may fill the partial bundle meanwhile, moving its
		 * entries from ledger_tail to ledger_bundle. */
		bool began = false;
		r = store_read_begin(ledger_store(lg), &began, err);
		if (r == 0)
			r = export_bundles(lg, dir, cp.size, err);
		if (r == 0)
			r = export_tiles(lg, dir, cp.size, err);
		store_read_end(ledger_store(lg), began);
	}
out:
	free(vk);
	strbuf_release(&note);
	strbuf_release(&keys);
	strbuf_release(&rel);
	strbuf_release(&why);
	return r;
}

/* The real file system for ledger_verify_offline */

static int real_read(void *ctx, const char *path, size_t limit, struct strbuf *out)
{
	struct strbuf full = STRBUF_INIT;
	struct stat sb;
	int fd, r = 0;

	strbuf_addf(&full, "%s/%s", (const char *)ctx, path);
	fd = open(full.buf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	strbuf_release(&full);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		r = -EINVAL;
	else if ((uint64_t)sb.st_size > limit)
		r = -EFBIG;
	else {
		size_t want = (size_t)sb.st_size, got = 0;
		strbuf_grow(out, want);
		while (got < want) {
			ssize_t n = read(fd, out->buf + out->len + got, want - got);
			if (n <= 0) {
				r = n < 0 ? -errno : -EIO;
				break;
			}
			got += (size_t)n;
		}
		if (r == 0)
			strbuf_setlen(out, out->len + got);
	}
	close(fd);
	return r;
}

static int real_list(void *ctx, const char *dir, char ***ret_names, size_t *ret_nr)
{
	struct strbuf full = STRBUF_INIT;
	DIR *d;
	struct dirent *e;
	size_t alloc = 0;

	strbuf_addf(&full, "%s/%s", (const char *)ctx, dir);
	d = opendir(full.buf);
	strbuf_release(&full);
	if (!d)
		return -errno;
	*ret_names = NULL;
	*ret_nr = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (*ret_nr >= 1000000)
			break; /* no export has a million checkpoints; do not let one exhaust memory
			        */
		ALLOC_GROW(*ret_names, *ret_nr, alloc);
		(*ret_names)[(*ret_nr)++] = xstrdup(e->d_name);
	}
	closedir(d);
	return 0;
}

int ledger_verify_offline(const char *export_dir, const struct strbuf *extra, size_t extra_nr,
                          struct ledger_verify_result *ret, struct strbuf *err)
{
	struct ledger_vfs fs = { (void *)(uintptr_t)export_dir, real_read, real_list };
	struct stat sb;

	if (stat(export_dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		error_set(err,
		          "'%s' is not a directory (give the directory 'mamori ledger export' "
		          "wrote)",
		          export_dir);
		return -ENOENT;
	}
	return ledger_verify_fs(&fs, extra, extra_nr, ret, err);
}

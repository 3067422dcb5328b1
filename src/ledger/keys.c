/* keys: the checkpoint signing key pair in the data directory (created by mamori init). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "base/cleanup.h"
#include "base/fsdir.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "store/query.h"

#define KEY_FILE_MAX 1024

/* Ward ids become part of the log's origin: keep them to a portable, quoting-free set. */
static bool ward_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* Writes data to dir/name, which must not exist, with mode, fsynced. */
static int write_new_file(const char *dir, const char *name, mode_t mode, const struct strbuf *data,
                          struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	int fd, r = 0;

	strbuf_addf(&path, "%s/%s", dir, name);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		r = -errno;
		if (r == -EEXIST)
			error_set(err, "'%s' already exists: this data directory has a ledger key",
			          path.buf);
		else
			error_set(err, "cannot create '%s': %s", path.buf, strerror(-r));
		goto out;
	}
	/* The umask may have cleared bits; never loosen, only make sure of the mode. */
	if (fchmod(fd, mode) < 0 || write(fd, data->buf, data->len) != (ssize_t)data->len ||
	    fsync(fd) < 0) {
		r = errno ? -errno : -EIO;
		error_set(err, "cannot write '%s': %s", path.buf, strerror(-r));
		close(fd);
		unlink(path.buf);
		goto out;
	}
	if (close(fd) < 0) {
		r = -errno;
		error_set(err, "cannot write '%s': %s", path.buf, strerror(-r));
		unlink(path.buf);
	}
out:
	strbuf_release(&path);
	return r;
}

int ledger_init_keys(const char *dir, const char *ward_id, struct strbuf *err)
{
	struct strbuf name = STRBUF_INIT, skey = STRBUF_INIT_SECRET, vkey = STRBUF_INIT;
	struct note_signer s;
	uint8_t u[16];
	int r;

	if (!ward_id_valid(ward_id)) {
		error_set(err,
		          "ward id '%s' may only have letters, digits, '-', '_' and '.' (at "
		          "most 64)",
		          ward_id);
		return -EINVAL;
	}
	/* The instance uuid: random (version 4), so two installations never share an origin. */
	if (RAND_bytes(u, sizeof(u)) != 1) {
		error_set(err,
		          "cannot generate an instance id: the OpenSSL random generator failed");
		return -EIO;
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	strbuf_addf(&name, "%s/mamori/", ward_id);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			strbuf_addch(&name, '-');
		strbuf_addf(&name, "%02x", u[i]);
	}
	r = note_signer_generate(name.buf, &s, err);
	if (r < 0)
		goto out;
	note_signer_format(&s, &skey);
	strbuf_addch(&skey, '\n');
	note_verifier_format(&s.v, &vkey);
	strbuf_addch(&vkey, '\n');
	note_signer_wipe(&s);
	r = write_new_file(dir, LEDGER_KEY_FILE, 0600, &skey, err);
	if (r < 0)
		goto out;
	r = write_new_file(dir, LEDGER_PUB_FILE, 0644, &vkey, err);
	if (r < 0) {
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "%s/%s", dir, LEDGER_KEY_FILE);
		unlink(p.buf);
		strbuf_release(&p);
		goto out;
	}
	/* Both names durable before init goes on (a failed init removes them: cmd-init.c). */
	r = fs_sync_dir(dir, err);
	if (r < 0) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addstr(&why, err->buf);
		error_set(err,
		          "%s; the ledger's key pair was not made: run 'mamori init' again once "
		          "that is fixed",
		          why.buf);
		strbuf_release(&why);
	}
out:
	strbuf_release_secret(&skey);
	strbuf_release(&vkey);
	strbuf_release(&name);
	return r;
}

/* Reads a small file; for the signer key, refuses one that others can read. */
static int read_key_file(const char *dir, const char *name, bool secret, struct strbuf *out,
                         struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	struct stat sb;
	char buf[KEY_FILE_MAX + 1];
	ssize_t n;
	int fd, r = 0;

	strbuf_addf(&path, "%s/%s", dir, name);
	fd = open(path.buf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			error_set(err,
			          "'%s' is missing: this data directory has no ledger key "
			          "(mamori init creates it)",
			          path.buf);
		else
			error_set(err, "cannot open '%s': %s", path.buf, strerror(-r));
		goto out;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		r = -EINVAL;
		error_set(err, "'%s' is not a regular file", path.buf);
		goto close;
	}
	if (secret && (sb.st_mode & 077)) {
		r = -EPERM;
		error_set(err, "'%s' can be read by others (mode %04o): run 'chmod 600 %s'",
		          path.buf, (unsigned)(sb.st_mode & 07777), path.buf);
		goto close;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0 || n > KEY_FILE_MAX) {
		r = n < 0 ? -errno : -EFBIG;
		error_set(err, "cannot read '%s': %s", path.buf,
		          n < 0 ? strerror(-r) : "too large for a key");
		goto wipe;
	}
	strbuf_add(out, buf, (size_t)n);
wipe:
	explicit_bzero(buf, sizeof(buf));
close:
	close(fd);
out:
	strbuf_release(&path);
	return r;
}

int ledger_load_verifier(const char *dir, struct note_verifier *ret, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	int r = read_key_file(dir, LEDGER_PUB_FILE, false, &text, err);

	if (r == 0)
		r = note_verifier_parse(text.buf, text.len, ret, err);
	strbuf_release(&text);
	return r;
}

int ledger_load_signer(const char *dir, struct note_signer *ret, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT_SECRET;
	int r = read_key_file(dir, LEDGER_KEY_FILE, true, &text, err);

	if (r == 0)
		r = note_signer_parse(text.buf, text.len, ret, err);
	strbuf_release_secret(&text);
	return r;
}

int ledger_trusted_keys(struct ledger *lg, const char *dir, struct note_verifier **keys, size_t *nr,
                        struct strbuf *err)
{
	struct query *q;
	struct note_verifier v;
	size_t alloc = *nr;
	int r =
	    query_prepare(ledger_store(lg), "SELECT vkey FROM ledger_key ORDER BY seq", &q, err);

	if (r < 0)
		return r;
	while ((r = query_step(q, err)) > 0) {
		const char *t = query_text(q, 0);
		if (!t || note_verifier_parse(t, strlen(t), &v, err) < 0) {
			error_set(err, "a verifier key recorded in the ledger is damaged: '%s'",
			          t ? t : "");
			query_done(q);
			return -EBADMSG;
		}
		ALLOC_GROW(*keys, *nr, alloc);
		(*keys)[(*nr)++] = v;
	}
	if (r < 0)
		return r;
	if (dir) {
		struct strbuf e2 = STRBUF_INIT;
		if (ledger_load_verifier(dir, &v, &e2) == 0) {
			ALLOC_GROW(*keys, *nr, alloc);
			(*keys)[(*nr)++] = v;
		}
		strbuf_release(&e2);
	}
	return r;
}

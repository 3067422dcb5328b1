/* attach: the content-addressed file store of attachments, reading their rows, verifying them. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "base/fsdir.h"
#include "base/utf8.h"
#include "core/attach-internal.h"
#include "core/core.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"
#include "store/query.h"

int attach_max_bytes(const char *dir, int64_t *ret, struct strbuf *err)
{
	struct conf c = CONF_INIT;
	int r = conf_load(dir, &c, err);

	if (r == 0)
		r = conf_get_int(&c, "attachments", "max_bytes", 1, ATTACH_MAX_LIMIT,
		                 ATTACH_MAX_DEFAULT, ret, err);
	conf_release(&c);
	return r;
}

/* ---- what kind of file ------------------------------------------------------------------ */

static const char *extension(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;

	return dot && !strchr(dot, '/') ? dot + 1 : "";
}

static bool starts(const unsigned char *d, size_t len, const char *magic, size_t n)
{
	return len >= n && !memcmp(d, magic, n);
}

/* Text a person wrote: no NUL and no control characters but tab, line ends and form feed. */
static bool is_text(const unsigned char *d, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' && d[i] != '\r' && d[i] != '\f') ||
		    d[i] == 0x7f)
			return false;
	return true;
}

const char *attach_sniff(const void *data, size_t len, const char *name)
{
	static const struct {
		const char *ext, *type;
	} zipped[] = {
		/* Office Open XML and OpenDocument are ZIP files: their extension tells which. */
		{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
		{ "odt", "application/vnd.oasis.opendocument.text" },
		{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
		{ "odp", "application/vnd.oasis.opendocument.presentation" },
	},
	  ole[] = {
		  /* The older Office formats are OLE2 compound files. */
		  { "doc", "application/msword" },
		  { "xls", "application/vnd.ms-excel" },
		  { "ppt", "application/vnd.ms-powerpoint" },
	  };
	const unsigned char *d = data;
	const char *ext = extension(name);

	if (!d || len == 0)
		return NULL;
	if (starts(d, len, "%PDF-", 5))
		return "application/pdf";
	if (starts(d, len, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (starts(d, len, "\xff\xd8\xff", 3))
		return "image/jpeg";
	if (starts(d, len, "GIF87a", 6) || starts(d, len, "GIF89a", 6))
		return "image/gif";
	if (starts(d, len, "II*\0", 4) || starts(d, len, "MM\0*", 4))
		return "image/tiff";
	if (starts(d, len, "BM", 2) && len >= 26)
		return "image/bmp";
	if (starts(d, len, "PK\x03\x04", 4)) {
		for (size_t i = 0; i < ARRAY_SIZE(zipped); i++)
			if (!strcasecmp(ext, zipped[i].ext))
				return zipped[i].type;
		return NULL; /* another ZIP archive: not a document */
	}
	if (starts(d, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
		for (size_t i = 0; i < ARRAY_SIZE(ole); i++)
			if (!strcasecmp(ext, ole[i].ext))
				return ole[i].type;
		return NULL;
	}
	if (is_text(d, len)) {
		if (!strcasecmp(ext, "csv"))
			return "text/csv";
		/* .yaml: a profile's draft, kept with its policy review (core/review.h) */
		if (!strcasecmp(ext, "txt") || !strcasecmp(ext, "log") ||
		    !strcasecmp(ext, "yaml") || !strcasecmp(ext, "yml") || !*ext)
			return "text/plain";
	}
	return NULL;
}

bool attach_valid_name(const char *name, const char **ret)
{
	const char *base;
	size_t n, chars = 0;

	if (!name)
		return false;
	/* Browsers on Windows may send the whole path: keep its last component. */
	base = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	n = strlen(base);
	if (n == 0 || !strcmp(base, ".") || !strcmp(base, "..") || !utf8_valid(base, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)base[i];
		if (c < 0x20 || c == 0x7f)
			return false;
		chars += (c & 0xc0) != 0x80;
	}
	if (chars > ATTACH_MAX_NAME)
		return false;
	*ret = base;
	return true;
}

/* ---- the store of files ----------------------------------------------------------------- */

bool attach_valid_sha256(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

char *attach_path(const char *dir, const char *sha256)
{
	if (!attach_valid_sha256(sha256))
		return NULL;
	return xstrfmt("%s/%s/%.2s/%s", dir, ATTACH_DIR, sha256, sha256 + 2);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A name in dir (the file's, or a folder's) made durable before an act refers to it: synced
 * also when it was there already, since the put that made it may have failed at this sync,
 * been stopped before it, or still be on its way to it (another request's). The caller says
 * what was not done (the CLI, the web, a restore).
 */
static int sync_name(const char *dir, const char *sha256, struct strbuf *err)
{
	int r = fs_sync_dir(dir, err);

	if (r < 0 && err) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addstr(&why, err->buf);
		error_set(err, "cannot store attachment %.12s…: %s", sha256, why.buf);
		strbuf_release(&why);
	}
	return r;
}

/* Makes the folder path in parent unless it is there, and syncs its name; a folder made here
 * whose name could not be synced goes (made again, and synced, by the next put). */
static int make_folder(const char *parent, const char *path, const char *sha256, struct strbuf *err)
{
	bool made = mkdir(path, 0700) == 0;
	int r;

	if (!made && errno != EEXIST) {
		r = -errno;
		error_set(err, "cannot create '%s': %s", path, strerror(-r));
		return r;
	}
	r = sync_name(parent, sha256, err);
	if (r < 0 && made)
		rmdir(path);
	return r;
}

int attach_put(struct store *st, const char *dir, const char *name, const void *data, size_t len,
               int64_t max_bytes, struct attach_blob *ret, struct strbuf *err)
{
	const char *type, *base = NULL;

	if (!attach_valid_name(name, &base)) {
		error_set(err,
		          "a file name must be text of at most %d characters without control "
		          "characters",
		          ATTACH_MAX_NAME);
		return -EINVAL;
	}
	if (len == 0) {
		error_set(err, "'%s' is empty", base);
		return -EINVAL;
	}
	if ((int64_t)len > max_bytes) {
		error_set(err, "'%s' is %zu bytes; the ward accepts files of at most %lld bytes",
		          base, len, (long long)max_bytes);
		return -EFBIG;
	}
	type = attach_sniff(data, len, base);
	if (!type) {
		error_set(
		    err,
		    "'%s' is not a kind of file Mamori keeps: PDF, Word, Excel, PowerPoint, "
		    "OpenDocument, images (PNG, JPEG, GIF, TIFF, BMP) and text (.txt, .csv, .yaml)",
		    base);
		return -EMEDIUMTYPE;
	}
	core_sha256_hex(data, len, ret->sha256);
	ret->size = (int64_t)len;
	ret->media_type = type;
	return attach_put_raw(st, dir, ret->sha256, data, len, err);
}

int attach_put_raw(struct store *st, const char *dir, const char *sha256, const void *data,
                   size_t len, struct strbuf *err)
{
	_cleanup_free_ char *path = attach_path(dir ? dir : "", sha256), *tmp = NULL;
	_cleanup_free_ char *top = NULL, *sub = NULL;
	char hex[65];
	struct stat sb;
	int fd, r;

	if (!path) {
		error_set(err, "'%s' is not a SHA-256", sha256 ? sha256 : "");
		return -EINVAL;
	}
	core_sha256_hex(data, len, hex);
	if (strcmp(hex, sha256)) {
		error_set(err, "the bytes given for attachment %.12s… hash to %.12s…", sha256, hex);
		return -EBADMSG;
	}
	if (len == 0 || (int64_t)len > ATTACH_MAX_LIMIT) {
		error_set(err, "attachment %.12s… has an impossible size", sha256);
		return -EFBIG;
	}
	if (attach_in_database(st))
		return attach_db_put(st, sha256, data, len, err);
	top = xstrfmt("%s/%s", dir, ATTACH_DIR);
	sub = xstrfmt("%s/%.2s", top, sha256);
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == (off_t)len)
		return sync_name(sub, sha256, err);
	r = make_folder(dir, top, sha256, err);
	if (r == 0)
		r = make_folder(top, sub, sha256, err);
	if (r < 0)
		return r;
	tmp = xstrfmt("%s/.tmp-%s-XXXXXX", sub, sha256 + 2);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		error_set(err, "cannot create a file in '%s': %s", sub, strerror(-r));
		return r;
	}
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		error_set(err, "cannot store attachment %.12s… in '%s': %s", sha256, sub,
		          strerror(-r));
		return r;
	}
	return sync_name(sub, sha256, err);
}

int attach_present(struct store *st, const char *dir, const char *sha256, int64_t size,
                   struct strbuf *err)
{
	_cleanup_free_ char *path = attach_path(dir ? dir : "", sha256);
	struct stat sb;

	if (!path) {
		error_set(err, "'%s' is not a SHA-256", sha256 ? sha256 : "");
		return -EINVAL;
	}
	if (attach_in_database(st))
		return attach_db_present(st, sha256, size, err);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == (off_t)size;
}

int attach_read(struct store *st, const char *dir, const char *sha256, int64_t size,
                struct strbuf *out, struct strbuf *err)
{
	_cleanup_free_ char *path = attach_path(dir ? dir : "", sha256);
	const char *where = path;
	char hex[65];
	int r;

	if (!path) {
		error_set(err, "'%s' is not a SHA-256", sha256 ? sha256 : "");
		return -EINVAL;
	}
	if (size < 0 || size > ATTACH_MAX_LIMIT) {
		error_set(err, "attachment %.12s has an impossible size", sha256);
		return -EFBIG;
	}
	strbuf_reset(out);
	if (attach_in_database(st)) {
		/* the same check of what came back, wherever it was kept */
		r = attach_db_read(st, sha256, out, err);
		if (r < 0)
			return r;
		where = NULL;
	} else {
		r = strbuf_read_file(out, path, (size_t)ATTACH_MAX_LIMIT + 1);
		if (r < 0) {
			error_set(err, "attachment file '%s' cannot be read: %s", path,
			          strerror(-r));
			return r == -ENOENT ? -ENOENT : r;
		}
	}
	core_sha256_hex(out->buf, out->len, hex);
	if ((int64_t)out->len != size || strcmp(hex, sha256)) {
		if (where)
			error_set(err, "attachment file '%s' changed: %zu bytes with SHA-256 %s",
			          where, out->len, hex);
		else
			error_set(err,
			          "attachment %.12s… changed in the database: %zu bytes with "
			          "SHA-256 %s",
			          sha256, out->len, hex);
		return -EBADMSG;
	}
	return 0;
}

int attach_owner_parse(const char *owner, char *kind, size_t kind_size, const char **ret_id)
{
	const char *colon = owner ? strchr(owner, ':') : NULL;
	size_t n;

	if (!colon || colon == owner || !colon[1] || strlen(owner) > ATTACH_MAX_OWNER)
		return -EINVAL;
	n = (size_t)(colon - owner);
	if (n + 1 > kind_size)
		return -EINVAL;
	memcpy(kind, owner, n);
	kind[n] = '\0';
	*ret_id = colon + 1;
	return 0;
}

/* ---- rows ---------------------------------------------------------------------------------- */

#define ATTACHMENT_COLUMNS                                                                         \
	"t.id, t.owner, t.sha256, t.size, t.name, t.media_type, t.act_id,"                         \
	" coalesce(a.ledger_index, 0), t.added_ms, u.login, u.name"
#define ATTACHMENT_FROM                                                                            \
	" FROM attachments t JOIN acts a ON a.id = t.act_id LEFT JOIN users u ON u.id = "          \
	"t.added_by"

static void from_row(struct query *q, struct attachment *a)
{
	memset(a, 0, sizeof(*a));
	a->id = query_int(q, 0);
	a->owner = query_strdup(q, 1);
	a->sha256 = query_strdup(q, 2);
	a->size = query_int(q, 3);
	a->name = query_strdup(q, 4);
	a->media_type = query_strdup(q, 5);
	a->act_id = query_int(q, 6);
	a->ledger_index = (uint64_t)query_int(q, 7);
	a->added_ms = query_int(q, 8);
	a->added_by = query_strdup(q, 9);
	a->added_by_name = query_strdup(q, 10);
}

static int list_rows(struct query *q, struct attachment_list *ret, struct strbuf *err)
{
	int r;

	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		from_row(q, &ret->items[ret->nr++]);
	}
	return r;
}

int attachments_list(struct store *st, const char *owner, struct attachment_list *ret,
                     struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(
	    st, "SELECT " ATTACHMENT_COLUMNS ATTACHMENT_FROM " WHERE t.owner = ? ORDER BY t.id", &q,
	    err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, owner);
	return list_rows(q, ret, err);
}

int attachments_of_act(struct store *st, int64_t act_id, struct attachment_list *ret,
                       struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(
	    st, "SELECT " ATTACHMENT_COLUMNS ATTACHMENT_FROM " WHERE t.act_id = ? ORDER BY t.id",
	    &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, act_id);
	return list_rows(q, ret, err);
}

int attachment_get(struct store *st, int64_t id, struct attachment *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "SELECT " ATTACHMENT_COLUMNS ATTACHMENT_FROM " WHERE t.id = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, id);
	r = query_step(q, err);
	if (r < 0)
		return r;
	if (r == 0) {
		error_set(err, "no attachment %lld", (long long)id);
		return -ENOENT;
	}
	from_row(q, ret);
	query_done(q);
	return 0;
}

void attachment_release(struct attachment *a)
{
	if (!a)
		return;
	free(a->owner);
	free(a->sha256);
	free(a->name);
	free(a->media_type);
	free(a->added_by);
	free(a->added_by_name);
	memset(a, 0, sizeof(*a));
}

void attachment_list_release(struct attachment_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		attachment_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* ---- verification ----------------------------------------------------------------------- */

/* Does the ledger entry at index name sha256 with size among its info.attachments? */
static int entry_names(struct ledger *lg, uint64_t index, const char *sha256, int64_t size,
                       bool *ret, struct strbuf *err)
{
	struct strbuf bytes = STRBUF_INIT;
	struct ledger_entry e = { 0 };
	json_t *data = NULL, *list, *it;
	size_t i;
	int r;

	*ret = false;
	r = ledger_entry_bytes(lg, index, &bytes, err);
	if (r == 0)
		r = entry_decode(bytes.buf, bytes.len, &e, err);
	if (r == 0 && e.data)
		data = json_loadb((const char *)e.data, e.data_len, 0, NULL);
	list = json_object_get(json_object_get(data, "info"), "attachments");
	json_array_foreach(list, i, it)
	{
		const char *h = json_string_value(json_object_get(it, "sha256"));
		json_t *n = json_object_get(it, "size");
		if (h && !strcmp(h, sha256) && json_is_integer(n) && json_integer_value(n) == size)
			*ret = true;
	}
	json_decref(data);
	entry_release(&e);
	strbuf_release(&bytes);
	return r;
}

int attach_verify(struct store *st, struct ledger *lg, const char *dir,
                  struct attach_verify_result *ret, struct strbuf *err)
{
	struct strbuf content = STRBUF_INIT, why = STRBUF_INIT, last = STRBUF_INIT;
	struct query *q;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = query_prepare(st,
	                  "SELECT t.id, t.sha256, t.size, coalesce(a.ledger_index, -1)"
	                  " FROM attachments t LEFT JOIN acts a ON a.id = t.act_id"
	                  " ORDER BY t.sha256, t.id",
	                  &q, err);
	if (r < 0)
		return r;
	while ((r = query_step(q, err)) > 0) {
		int64_t id = query_int(q, 0), size = query_int(q, 2), index = query_int(q, 3);
		const char *sha = query_text(q, 1);
		bool named = false;
		ret->files++;
		if (!sha || strcmp(last.buf, sha)) {
			/* Each distinct file is re-hashed once, however many rows name it. */
			r = attach_read(st, dir, sha, size, &content, &why);
			if (r < 0) {
				error_set(err, "attachment %lld: %s", (long long)id, why.buf);
				r = -EBADMSG;
				break;
			}
			ret->blobs++;
			ret->bytes += content.len;
			strbuf_reset(&last);
			strbuf_addstr(&last, sha);
		}
		if (index < 0) {
			error_set(err, "attachment %lld has no act in the act log", (long long)id);
			r = -EBADMSG;
			break;
		}
		r = entry_names(lg, (uint64_t)index, sha, size, &named, &why);
		if (r < 0 || !named) {
			error_set(err,
			          "attachment %lld (SHA-256 %.12s…) is not named by ledger entry "
			          "%lld%s%s",
			          (long long)id, sha, (long long)index, r < 0 ? ": " : "",
			          r < 0 ? why.buf : "");
			r = -EBADMSG;
			break;
		}
	}
	if (r < 0)
		query_done(q);
	strbuf_release(&content);
	strbuf_release(&why);
	strbuf_release(&last);
	return r < 0 ? r : 0;
}

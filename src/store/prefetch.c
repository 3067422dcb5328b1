/*
 * prefetch: reading ahead the pages of some rows of a SQLite rowid table (store_prefetch_rows).
 * The pages are found by reading the table's b-tree from the database file itself, in SQLite's
 * file format (https://sqlite.org/fileformat2.html: "B-tree Pages", "Cell Payload Overflow
 * Pages"), and the kernel is asked for them all at once (posix_fadvise WILLNEED). What this
 * reads is only a hint: a page it cannot make sense of (a torn read while a checkpoint writes
 * it, a newer version still in the WAL) makes it skip that row, and SQLite reads the rows as
 * always afterwards.
 *
 * It reads through the descriptor the file's gate keeps open for the process's life
 * (store_gate_pin), never one of its own: closing any descriptor of the file would drop every
 * POSIX lock this process holds on it, SQLite's included (its SHARED lock in WAL mode: another
 * process closing its last connection could then take the file for unused and delete the WAL
 * under the ledger's writer). Unmapping the file's mapping closes nothing.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "store/query.h"
#include "store/store-internal.h"

/* Interior levels followed at most (a table of 2^40 rows has ~6). */
#define PF_MAX_DEPTH 16

/* Pages between a row's leaf and its overflow pages, at most, for them to count as near. */
#define PF_NEAR 4

/* Pages asked before the leaf or after it on a guess, at most (PF_GUESS_MAX * 4 KiB). */
#define PF_GUESS_MAX 64

struct pf_file {
	int fd;
	uint32_t page_size, usable;
	uint64_t pages; /* in the file */
	unsigned char *buf;
	/* the interior page read last at each level (rows asked in order share them) */
	unsigned char *lvl[PF_MAX_DEPTH];
	uint64_t lvl_pg[PF_MAX_DEPTH];
	/* the file mapped, never read through: mincore says which pages are cached */
	unsigned char *map;
	size_t map_len, os_page;
};

struct pf_range {
	uint64_t first, n; /* pages [first, first + n), 1-based */
};

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A varint at p (before end) into *v: its length, 0 when it runs past end. */
static size_t pf_varint(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < 9; i++) {
		if (p + i >= end)
			return 0;
		if (i == 8) {
			*v = *v << 8 | p[i];
			return 9;
		}
		*v = *v << 7 | (p[i] & 0x7f);
		if (!(p[i] & 0x80))
			return i + 1;
	}
	return 0;
}

static int pf_open(struct store *st, struct pf_file *f)
{
	unsigned char h[100];
	struct stat sb;
	uint32_t ps;

	f->fd = store_gate_pin(st->gate, st->path); /* never closed: see the top of the file */
	if (f->fd < 0)
		return -1;
	if (fstat(f->fd, &sb) < 0 || pread(f->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, "SQLite format 3", 16))
		return -1;
	ps = be16(h + 16) == 1 ? 65536 : be16(h + 16);
	if (ps < 512 || (ps & (ps - 1)) || ps <= h[20] || ps - h[20] < 480)
		return -1;
	f->page_size = ps;
	f->usable = ps - h[20];
	f->pages = (uint64_t)sb.st_size / ps;
	f->buf = xmalloc(ps);
	f->os_page = (size_t)sysconf(_SC_PAGESIZE);
	f->map_len = (size_t)sb.st_size;
	f->map = f->map_len ? mmap(NULL, f->map_len, PROT_READ, MAP_SHARED, f->fd, 0) : MAP_FAILED;
	if (f->map == MAP_FAILED)
		f->map = NULL;
	return 0;
}

static void pf_close(struct pf_file *f)
{
	if (f->map)
		munmap(f->map, f->map_len);
	if (f->buf)
		explicit_bzero(f->buf, f->page_size); /* a leaf of sealed payloads holds some */
	free(f->buf);
	for (int i = 0; i < PF_MAX_DEPTH; i++) {
		/* interior pages hold keys and page numbers only, but a page read as one and found
		 * not to be (the tree changed in the WAL, a read torn by a checkpoint) may be a
		 * leaf */
		if (f->lvl[i])
			explicit_bzero(f->lvl[i], f->page_size);
		free(f->lvl[i]);
	}
}

/* Whether page pgno is in the page cache now (false when that cannot be told). */
static bool pf_cached(const struct pf_file *f, uint64_t pgno)
{
	size_t at = (size_t)((pgno - 1) * f->page_size);
	unsigned char v = 0;

	if (!f->map || f->os_page == 0 || at >= f->map_len)
		return false;
	at -= at % f->os_page;
	return mincore(f->map + at, 1, &v) == 0 && (v & 1);
}

/*
 * Page pgno into b (a page's size); the offset of its b-tree header (100 on page 1), or -1 when
 * it cannot be read or its type is not want (5: a table's interior page, 13: its leaf).
 */
static int pf_page(struct pf_file *f, unsigned char *b, uint64_t pgno, unsigned want)
{
	int hdr = pgno == 1 ? 100 : 0;

	if (pgno < 1 || pgno > f->pages ||
	    pread(f->fd, b, f->page_size, (off_t)((pgno - 1) * f->page_size)) !=
	        (ssize_t)f->page_size ||
	    b[hdr] != want)
		return -1;
	return hdr;
}

/* The offset of cell i of the page whose header is at hdr (of size hsize), or 0 when bad. */
static size_t pf_cell(const struct pf_file *f, const unsigned char *b, int hdr, int hsize,
                      unsigned i)
{
	size_t at = (size_t)hdr + (size_t)hsize + 2 * (size_t)i, c;

	if (at + 2 > f->usable)
		return 0;
	c = be16(b + at);
	return c >= (size_t)hdr + (size_t)hsize && c + 4 <= f->usable ? c : 0;
}

/* On interior page pgno, at that level of the tree: the child to follow for rowid; -1 when it
 * is not a table's interior page. */
static int pf_child(struct pf_file *f, int level, uint64_t pgno, int64_t rowid, uint64_t *child)
{
	unsigned char *b;
	int hdr = pgno == 1 ? 100 : 0;
	unsigned n, lo = 0, hi;
	size_t c;

	if (!f->lvl[level])
		f->lvl[level] = xmalloc(f->page_size);
	b = f->lvl[level];
	if (f->lvl_pg[level] != pgno) {
		f->lvl_pg[level] = 0;
		if (pf_page(f, b, pgno, 5) < 0)
			return -1;
		f->lvl_pg[level] = pgno;
	}
	n = be16(b + hdr + 3);
	hi = n;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		uint64_t key;
		c = pf_cell(f, b, hdr, 12, mid);
		if (!c || !pf_varint(b + c + 4, b + f->usable, &key))
			return -1;
		if ((int64_t)key < rowid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n) {
		*child = be32(b + hdr + 8); /* the right-most child */
	} else {
		c = pf_cell(f, b, hdr, 12, lo);
		if (!c)
			return -1;
		*child = be32(b + c);
	}
	return *child ? 0 : -1;
}

/* The interior levels above the table's leaves, by its right-most path; -1 when unreadable. */
static int pf_depth(struct pf_file *f, uint64_t root)
{
	uint64_t pgno = root;

	for (int depth = 0; depth <= PF_MAX_DEPTH; depth++) {
		int hdr;
		if (pgno < 1 || pgno > f->pages ||
		    pread(f->fd, f->buf, f->page_size, (off_t)((pgno - 1) * f->page_size)) !=
		        (ssize_t)f->page_size)
			return -1;
		hdr = pgno == 1 ? 100 : 0;
		if (f->buf[hdr] == 13)
			return depth;
		if (f->buf[hdr] != 5)
			return -1;
		pgno = be32(f->buf + hdr + 8);
	}
	return -1;
}

/*
 * On leaf page pgno, the row rowid's overflow pages: the first and how many (0 when the row fits
 * on the leaf). -1 when the page is not a leaf of a table or the row is not on it.
 */
static int pf_overflow(struct pf_file *f, uint64_t pgno, int64_t rowid, struct pf_range *ret)
{
	int hdr = pf_page(f, f->buf, pgno, 13);
	const unsigned char *end = f->buf + f->usable;
	unsigned n;

	if (hdr < 0)
		return -1;
	n = be16(f->buf + hdr + 3);
	for (unsigned i = 0; i < n; i++) {
		size_t c = pf_cell(f, f->buf, hdr, 8, i), a, b;
		uint64_t size, key, u = f->usable, x = u - 35, m = (u - 12) * 32 / 255 - 23, local;
		if (!c || !(a = pf_varint(f->buf + c, end, &size)) ||
		    !(b = pf_varint(f->buf + c + a, end, &key)))
			return -1;
		if ((int64_t)key != rowid)
			continue;
		ret->n = 0;
		if (size <= x)
			return 0;
		local = m + (size - m) % (u - 4);
		if (local > x)
			local = m;
		if (c + a + b + local + 4 > f->usable)
			return -1;
		ret->first = be32(f->buf + c + a + b + local);
		ret->n = (size - local + u - 5) / (u - 4);
		if (ret->first < 1 || ret->first > f->pages)
			return -1;
		if (ret->n > f->pages - ret->first + 1)
			ret->n = f->pages - ret->first + 1;
		return 0;
	}
	return -1;
}

static int cmp_range(const void *a, const void *b)
{
	const struct pf_range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Asks for the ranges (sorted first, and those that touch or overlap merged) from the disk, or
 * passes them to fn. */
static void pf_fetch(struct pf_file *f, struct pf_range *r, size_t n, store_prefetch_fn fn,
                     void *ctx)
{
	size_t k = 0;

	if (!n)
		return;
	qsort(r, n, sizeof(*r), cmp_range);
	for (size_t i = 1; i < n; i++) {
		if (r[i].first <= r[k].first + r[k].n) {
			if (r[i].first + r[i].n > r[k].first + r[k].n)
				r[k].n = r[i].first + r[i].n - r[k].first;
		} else {
			r[++k] = r[i];
		}
	}
	for (size_t i = 0; i <= k; i++)
		if (fn)
			fn(ctx, r[i].first, r[i].n);
		else
			(void)posix_fadvise(f->fd, (off_t)((r[i].first - 1) * f->page_size),
			                    (off_t)(r[i].n * f->page_size), POSIX_FADV_WILLNEED);
}

/* The root page of a rowid table, 0 when there is none. */
static uint64_t pf_root(struct store *st, const char *table)
{
	struct query *q;
	int64_t root = 0;

	if (query_prepare(st,
	                  "SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = ?",
	                  &q, NULL) < 0)
		return 0;
	query_bind_text(q, 1, table);
	if (query_one_int(q, &root, NULL) < 0)
		return 0;
	return root > 0 ? (uint64_t)root : 0;
}

/* The page that holds rowid's cell, 0 when it cannot be found; depth: pf_depth's. */
static uint64_t pf_leaf(struct pf_file *f, uint64_t root, int depth, int64_t rowid)
{
	uint64_t pgno = root;

	for (int d = 0; d < depth; d++)
		if (pf_child(f, d, pgno, rowid, &pgno) < 0)
			return 0;
	return pgno <= f->pages ? pgno : 0;
}

/*
 * Learns from one row's leaf where a table's overflow pages lie (before, after: the pages to ask
 * on that side of each leaf): just before its leaf (SQLite writes a row's overflow pages, then
 * the leaf a split gives it: every row of a table of large rows appended in order) or just
 * after it, and one page more (rows a little longer).
 */
static void pf_shape(struct pf_file *f, uint64_t leaf, int64_t rowid, uint64_t *before,
                     uint64_t *after)
{
	struct pf_range ov;

	if (pf_overflow(f, leaf, rowid, &ov) < 0 || !ov.n)
		return;
	if (ov.first < leaf && leaf - ov.first <= ov.n + PF_NEAR)
		*before = leaf - ov.first + 1;
	else if (ov.first > leaf && ov.first - leaf <= PF_NEAR)
		*after = ov.first + ov.n - leaf + 1;
	if (*before > PF_GUESS_MAX)
		*before = PF_GUESS_MAX;
	if (*after > PF_GUESS_MAX)
		*after = PF_GUESS_MAX;
}

/*
 * The leaf of each row into leaf[] (0 where it was not found, or, unless cached_too, where the
 * leaf is in the page cache already: a row is read whole, so its other pages most likely are
 * too), and the first ranges into out: each such leaf with the pages around it where its
 * overflow pages most likely are (pf_shape, from the table's first row). Their number.
 */
static size_t pf_leaves(struct pf_file *f, uint64_t root, const int64_t *rowids, size_t n,
                        bool cached_too, uint64_t *leaf, struct pf_range *out)
{
	int depth = pf_depth(f, root);
	uint64_t before = 0, after = 0;
	bool learnt = false;
	size_t nr = 0;

	for (size_t i = 0; i < n; i++) {
		bool cached;
		leaf[i] = depth < 0 ? 0 : pf_leaf(f, root, depth, rowids[i]);
		if (!leaf[i])
			continue;
		cached = !cached_too && pf_cached(f, leaf[i]); /* before pf_shape reads it */
		if (!learnt) {
			pf_shape(f, leaf[i], rowids[i], &before, &after);
			learnt = true;
		}
		if (cached) {
			leaf[i] = 0;
			continue;
		}
		out[nr].first = leaf[i] > before ? leaf[i] - before : 1;
		out[nr].n = leaf[i] - out[nr].first + 1 + after;
		nr++;
	}
	return nr;
}

void store_prefetch_pages(struct store *st, const char *const *tables, size_t n_tables,
                          const int64_t *rowids, size_t n, bool cached_too, store_prefetch_fn fn,
                          void *ctx)
{
	struct pf_file f = { .fd = -1 };
	struct pf_range *r, *guess;
	uint64_t *leaf;
	size_t nr = 0, nl = n * n_tables;

	if (st->pg || n == 0 || n_tables == 0 || n > SIZE_MAX / n_tables / sizeof(*r) ||
	    pf_open(st, &f) < 0) {
		pf_close(&f);
		return;
	}
	r = xcalloc(nl, sizeof(*r));
	guess = xcalloc(nl, sizeof(*guess));
	leaf = xcalloc(nl, sizeof(*leaf));
	/* First every leaf (and its likely overflow pages) at once ... */
	for (size_t t = 0; t < n_tables; t++) {
		uint64_t root = pf_root(st, tables[t]);
		if (root)
			nr += pf_leaves(&f, root, rowids, n, cached_too, leaf + t * n, r + nr);
	}
	memcpy(guess, r, nr * sizeof(*r));
	pf_fetch(&f, r, nr, fn, ctx);
	/* ... then, the leaves read, the overflow pages the guess missed. */
	nr = 0;
	for (size_t i = 0, g = 0; i < nl; i++) {
		struct pf_range ov;
		if (!leaf[i])
			continue;
		if (pf_overflow(&f, leaf[i], rowids[i % n], &ov) == 0 && ov.n &&
		    !(ov.first >= guess[g].first && ov.first + ov.n <= guess[g].first + guess[g].n))
			r[nr++] = ov;
		g++;
	}
	pf_fetch(&f, r, nr, fn, ctx);
	free(r);
	free(guess);
	free(leaf);
	pf_close(&f);
}

void store_prefetch_rows(struct store *st, const char *const *tables, size_t n_tables,
                         const int64_t *rowids, size_t n)
{
	store_prefetch_pages(st, tables, n_tables, rowids, n, false, NULL, NULL);
}

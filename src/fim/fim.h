/* fim: what the file integrity modules share: attributes, file types and one scanned entry. */
#ifndef MAMORI_FIM_FIM_H
#define MAMORI_FIM_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * The attributes a rule can ask for (AIDE's names in parentheses). The numbers are part of
 * the baseline format (a 32-bit mask): never renumber.
 */
enum fim_attr {
	FIM_ATTR_TYPE = 0,     /* file type (ftype); device numbers go with it */
	FIM_ATTR_MODE = 1,     /* permission bits, setuid/setgid/sticky (p) */
	FIM_ATTR_UID = 2,      /* owner (u) */
	FIM_ATTR_GID = 3,      /* group (g) */
	FIM_ATTR_SIZE = 4,     /* size in bytes (s) */
	FIM_ATTR_BLOCKS = 5,   /* 512-byte blocks (b) */
	FIM_ATTR_MTIME = 6,    /* modification time (m) */
	FIM_ATTR_ATIME = 7,    /* access time (a) */
	FIM_ATTR_CTIME = 8,    /* status change time (c) */
	FIM_ATTR_INODE = 9,    /* inode number (i) */
	FIM_ATTR_NLINK = 10,   /* link count (n) */
	FIM_ATTR_LINK = 11,    /* symbolic link target (l) */
	FIM_ATTR_SHA256 = 12,  /* content digest (sha256, and every other AIDE hash name) */
	FIM_ATTR_XATTRS = 13,  /* extended attributes other than the ones below (xattrs) */
	FIM_ATTR_ACL = 14,     /* POSIX ACLs (acl) */
	FIM_ATTR_SELINUX = 15, /* SELinux context (selinux) */
	FIM_ATTR_CAPS = 16,    /* file capabilities (caps) */
	FIM_ATTR_FLAGS = 17,   /* file flags, chattr(1) (e2fsattrs) */
	/* Special attributes: how to compare, not what to record. */
	FIM_ATTR_GROWING = 24,  /* growing log: larger size, later times, same prefix are fine */
	FIM_ATTR_ANF = 25,      /* allow new files (ANF) */
	FIM_ATTR_ARF = 26,      /* allow removed files (ARF) */
	FIM_ATTR_NONAME = 27,   /* ignore changed file name (I): accepted, compared as usual */
	FIM_ATTR_COMPRESS = 28, /* compressed (compressed): accepted, compared as usual */
	FIM_ATTR_CRITICAL =
	    29, /* Mamori's own: a change opens an incident (when incidents exist) */
};
#define FIM_BIT(a)        (1u << (a))
#define FIM_RECORDED_MASK 0x0003ffffu /* bits 0..17: what an entry records */
#define FIM_ATTR_COUNT    18

/* The attribute's name in reports and JSON ("mode", "sha256"); NULL for a special one. */
const char *fim_attr_name(unsigned attr);

/* File types, as AIDE's restriction letters f d l c b p s. */
enum fim_type {
	FIM_TYPE_NONE = 0,
	FIM_TYPE_FILE = 1,
	FIM_TYPE_DIR = 2,
	FIM_TYPE_LINK = 3,
	FIM_TYPE_CHR = 4,
	FIM_TYPE_BLK = 5,
	FIM_TYPE_FIFO = 6,
	FIM_TYPE_SOCK = 7,
};
#define FIM_TYPE_MAX 7
/* "file", "directory", "symlink", "chardev", "blockdev", "fifo", "socket". */
const char *fim_type_name(unsigned type);
/* The fim_type of an st_mode, or FIM_TYPE_NONE. */
unsigned fim_type_of_mode(uint32_t mode);

/* Limits on what a tree or a file can make Mamori hold. */
#define FIM_PATH_MAX  4096 /* bytes of a path, as the kernel's PATH_MAX */
#define FIM_LINK_MAX  4096 /* bytes of a symbolic link's target */
#define FIM_DEPTH_MAX 256  /* directory levels below / */

/* Which digests an entry carries (fim_entry.digests). */
enum {
	FIM_HAS_SHA256 = 1 << 0,
	FIM_HAS_XATTRS = 1 << 1,
	FIM_HAS_ACL = 1 << 2,
	FIM_HAS_SELINUX = 1 << 3,
	FIM_HAS_CAPS = 1 << 4,
};

/* What went wrong while an entry was read (fim_entry.problem); the entry is still reported. */
enum fim_problem {
	FIM_OK = 0,
	FIM_UNREADABLE = 1, /* the content could not be read (errno in fim_entry.err) */
	FIM_UNSTABLE = 2,   /* the file changed while it was read: its digest is not trusted */
	FIM_TOO_DEEP = 3,   /* a directory below the depth or path length limits: not entered */
	FIM_NO_ENTER = 4,   /* a directory that could not be opened (errno): not entered */
	FIM_REPLACED = 5,   /* replaced between listing and opening: not entered or not hashed */
};

/*
 * One file system object as scanned or as stored in a baseline. Paths are bytes exactly as
 * the file system has them (any byte but NUL and, inside a name, '/'); fim_path_escape
 * prints them. A baseline entry records only the attributes in attrs.
 */
struct fim_entry {
	const char *path;
	size_t path_len;
	uint32_t attrs;  /* the rule's attributes (FIM_BIT(FIM_ATTR_*)), specials included */
	uint8_t type;    /* enum fim_type */
	uint8_t digests; /* FIM_HAS_* */
	uint8_t problem; /* enum fim_problem */
	int err;         /* errno of the problem, 0 if none */
	uint32_t mode, uid, gid, fflags;
	uint64_t size, blocks, ino, nlink, rdev;
	int64_t mtime_ns, atime_ns, ctime_ns;
	const char *link;
	size_t link_len;
	uint8_t sha256[32], xattrs[32], acl[32], selinux[32], caps[32];
	/* Growing files: the digest of the first prefix_size bytes (check mode only). */
	bool has_prefix;
	uint64_t prefix_size;
	uint8_t prefix_sha256[32];
};

/*
 * Orders paths as a depth-first walk with names sorted bytewise visits them: '/' sorts
 * before every other byte, so "/a/b" comes before "/a-c". <0, 0, >0 like memcmp.
 */
int fim_path_cmp(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Appends path for people and JSON: valid UTF-8 as is; a backslash as "\\"; control
 * characters as "\n", "\t", "\r" or "\xNN"; each byte of invalid UTF-8 as "\xNN". Names with
 * newlines or stray bytes thus print on one line and can be told apart.
 */
void fim_path_escape(struct strbuf *sb, const char *path, size_t len);

/* SHA-256 of a byte string through OpenSSL's EVP (SHA-NI where the CPU has it). */
void fim_sha256(const void *data, size_t len, uint8_t out[32]);

#endif

/* common: names of attributes and file types, path order and escaping for the fim modules. */
#include <string.h>
#include <sys/stat.h>

#include "base/utf8.h"
#include "fim/fim.h"

/* Indexed by enum fim_attr: the names reports and JSON use. */
static const char *const attr_names[FIM_ATTR_COUNT] = {
	[FIM_ATTR_TYPE] = "type",       [FIM_ATTR_MODE] = "mode",     [FIM_ATTR_UID] = "uid",
	[FIM_ATTR_GID] = "gid",         [FIM_ATTR_SIZE] = "size",     [FIM_ATTR_BLOCKS] = "blocks",
	[FIM_ATTR_MTIME] = "mtime",     [FIM_ATTR_ATIME] = "atime",   [FIM_ATTR_CTIME] = "ctime",
	[FIM_ATTR_INODE] = "inode",     [FIM_ATTR_NLINK] = "nlink",   [FIM_ATTR_LINK] = "link",
	[FIM_ATTR_SHA256] = "sha256",   [FIM_ATTR_XATTRS] = "xattrs", [FIM_ATTR_ACL] = "acl",
	[FIM_ATTR_SELINUX] = "selinux", [FIM_ATTR_CAPS] = "caps",     [FIM_ATTR_FLAGS] = "flags",
};

const char *fim_attr_name(unsigned attr)
{
	return attr < FIM_ATTR_COUNT ? attr_names[attr] : NULL;
}

const char *fim_type_name(unsigned type)
{
	static const char *const names[] = { "unknown", "file",     "directory", "symlink",
		                             "chardev", "blockdev", "fifo",      "socket" };

	return type <= FIM_TYPE_MAX ? names[type] : "unknown";
}

unsigned fim_type_of_mode(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return FIM_TYPE_FILE;
	case S_IFDIR:
		return FIM_TYPE_DIR;
	case S_IFLNK:
		return FIM_TYPE_LINK;
	case S_IFCHR:
		return FIM_TYPE_CHR;
	case S_IFBLK:
		return FIM_TYPE_BLK;
	case S_IFIFO:
		return FIM_TYPE_FIFO;
	case S_IFSOCK:
		return FIM_TYPE_SOCK;
	default:
		return FIM_TYPE_NONE;
	}
}

int fim_path_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x == y)
			continue;
		/* '/' ends a name: it sorts before every byte a longer name could have. */
		if (x == '/')
			return -1;
		if (y == '/')
			return 1;
		return x < y ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

void fim_path_escape(struct strbuf *sb, const char *path, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)path[i];
		uint32_t cp;
		int n;

		if (c == '\\') {
			strbuf_addstr(sb, "\\\\");
			i++;
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
			i++;
		} else if (c == '\t') {
			strbuf_addstr(sb, "\\t");
			i++;
		} else if (c == '\r') {
			strbuf_addstr(sb, "\\r");
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			strbuf_addch(sb, c);
			i++;
		} else if (c >= 0x80 && (n = utf8_decode(path + i, len - i, &cp)) > 0 &&
		           !(cp >= 0x80 && cp < 0xa0)) {
			strbuf_add(sb, path + i, (size_t)n);
			i += (size_t)n;
		} else {
			strbuf_addstr(sb, "\\x");
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 15]);
			i++;
		}
	}
}

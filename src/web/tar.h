/* tar: a POSIX ustar archive of a directory, for downloads (the ledger export). */
#ifndef MAMORI_WEB_TAR_H
#define MAMORI_WEB_TAR_H

#include "base/strbuf.h"

/*
 * Writes a ustar archive of dir's regular files and subdirectories to fd, each named
 * prefix/relative-path, streaming: files are copied in 64 KiB chunks, never held whole in
 * memory. Names longer than ustar allows, links and special files are refused. Returns 0
 * or -errno with err set.
 */
int tar_directory(const char *dir, const char *prefix, int fd, struct strbuf *err);
/* Removes dir and everything below it (best effort). */
void remove_tree(const char *dir);

#endif

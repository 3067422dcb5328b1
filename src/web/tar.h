/* tar: a POSIX ustar archive of a directory, for downloads (the ledger export). */
#ifndef MAMORI_WEB_TAR_H
#define MAMORI_WEB_TAR_H

#include "base/strbuf.h"

/*
 * Appends a ustar archive of dir's regular files and subdirectories to out, each named
 * prefix/relative-path. Names longer than ustar allows, links and special files are
 * refused. Returns 0 or -errno with err set.
 */
int tar_directory(const char *dir, const char *prefix, struct strbuf *out, struct strbuf *err);
/* Removes dir and everything below it (best effort). */
void remove_tree(const char *dir);
/* Moves src's contents into dst (released first) and leaves src empty. */
void strbuf_swap_into(struct strbuf *dst, struct strbuf *src);

#endif

/* fsdir: directories made durable (a name made, moved or removed in one survives a power loss). */
#ifndef MAMORI_BASE_FSDIR_H
#define MAMORI_BASE_FSDIR_H

#include "base/strbuf.h"

/*
 * fsyncs the directory dir itself, so that the names made, moved or removed in it survive a
 * power loss. 0, or -errno with err set ("cannot sync the directory 'dir': why"); the caller
 * says what it was doing and what to do.
 */
int fs_sync_dir(const char *dir, struct strbuf *err);
/* fsyncs the directory holding path (dirname's view: "." for a bare name). As fs_sync_dir. */
int fs_sync_parent(const char *path, struct strbuf *err);

#endif

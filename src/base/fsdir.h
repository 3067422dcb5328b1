/* fsdir: directories made durable (a name made, moved or removed in one survives a power loss). */
#ifndef MAMORI_BASE_FSDIR_H
#define MAMORI_BASE_FSDIR_H

#include "base/strbuf.h"

/* fsyncs the directory holding path. 0, or -errno with err set. */
int fs_sync_parent(const char *path, struct strbuf *err);

#endif

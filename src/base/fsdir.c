/* fsdir: directories made durable (a name made, moved or removed in one survives a power loss). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fsdir.h"

int fs_sync_dir(const char *dir, struct strbuf *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0 || fsync(fd) < 0) {
		r = -errno;
		error_set(err, "cannot sync the directory '%s': %s", dir, strerror(-r));
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int fs_sync_parent(const char *path, struct strbuf *err)
{
	char *copy = xstrdup(path);
	int r = fs_sync_dir(dirname(copy), err);

	free(copy);
	return r;
}

/* driver: replays a fuzz harness's seed corpus as TAP test cases (builds without libFuzzer). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t nr = 0, alloc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	d = opendir(argv[1]);
	if (!d) {
		printf("1..1\nnot ok 1 - cannot open corpus '%s'\n", argv[1]);
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		ALLOC_GROW(names, nr, alloc);
		names[nr++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, nr, sizeof(*names), cmp);
	printf("1..%zu\n", nr ? nr : 1);
	if (!nr)
		printf("not ok 1 - empty corpus '%s'\n", argv[1]);
	for (size_t i = 0; i < nr; i++) {
		struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
		strbuf_addf(&path, "%s/%s", argv[1], names[i]);
		if (strbuf_read_file(&data, path.buf, 0) < 0) {
			printf("not ok %zu - cannot read %s\n", i + 1, names[i]);
		} else {
			/* Copy into an exact-size allocation so ASan sees overreads. */
			uint8_t *buf = xmalloc(data.len);
			memcpy(buf, data.buf, data.len);
			LLVMFuzzerTestOneInput(buf, data.len);
			free(buf);
			printf("ok %zu - %s\n", i + 1, names[i]);
		}
		fflush(stdout);
		strbuf_release(&path);
		strbuf_release(&data);
		free(names[i]);
	}
	free(names);
	return nr ? 0 : 1;
}

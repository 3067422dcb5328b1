/* fuzz-options: the argument parser on arbitrary argv vectors (NUL-separated input). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "cli/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const usage[] = { "mamori fuzz [options] ARGS", NULL };
	bool b = false;
	const char *s = NULL;
	int64_t n = 0;
	struct string_list list = { 0 };
	const struct option opts[] = {
		OPT_BOOL('j', "json", &b, "json"),
		OPT_STRING('s', "string", &s, "S", "a string"),
		OPT_INT('n', "number", &n, "N", "a number", -5, 1000000),
		OPT_STRING_LIST(0, "field", &list, "K=V", "fields"),
		OPT_END(),
	};
	char *copy = xmalloc(size + 1);
	const char *argv[64];
	int argc = 0;

	if (size > 4096)
		size = 4096;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = "fuzz";
	for (size_t i = 0; i < size && argc < 63;) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	argv[argc] = NULL;
	FILE *saved_out = stdout, *saved_err = stderr;
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		stdout = null;
		stderr = null;
	}
	int r = parse_options(argc, argv, opts, usage);
	if (null) {
		stdout = saved_out;
		stderr = saved_err;
		fclose(null);
	}
	if (r >= 0 && r > argc)
		__builtin_trap();
	string_list_clear(&list);
	free(copy);
	return 0;
}

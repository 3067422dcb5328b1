/* baseline-internal: what the baseline writer (baseline.c) and reader (baseline-read.c) share:
 * the file format's constants and what a stored path may be. */
#ifndef MAMORI_FIM_BASELINE_INTERNAL_H
#define MAMORI_FIM_BASELINE_INTERNAL_H

#include <stdbool.h>
#include <string.h>

#include "fim/baseline.h"

#define MAGIC        "MMRIFIM"
#define MAGIC_LEN    7
#define VERSION      1
#define SIG_CONTEXT  "mamori-fim-baseline-v1"
#define TRAILER_TAIL (32 + FIM_KEY_SIZE + FIM_SIG_SIZE) /* after 'Z' and the count */
#define RECORD_MAX   (2 + FIM_PATH_MAX + 4 + 4 + 4 + 16 + 40 + 24 + 2 + FIM_LINK_MAX + 5 * 32)

/* Absolute, no NUL, no empty, "." or ".." component, no trailing '/' (but "/" itself). */
static inline bool path_valid(const char *p, size_t len)
{
	if (len == 0 || len > FIM_PATH_MAX || p[0] != '/' || memchr(p, '\0', len))
		return false;
	if (len == 1)
		return true;
	if (p[len - 1] == '/')
		return false;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		/* component p[s..i) where s follows the previous '/' */
		size_t s = i - 1;
		while (s > 0 && p[s - 1] != '/')
			s--;
		size_t n = i - s;
		if (n == 0 || (n == 1 && p[s] == '.') || (n == 2 && p[s] == '.' && p[s + 1] == '.'))
			return false;
	}
	return true;
}

#endif

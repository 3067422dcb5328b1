/* parse: strict conversion of text to integers and durations. */
#ifndef MAMORI_BASE_PARSE_H
#define MAMORI_BASE_PARSE_H

#include <stdint.h>

/*
 * All return 0 or -EINVAL (not a number, trailing garbage, empty) or
 * -ERANGE (outside [min, max]); the output is untouched on failure.
 * Only decimal digits with an optional leading '-' are accepted: no
 * whitespace, no '+', no hex, no octal.
 */
/*
 * An ASCII letter in lower case; any other byte (UTF-8 included) as it is. Inline: the
 * analysis lowers every message's host with it, and a call per byte was 3% of that thread.
 */
static inline char ascii_lower(char c)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz";

	if (c >= 'A' && c <= 'Z')
		return lower[c - 'A'];
	return c;
}
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret);
int parse_uint64(const char *s, uint64_t max, uint64_t *ret);
int parse_int(const char *s, int min, int max, int *ret);
/* "30d", "12h", "15m", "45s", "2w", "1y" (365d) → seconds. */
int parse_duration(const char *s, int64_t *ret_seconds);
/* The value of one hexadecimal digit (0-9, a-f, A-F), or -1 for any other byte. */
int parse_hex_digit(int c);

#endif

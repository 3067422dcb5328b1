/* fuzz-attach: the attachment file checks on arbitrary bytes and names: the kind sniffed is one
 * of the accepted ones or none, names are accepted only as safe base names. */
#include <stdint.h>
#include <string.h>

#include "base/utf8.h"
#include "core/attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const accepted[] = {
		"application/pdf",
		"image/png",
		"image/jpeg",
		"image/gif",
		"image/tiff",
		"image/bmp",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation",
		"application/vnd.oasis.opendocument.text",
		"application/vnd.oasis.opendocument.spreadsheet",
		"application/vnd.oasis.opendocument.presentation",
		"application/msword",
		"application/vnd.ms-excel",
		"application/vnd.ms-powerpoint",
		"text/csv",
		"text/plain",
	};
	/* The first line is a file name, the rest the file. */
	const uint8_t *nl = memchr(data, '\n', size);
	size_t nlen = nl ? (size_t)(nl - data) : size;
	char name[512];
	const char *type, *base = NULL;
	bool known = false;

	if (nlen >= sizeof(name))
		nlen = sizeof(name) - 1;
	memcpy(name, data, nlen);
	name[nlen] = '\0';
	type = attach_sniff(nl ? nl + 1 : data, nl ? size - nlen - 1 : size, name);
	for (size_t i = 0; type && i < sizeof(accepted) / sizeof(accepted[0]); i++)
		known = known || !strcmp(type, accepted[i]);
	if (type && !known)
		__builtin_trap();
	if (attach_valid_name(name, &base)) {
		/* a base name: inside name, no separators, no control characters, valid UTF-8 */
		if (base < name || base > name + strlen(name) || !*base || strchr(base, '/') ||
		    strchr(base, '\\') || !utf8_valid(base, strlen(base)) || !strcmp(base, "..") ||
		    !strcmp(base, "."))
			__builtin_trap();
		for (const char *p = base; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				__builtin_trap();
	}
	return 0;
}

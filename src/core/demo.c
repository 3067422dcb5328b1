/* demo: TEMPORARY placeholder while the demo ward is written. */
#include <errno.h>

#include "core/setup.h"

int demo_build(struct door *d, struct strbuf *out, struct strbuf *err)
{
	(void)d;
	(void)out;
	error_set(err, "demo not yet");
	return -ENOSYS;
}

/* dynlib: a shared library loaded when a command first needs it (dlopen). */
#include <dlfcn.h>
#include <string.h>

#include "base/dynlib.h"

int dynlib_load(const char *soname, const char *package, const struct dynlib_sym *syms, size_t nr,
                struct strbuf *err)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();
		error_set(err, "cannot load %s (%s); install the Debian package %s", soname,
		          e ? e : "not found", package);
		return -1;
	}
	for (size_t i = 0; i < nr; i++) {
		void *p;
		(void)dlerror();
		p = dlsym(h, syms[i].name);
		if (!p) {
			error_set(err, "%s has no %s; install the Debian package %s", soname,
			          syms[i].name, package);
			return -1; /* h stays open: what it loaded may be in use elsewhere */
		}
		memcpy(syms[i].slot, &p, sizeof(p)); /* POSIX: a function's address as void * */
	}
	return 0;
}

/* ldap-lib: libldap, loaded when mamori.conf names a directory ([ldap]; base/dynlib.h). */
#include <pthread.h>

#include "base/cleanup.h"
#include "base/dynlib.h"
#define LDAP_LIB_NO_MACROS
#include "auth/ldap-lib.h"

/* Debian 12's */
#define LDAP_LIB_SONAME  "libldap-2.5.so.0"
#define LDAP_LIB_PACKAGE "libldap-2.5-0"

struct ldap_lib ldap_lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct strbuf load_err = STRBUF_INIT;
static int load_rc;

#define SYM(f)                                                                                     \
	{                                                                                          \
#f, &ldap_lib.p_##f                                                                \
	}

static void load(void)
{
	const struct dynlib_sym syms[] = {
		SYM(ldap_count_entries),  SYM(ldap_dn_normalize),   SYM(ldap_dnfree),
		SYM(ldap_err2string),     SYM(ldap_first_entry),    SYM(ldap_get_dn),
		SYM(ldap_get_values_len), SYM(ldap_initialize),     SYM(ldap_is_ldap_url),
		SYM(ldap_is_ldaps_url),   SYM(ldap_memfree),        SYM(ldap_msgfree),
		SYM(ldap_next_entry),     SYM(ldap_sasl_bind_s),    SYM(ldap_search_ext_s),
		SYM(ldap_set_option),     SYM(ldap_start_tls_s),    SYM(ldap_str2dn),
		SYM(ldap_unbind_ext_s),   SYM(ldap_value_free_len),
	};

	load_rc = dynlib_load(LDAP_LIB_SONAME, LDAP_LIB_PACKAGE, syms, ARRAY_SIZE(syms), &load_err);
}

int ldap_lib_load(struct strbuf *err)
{
	pthread_once(&once, load);
	if (load_rc < 0)
		error_set(
		    err,
		    "the directory ([ldap] of mamori.conf) cannot be used without %s: install "
		    "the Debian package %s (%s)",
		    LDAP_LIB_SONAME, LDAP_LIB_PACKAGE, load_err.buf);
	return load_rc;
}

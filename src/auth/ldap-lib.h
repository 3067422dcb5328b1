/* ldap-lib: libldap, loaded when mamori.conf names a directory ([ldap]; base/dynlib.h). */
#ifndef MAMORI_AUTH_LDAP_LIB_H
#define MAMORI_AUTH_LDAP_LIB_H

#include <ldap.h>

#include "base/strbuf.h"

/*
 * Linked, libldap (and liblber, libsasl2 and the GnuTLS under it) cost every mamori process
 * about 1.5 MB at start, `mamori fim check` too. Loaded here, only a process that reads
 * [ldap] of mamori.conf pays. auth/directory.c includes this header after ldap.h and calls the
 * functions by their usual names: the macros below send each call through the pointer
 * ldap_lib_load set. A function used for the first time is added to both lists (and
 * ldap-lib.c).
 */
struct ldap_lib {
	__typeof__(ldap_count_entries) *p_ldap_count_entries;
	__typeof__(ldap_dn_normalize) *p_ldap_dn_normalize;
	__typeof__(ldap_dnfree) *p_ldap_dnfree;
	__typeof__(ldap_err2string) *p_ldap_err2string;
	__typeof__(ldap_first_entry) *p_ldap_first_entry;
	__typeof__(ldap_get_dn) *p_ldap_get_dn;
	__typeof__(ldap_get_values_len) *p_ldap_get_values_len;
	__typeof__(ldap_initialize) *p_ldap_initialize;
	__typeof__(ldap_is_ldap_url) *p_ldap_is_ldap_url;
	__typeof__(ldap_is_ldaps_url) *p_ldap_is_ldaps_url;
	__typeof__(ldap_memfree) *p_ldap_memfree;
	__typeof__(ldap_msgfree) *p_ldap_msgfree;
	__typeof__(ldap_next_entry) *p_ldap_next_entry;
	__typeof__(ldap_sasl_bind_s) *p_ldap_sasl_bind_s;
	__typeof__(ldap_search_ext_s) *p_ldap_search_ext_s;
	__typeof__(ldap_set_option) *p_ldap_set_option;
	__typeof__(ldap_start_tls_s) *p_ldap_start_tls_s;
	__typeof__(ldap_str2dn) *p_ldap_str2dn;
	__typeof__(ldap_unbind_ext_s) *p_ldap_unbind_ext_s;
	__typeof__(ldap_value_free_len) *p_ldap_value_free_len;
};
extern struct ldap_lib ldap_lib;

/*
 * Loads libldap once per process (thread-safe). Returns 0, or -1 with err saying that the
 * directory cannot be used without it and which Debian package gives it (libldap-2.5-0).
 */
int ldap_lib_load(struct strbuf *err);

#ifndef LDAP_LIB_NO_MACROS
/* NOLINTBEGIN(bugprone-macro-parentheses): each stands for a function's name */
#define ldap_count_entries  (ldap_lib.p_ldap_count_entries)
#define ldap_dn_normalize   (ldap_lib.p_ldap_dn_normalize)
#define ldap_dnfree         (ldap_lib.p_ldap_dnfree)
#define ldap_err2string     (ldap_lib.p_ldap_err2string)
#define ldap_first_entry    (ldap_lib.p_ldap_first_entry)
#define ldap_get_dn         (ldap_lib.p_ldap_get_dn)
#define ldap_get_values_len (ldap_lib.p_ldap_get_values_len)
#define ldap_initialize     (ldap_lib.p_ldap_initialize)
#define ldap_is_ldap_url    (ldap_lib.p_ldap_is_ldap_url)
#define ldap_is_ldaps_url   (ldap_lib.p_ldap_is_ldaps_url)
#define ldap_memfree        (ldap_lib.p_ldap_memfree)
#define ldap_msgfree        (ldap_lib.p_ldap_msgfree)
#define ldap_next_entry     (ldap_lib.p_ldap_next_entry)
#define ldap_sasl_bind_s    (ldap_lib.p_ldap_sasl_bind_s)
#define ldap_search_ext_s   (ldap_lib.p_ldap_search_ext_s)
#define ldap_set_option     (ldap_lib.p_ldap_set_option)
#define ldap_start_tls_s    (ldap_lib.p_ldap_start_tls_s)
#define ldap_str2dn         (ldap_lib.p_ldap_str2dn)
#define ldap_unbind_ext_s   (ldap_lib.p_ldap_unbind_ext_s)
#define ldap_value_free_len (ldap_lib.p_ldap_value_free_len)
/* NOLINTEND(bugprone-macro-parentheses) */
#endif

#endif

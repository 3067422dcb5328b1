/* mhd-lib: libmicrohttpd and its GnuTLS, loaded when `mamori serve` starts (base/dynlib.h). */
#ifndef MAMORI_WEB_MHD_LIB_H
#define MAMORI_WEB_MHD_LIB_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "base/strbuf.h"

/*
 * Linked, libmicrohttpd and the GnuTLS, p11-kit, nettle, gmp and libidn2 under it cost every
 * mamori process about 2.5 MB at start (GnuTLS and p11-kit initialise themselves before main),
 * `mamori fim check` and the agent too, which serve nothing. Loaded here, only `mamori serve`
 * pays. The files of the server include this header after the libraries' own and call the
 * functions by their usual names: the macros below send each call through the pointer
 * mhd_lib_load set. A function used for the first time is added to both lists (and mhd-lib.c).
 */
struct mhd_lib {
	__typeof__(MHD_add_connection) *p_MHD_add_connection;
	__typeof__(MHD_add_response_header) *p_MHD_add_response_header;
	__typeof__(MHD_create_response_from_buffer) *p_MHD_create_response_from_buffer;
	__typeof__(MHD_create_response_from_buffer_with_free_callback)
	    *p_MHD_create_response_from_buffer_with_free_callback;
	__typeof__(MHD_create_response_from_fd64) *p_MHD_create_response_from_fd64;
	__typeof__(MHD_destroy_response) *p_MHD_destroy_response;
	__typeof__(MHD_get_connection_info) *p_MHD_get_connection_info;
	__typeof__(MHD_get_connection_values) *p_MHD_get_connection_values;
	__typeof__(MHD_get_connection_values_n) *p_MHD_get_connection_values_n;
	__typeof__(MHD_is_feature_supported) *p_MHD_is_feature_supported;
	__typeof__(MHD_lookup_connection_value) *p_MHD_lookup_connection_value;
	__typeof__(MHD_queue_response) *p_MHD_queue_response;
	__typeof__(MHD_start_daemon) *p_MHD_start_daemon;
	__typeof__(MHD_stop_daemon) *p_MHD_stop_daemon;
	/* an IC card's client certificate (web/clientcert.c) */
	__typeof__(gnutls_certificate_get_peers) *p_gnutls_certificate_get_peers;
	__typeof__(gnutls_certificate_verification_status_print)
	    *p_gnutls_certificate_verification_status_print;
	__typeof__(gnutls_certificate_verify_peers2) *p_gnutls_certificate_verify_peers2;
	gnutls_free_function *p_gnutls_free; /* a variable: the function GnuTLS frees with */
	__typeof__(gnutls_x509_crt_deinit) *p_gnutls_x509_crt_deinit;
	__typeof__(gnutls_x509_crt_get_dn_by_oid) *p_gnutls_x509_crt_get_dn_by_oid;
	__typeof__(gnutls_x509_crt_get_serial) *p_gnutls_x509_crt_get_serial;
	__typeof__(gnutls_x509_crt_import) *p_gnutls_x509_crt_import;
	__typeof__(gnutls_x509_crt_init) *p_gnutls_x509_crt_init;
};
extern struct mhd_lib mhd_lib;

/*
 * Loads libmicrohttpd and GnuTLS once per process (thread-safe). Returns 0, or -1 with err
 * naming the library that is missing and the Debian package that gives it.
 */
int mhd_lib_load(struct strbuf *err);

#ifndef MHD_LIB_NO_MACROS
/* NOLINTBEGIN(bugprone-macro-parentheses): each stands for a function's name */
#define MHD_add_connection              (mhd_lib.p_MHD_add_connection)
#define MHD_add_response_header         (mhd_lib.p_MHD_add_response_header)
#define MHD_create_response_from_buffer (mhd_lib.p_MHD_create_response_from_buffer)
#define MHD_create_response_from_buffer_with_free_callback                                         \
	(mhd_lib.p_MHD_create_response_from_buffer_with_free_callback)
#define MHD_create_response_from_fd64 (mhd_lib.p_MHD_create_response_from_fd64)
#define MHD_destroy_response          (mhd_lib.p_MHD_destroy_response)
#define MHD_get_connection_info       (mhd_lib.p_MHD_get_connection_info)
#define MHD_get_connection_values     (mhd_lib.p_MHD_get_connection_values)
#define MHD_get_connection_values_n   (mhd_lib.p_MHD_get_connection_values_n)
#define MHD_is_feature_supported      (mhd_lib.p_MHD_is_feature_supported)
#define MHD_lookup_connection_value   (mhd_lib.p_MHD_lookup_connection_value)
#define MHD_queue_response            (mhd_lib.p_MHD_queue_response)
#define MHD_start_daemon              (mhd_lib.p_MHD_start_daemon)
#define MHD_stop_daemon               (mhd_lib.p_MHD_stop_daemon)
#define gnutls_certificate_get_peers  (mhd_lib.p_gnutls_certificate_get_peers)
#define gnutls_certificate_verification_status_print                                               \
	(mhd_lib.p_gnutls_certificate_verification_status_print)
#define gnutls_certificate_verify_peers2 (mhd_lib.p_gnutls_certificate_verify_peers2)
#undef gnutls_free
#define gnutls_free(a)                ((*mhd_lib.p_gnutls_free)((void *)(a)))
#define gnutls_x509_crt_deinit        (mhd_lib.p_gnutls_x509_crt_deinit)
#define gnutls_x509_crt_get_dn_by_oid (mhd_lib.p_gnutls_x509_crt_get_dn_by_oid)
#define gnutls_x509_crt_get_serial    (mhd_lib.p_gnutls_x509_crt_get_serial)
#define gnutls_x509_crt_import        (mhd_lib.p_gnutls_x509_crt_import)
#define gnutls_x509_crt_init          (mhd_lib.p_gnutls_x509_crt_init)
/* NOLINTEND(bugprone-macro-parentheses) */
#endif

#endif

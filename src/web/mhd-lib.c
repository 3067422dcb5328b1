/* mhd-lib: libmicrohttpd and its GnuTLS, loaded when `mamori serve` starts (base/dynlib.h). */
#include <pthread.h>

#include "base/cleanup.h"
#include "base/dynlib.h"
#define MHD_LIB_NO_MACROS
#include "web/mhd-lib.h"

struct mhd_lib mhd_lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct strbuf load_err = STRBUF_INIT;
static const char *missing, *package; /* what failed to load, and its Debian package */
static int load_rc;

#define SYM(f)                                                                                     \
	{                                                                                          \
#f, &mhd_lib.p_##f                                                                 \
	}

static void load(void)
{
	const struct dynlib_sym mhd[] = {
		SYM(MHD_add_connection),
		SYM(MHD_add_response_header),
		SYM(MHD_create_response_from_buffer),
		SYM(MHD_create_response_from_buffer_with_free_callback),
		SYM(MHD_create_response_from_fd64),
		SYM(MHD_destroy_response),
		SYM(MHD_get_connection_info),
		SYM(MHD_get_connection_values),
		SYM(MHD_get_connection_values_n),
		SYM(MHD_is_feature_supported),
		SYM(MHD_lookup_connection_value),
		SYM(MHD_queue_response),
		SYM(MHD_start_daemon),
		SYM(MHD_stop_daemon),
	};
	const struct dynlib_sym tls[] = {
		SYM(gnutls_certificate_get_peers),
		SYM(gnutls_certificate_verification_status_print),
		SYM(gnutls_certificate_verify_peers2),
		SYM(gnutls_free),
		SYM(gnutls_x509_crt_deinit),
		SYM(gnutls_x509_crt_get_dn_by_oid),
		SYM(gnutls_x509_crt_get_serial),
		SYM(gnutls_x509_crt_import),
		SYM(gnutls_x509_crt_init),
	};

	missing = "libmicrohttpd.so.12";
	package = "libmicrohttpd12";
	load_rc = dynlib_load(missing, package, mhd, ARRAY_SIZE(mhd), &load_err);
	if (load_rc < 0)
		return;
	/* already mapped: libmicrohttpd needs it */
	missing = "libgnutls.so.30";
	package = "libgnutls30";
	load_rc = dynlib_load(missing, package, tls, ARRAY_SIZE(tls), &load_err);
}

int mhd_lib_load(struct strbuf *err)
{
	pthread_once(&once, load);
	if (load_rc < 0)
		error_set(err,
		          "the web server cannot start without %s: install the Debian package %s "
		          "(%s)",
		          missing, package, load_err.buf);
	return load_rc;
}

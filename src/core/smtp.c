/* smtp: one message to one person through the ward's mail server, with libcurl. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "base/dynlib.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/smtp.h"

#define PASSWORD_MAX 1024

static int read_password(const char *path, char **ret, struct strbuf *err)
{
	char buf[PASSWORD_MAX + 1];
	struct stat sb;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		strbuf_addf(err, "[smtp] password_file %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077)) {
		strbuf_addf(err,
		            "[smtp] password_file %s: must be a file only its owner may read "
		            "(chmod 600 %s)",
		            path, path);
		close(fd);
		return -EINVAL;
	}
	n = read(fd, buf, PASSWORD_MAX + 1);
	close(fd);
	if (n < 0 || n > PASSWORD_MAX) {
		strbuf_addf(err, "[smtp] password_file %s: unreadable or longer than %d bytes",
		            path, PASSWORD_MAX);
		sodium_memzero(buf, sizeof(buf));
		return -EINVAL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	*ret = xstrdup(buf);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

int smtp_config_read(const struct conf *c, struct smtp_config *ret, struct strbuf *err)
{
	const char *host = conf_get(c, "smtp", "host"), *from = conf_get(c, "smtp", "from");
	const char *pwfile = conf_get(c, "smtp", "password_file");
	int64_t port, timeout;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!host)
		return 0;
	if (!*host || strpbrk(host, " /@?#[]\\")) {
		strbuf_addf(err, "[smtp] host '%s' is not a host name or address", host);
		return -EINVAL;
	}
	if (!from || !core_valid_email(from)) {
		strbuf_addstr(err, "[smtp] from must be the sender's e-mail address "
		                   "(from = isms@city.example.lg.jp)");
		return -EINVAL;
	}
	r = conf_get_bool(c, "smtp", "tls", false, &ret->tls, err);
	if (r == 0)
		r = conf_get_bool(c, "smtp", "starttls", !ret->tls, &ret->starttls, err);
	if (r == 0)
		r = conf_get_int(c, "smtp", "port", 1, 65535, ret->tls ? 465 : 25, &port, err);
	if (r == 0)
		r = conf_get_int(c, "smtp", "timeout", 1, 600, 30, &timeout, err);
	if (r == 0 && pwfile)
		r = read_password(pwfile, &ret->password, err);
	if (r < 0) {
		smtp_config_release(ret);
		return r;
	}
	ret->host = xstrdup(host);
	ret->from = xstrdup(from);
	ret->port = (int)port;
	ret->timeout_s = (long)timeout;
	if (conf_get(c, "smtp", "from_name"))
		ret->from_name = xstrdup(conf_get(c, "smtp", "from_name"));
	if (conf_get(c, "smtp", "user"))
		ret->user = xstrdup(conf_get(c, "smtp", "user"));
	if (conf_get(c, "smtp", "ca_file"))
		ret->ca_file = xstrdup(conf_get(c, "smtp", "ca_file"));
	return 0;
}

void smtp_config_release(struct smtp_config *c)
{
	if (c->password)
		sodium_memzero(c->password, strlen(c->password));
	free(c->password);
	free(c->host);
	free(c->from);
	free(c->from_name);
	free(c->user);
	free(c->ca_file);
	memset(c, 0, sizeof(*c));
}

/* ---- the message -------------------------------------------------------------------------- */

static void add_base64(struct strbuf *out, const void *data, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *b = xmalloc(n);

	sodium_bin2base64(b, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	strbuf_addstr(out, b);
	free(b);
}

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/*
 * An RFC 2047 encoded-word run for a header text, split so no encoded word passes 75
 * characters and no UTF-8 sequence is cut.
 */
static void add_encoded(struct strbuf *out, const char *s)
{
	size_t len = strlen(s), at = 0;

	if (plain_ascii(s) && len < 60 && !strpbrk(s, "\"=?")) {
		strbuf_addstr(out, s);
		return;
	}
	while (at < len) {
		size_t n = len - at < 45 ? len - at : 45;
		while (at + n < len && ((unsigned char)s[at + n] & 0xc0) == 0x80)
			n--;
		if (at)
			strbuf_addstr(out, "\r\n ");
		strbuf_addstr(out, "=?UTF-8?B?");
		add_base64(out, s + at, n);
		strbuf_addstr(out, "?=");
		at += n;
	}
}

static void add_address(struct strbuf *out, const char *name, const char *addr)
{
	if (name && *name) {
		add_encoded(out, name);
		strbuf_addch(out, ' ');
	}
	strbuf_addf(out, "<%s>", addr);
}

void smtp_message(struct strbuf *out, const struct smtp_config *c, const char *to,
                  const char *to_name, const char *subject, const char *body, int64_t now_ms)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)((now_ms + TOKYO_OFFSET_MS) / 1000);
	unsigned char rnd[12];
	struct strbuf b = STRBUF_INIT;
	const char *dom = strchr(c->from, '@') + 1;
	struct tm tm;

	gmtime_r(&t, &tm);
	strbuf_addf(out, "Date: %s, %d %s %d %02d:%02d:%02d +0900\r\n", days[tm.tm_wday],
	            tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	            tm.tm_sec);
	strbuf_addstr(out, "From: ");
	add_address(out, c->from_name, c->from);
	strbuf_addstr(out, "\r\nTo: ");
	add_address(out, to_name, to);
	strbuf_addstr(out, "\r\nSubject: ");
	add_encoded(out, subject);
	randombytes_buf(rnd, sizeof(rnd));
	strbuf_addstr(out, "\r\nMessage-ID: <");
	for (size_t i = 0; i < sizeof(rnd); i++)
		strbuf_addf(out, "%02x", rnd[i]);
	strbuf_addf(out, ".%lld@%s>\r\n", (long long)now_ms, dom);
	strbuf_addstr(out, "MIME-Version: 1.0\r\n"
	                   "Content-Type: text/plain; charset=UTF-8\r\n"
	                   "Content-Transfer-Encoding: base64\r\n"
	                   "Auto-Submitted: auto-generated\r\n\r\n");
	/* The body in lines of 76 base64 characters (57 bytes each). */
	for (const char *p = body; *p;) {
		size_t n = strlen(p) < 57 ? strlen(p) : 57;
		strbuf_reset(&b);
		add_base64(&b, p, n);
		strbuf_add(out, b.buf, b.len);
		strbuf_addstr(out, "\r\n");
		p += n;
	}
	strbuf_release(&b);
}

/* ---- sending ------------------------------------------------------------------------------ */

struct upload {
	const char *data;
	size_t len, at;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ctx)
{
	struct upload *u = ctx;
	size_t n = size * nitems;

	if (n > u->len - u->at)
		n = u->len - u->at;
	memcpy(buf, u->data + u->at, n);
	u->at += n;
	return n;
}

/*
 * libcurl, loaded when the first mail is sent (base/dynlib.h): linked, every command would
 * map it and what it needs (Kerberos, LDAP, SSH, RTMP) at start.
 */
static struct {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
} cl;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static struct strbuf curl_err = STRBUF_INIT;
static int curl_init_rc = -1;

static void curl_init(void)
{
	const struct dynlib_sym syms[] = {
		{ "curl_global_init", &cl.global_init },
		{ "curl_easy_init", &cl.easy_init },
		{ "curl_easy_setopt", &cl.easy_setopt },
		{ "curl_easy_perform", &cl.easy_perform },
		{ "curl_easy_strerror", &cl.easy_strerror },
		{ "curl_easy_cleanup", &cl.easy_cleanup },
		{ "curl_slist_append", &cl.slist_append },
		{ "curl_slist_free_all", &cl.slist_free_all },
	};

	if (dynlib_load("libcurl.so.4", "libcurl4", syms, ARRAY_SIZE(syms), &curl_err) == 0)
		curl_init_rc = cl.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
	if (curl_init_rc < 0 && !curl_err.len)
		strbuf_addstr(&curl_err, "curl_global_init failed");
}

int smtp_send(const struct smtp_config *c, const char *to, const char *message, size_t len,
              struct strbuf *err)
{
	struct upload u = { message, len, 0 };
	struct curl_slist *rcpt = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct strbuf url = STRBUF_INIT, from = STRBUF_INIT;
	CURLcode rc;
	CURL *h;

	if (!c->host || !core_valid_email(to)) {
		strbuf_addf(err, "no mail server, or '%s' is not an e-mail address", to ? to : "");
		return -EINVAL;
	}
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc < 0 || !(h = cl.easy_init())) {
		strbuf_addf(err, "the mail client (libcurl) could not start: %s",
		            curl_err.len ? curl_err.buf : "curl_easy_init failed");
		return -EIO;
	}
	strbuf_addf(&url, "%s://%s:%d/mamori", c->tls ? "smtps" : "smtp", c->host, c->port);
	strbuf_addf(&from, "<%s>", c->from);
	rcpt = cl.slist_append(NULL, to);
	cl.easy_setopt(h, CURLOPT_URL, url.buf);
	cl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	cl.easy_setopt(h, CURLOPT_MAIL_FROM, from.buf);
	cl.easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	cl.easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	cl.easy_setopt(h, CURLOPT_READDATA, &u);
	cl.easy_setopt(h, CURLOPT_UPLOAD, 1L);
	cl.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	cl.easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s);
	cl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	if (c->starttls && !c->tls)
		cl.easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->ca_file)
		cl.easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->user) {
		cl.easy_setopt(h, CURLOPT_USERNAME, c->user);
		cl.easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	rc = cl.easy_perform(h);
	if (rc != CURLE_OK)
		strbuf_addf(err, "sending mail to %s through %s:%d: %s", to, c->host, c->port,
		            *errbuf ? errbuf : cl.easy_strerror(rc));
	cl.slist_free_all(rcpt);
	cl.easy_cleanup(h);
	strbuf_release(&url);
	strbuf_release(&from);
	return rc == CURLE_OK ? 0 : -EIO;
}

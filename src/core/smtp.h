/* smtp: sending one e-mail to one person through the ward's mail server (libcurl's SMTP
 * client), as mamori.conf's [smtp] section says (docs/config.md). */
#ifndef MAMORI_CORE_SMTP_H
#define MAMORI_CORE_SMTP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct conf;

struct smtp_config {
	char *host;      /* NULL: no mail server configured, nothing is sent */
	int port;        /* default 25 */
	bool starttls;   /* upgrade with STARTTLS and refuse to send without it (default yes) */
	bool tls;        /* implicit TLS from the first byte (smtps, port 465) */
	char *ca_file;   /* the CA that signed the server's certificate, or NULL: the system's */
	char *from;      /* the sender address (required with host) */
	char *from_name; /* "守り（港区情報政策課）", or NULL */
	char *user;      /* for AUTH, or NULL */
	char *password;  /* read from password_file; wiped on release */
	long timeout_s;  /* default 30 */
};

/*
 * Reads [smtp] from c into ret. Without `host` ret->host stays NULL and 0 is returned: mail
 * is off. -EINVAL with err for a host without `from`, an address that is not one, a port out
 * of range, or a password file that cannot be read (or is readable by others).
 */
int smtp_config_read(const struct conf *c, struct smtp_config *ret, struct strbuf *err);
void smtp_config_release(struct smtp_config *c);

/*
 * Writes an RFC 5322 message for UTF-8 texts: Date (Asia/Tokyo), From, To, a Subject in
 * RFC 2047 base64, Message-ID, and a text/plain UTF-8 body in base64. The addresses must
 * pass core_valid_email; names and texts may hold anything (they are encoded).
 */
void smtp_message(struct strbuf *out, const struct smtp_config *c, const char *to,
                  const char *to_name, const char *subject, const char *body, int64_t now_ms);

/* Sends message to the address. 0, or -EIO with what the server or the network said. */
int smtp_send(const struct smtp_config *c, const char *to, const char *message, size_t len,
              struct strbuf *err);

#endif

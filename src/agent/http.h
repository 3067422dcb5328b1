/* http: the agent's small HTTPS client: one POST per connection, the server's certificate pinned.
 */
#ifndef MAMORI_AGENT_HTTP_H
#define MAMORI_AGENT_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#define AGENT_HTTP_MAX_RESPONSE (1u << 20)

struct agent_http {
	bool tls;
	char host[256];
	char port[8];
	char prefix[256]; /* path before /api/v1/... ("" for none) */
	uint8_t pin[32];  /* SHA-256 of the server certificate (DER) */
	bool has_pin;
	char token[64]; /* the API token, sent as a bearer token */
	int timeout_ms;
	/* Set (SIGTERM): a read or write interrupted by a signal is not resumed. Else it is, as
	 * one cut short by anything else (the kernel's task work: fim's walks used to): NULL,
	 * always. */
	volatile sig_atomic_t *stop;
};

/*
 * Parses "https://HOST[:PORT][/PREFIX]" (or "http://" for a loopback host only: 127.x, ::1,
 * localhost) and a pin: 64 hex digits, colons allowed (openssl x509 -fingerprint -sha256).
 * Returns 0 or -EINVAL with err saying what is wrong.
 */
int agent_http_init(struct agent_http *h, const char *url, const char *pin, struct strbuf *err);
/* Reads the token from file (first line); a file others may read is refused (-EACCES). */
int agent_http_token_file(struct agent_http *h, const char *path, struct strbuf *err);
void agent_http_wipe(struct agent_http *h);

/*
 * POSTs body to the server at prefix+path (with an Idempotency-Key header when given: the
 * batch's id, so that the server takes a batch sent twice once) and reads the answer. Returns 0
 * with the HTTP status and body, or a negative code with err: -ECONNREFUSED, -ETIMEDOUT,
 * -EHOSTUNREACH and the like when the server is not there (spool and retry), -EPERM when the
 * certificate is not the pinned one (never sent anything), -EPROTO for an answer that is not HTTP.
 */
int agent_http_post(const struct agent_http *h, const char *path, const char *content_type,
                    const char *idempotency_key, const void *body, size_t len, int *ret_status,
                    struct strbuf *ret_body, struct strbuf *err);

#endif

/* receive: the syslog receivers of `mamori serve`: UDP (RFC 5426), TCP (RFC 6587), TLS (RFC 5425).
 */
#ifndef MAMORI_INGEST_RECEIVE_H
#define MAMORI_INGEST_RECEIVE_H

#include <stddef.h>

#include "base/strbuf.h"

struct ingest;

struct receiver_config {
	const char *udp; /* "ADDRESS:PORT" (port 0: a free one), or NULL */
	const char *tcp;
	const char *tls;
	const char *tls_cert; /* PEM: the server's certificate chain and key (for tls) */
	const char *tls_key;
	const char *tls_client_ca; /* PEM CA file: clients must present a certificate it signed */
	size_t max_message;        /* bytes of one message; longer ones are cut: 0 = 64 KiB */
	unsigned max_connections;  /* TCP and TLS connections at once: 0 = 1024 */
};

struct receiver;

/*
 * Binds the configured sockets and starts the receiving threads: one for UDP (batched
 * recvmmsg; drops the kernel reports are counted), one for TCP and TLS (epoll; a message
 * over the limit is cut and flagged; when the ledger's queue is full it stops reading, so
 * senders are slowed by TCP flow control and memory stays bounded). With tls_client_ca
 * a client without a certificate signed by it is refused (mutual authentication) and each
 * message keeps the client certificate's subject. Returns 0 or -errno with err.
 */
int receiver_start(const struct receiver_config *c, struct ingest *g, struct receiver **ret,
                   struct strbuf *err);
/* The bound address of "udp", "tcp" or "tls" ("127.0.0.1:40514"), or NULL. */
const char *receiver_address(struct receiver *rx, const char *kind);
/* Stops reading, closes every socket and joins the threads. NULL is accepted. */
void receiver_stop(struct receiver *rx);

#endif

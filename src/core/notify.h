/* notify: e-mail digests of what waits for each person (core/inbox.h), one per person per
 * round, telling each thing once (and again when it changes), through core/smtp.h. */
#ifndef MAMORI_CORE_NOTIFY_H
#define MAMORI_CORE_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct door;
struct inbox;
struct org_user;
struct smtp_config;

/* The default and the bounds of [notify] interval, in seconds: how often serve sends. */
#define NOTIFY_INTERVAL_DEFAULT 3600
#define NOTIFY_INTERVAL_MIN     10
#define NOTIFY_INTERVAL_MAX     (7 * 86400)

/*
 * Writes a digest for u: subject and body (UTF-8 text) telling the items of b whose fresh[i]
 * is true (the rest are in b for a count). Front ends give it, so the words are the reader's
 * language (the web's catalog); base_url ("https://isms.city.example/", or NULL) starts links.
 */
typedef void (*notify_compose_fn)(void *ctx, const struct org_user *u, const struct inbox *b,
                                  const bool *fresh, const char *base_url, struct strbuf *subject,
                                  struct strbuf *body);

struct notify_result {
	unsigned people;   /* active people with an e-mail address */
	unsigned digests;  /* digests sent (or, dry, that would be) */
	unsigned items;    /* things told in them */
	unsigned failed;   /* digests the server refused or could not take: told next round */
	unsigned no_email; /* active people with something new but no address */
};

struct notify_options {
	const struct smtp_config *smtp; /* NULL or without host: nothing is sent (dry) */
	const char *base_url;
	bool dry_run;           /* compose and count, send nothing, remember nothing */
	const char *only_login; /* only this person, or NULL: everyone */
	notify_compose_fn compose;
	void *ctx;
	/* Each digest as sent (for `mamori notify send --print`), or NULL. */
	void (*sent)(void *ctx, const char *to, const char *message);
};

/*
 * One round at now_ms: every active person with an address gets one digest of what is new in
 * their inbox since the last round that reached them; what was sent is remembered (table
 * notify_sent). A failed send is counted and tried again next round. Returns 0, or a store
 * error (err set); send failures are not errors (res->failed, err names the first).
 */
int notify_round(struct door *d, const struct notify_options *o, int64_t now_ms,
                 struct notify_result *res, struct strbuf *err);

/* [notify] interval from DIR/mamori.conf, in seconds, and base_url (owned, or NULL). */
int notify_config_read(const char *dir, int64_t *interval_s, char **base_url, struct strbuf *err);

#endif

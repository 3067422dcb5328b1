/* setup: a new ward in an empty data directory: profile, ledger key, first administrator, demo. */
#ifndef MAMORI_CORE_SETUP_H
#define MAMORI_CORE_SETUP_H

#include <stdbool.h>

#include "base/strbuf.h"

struct door;
struct store;

/*
 * Records in a new store's meta table when it was made (created_at, RFC 3339) and, when given,
 * the ward's name, in one transaction. Returns 0 or a negative errno with err set.
 */
int setup_meta(struct store *st, const char *created_at, const char *ward_name, struct strbuf *err);

/*
 * The bytes of a profile named on the command line: a shipped profile by id ("minato",
 * "shinjuku") or a file. *ret_name is what the profile is stored as ("policies/minato.yaml"
 * or the path). Returns 0 or -ENOENT/-errno with err set.
 */
int setup_profile_bytes(const char *name, struct strbuf *ret_bytes, char **ret_name,
                        struct strbuf *err);

typedef const char *(*setup_say_fn)(const char *msgid) __attribute__((format_arg(1)));

struct setup_options {
	const char *profile;   /* minato | shinjuku | FILE */
	const char *ward_name; /* shown to people; default the profile's municipality */
	bool demo;             /* also build the demo ward (demo.c) */
	/* What out says in the reader's language: each English format given to say (the CLI's
	 * catalogue lookup; NULL: English). */
	setup_say_fn say;
};

/*
 * Sets up a ward in dir, whose store exists and is empty: creates the ledger's signing key
 * (origin "<profile id>/mamori/<uuid>"), applies the profile, creates the first
 * administrator 'admin' with a random password (must be changed at the first login) and,
 * with demo, the demo ward. Every change goes through the door, so the ledger starts with
 * the profile, the administrator and the demo's history. What people must see once (the
 * passwords) is appended to out. Returns 0 or a negative errno-style code with err set.
 */
int setup_ward(const char *dir, const struct setup_options *o, struct strbuf *out,
               struct strbuf *err);

/*
 * Builds the demo ward through the door d (demo.c): sections, systems, about forty people
 * with their roles, about two hundred records over the profile's registers, requests
 * pending and decided. Appends the demo logins and their passwords to out.
 */
int demo_build(struct door *d, struct strbuf *out, struct strbuf *err);
/* The same, out in the language of say (setup_options.say; NULL: English). */
int demo_build_say(struct door *d, struct strbuf *out, setup_say_fn say, struct strbuf *err);

#endif

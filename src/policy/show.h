/* show: the profile rendered for people (mamori policy show; the web's policy page). */
#ifndef MAMORI_POLICY_SHOW_H
#define MAMORI_POLICY_SHOW_H

#include "base/strbuf.h"
#include "policy/policy.h"

enum policy_show_format {
	SHOW_TEXT,
	SHOW_MD,
	SHOW_HTML,
};

/*
 * Appends the whole profile, or one clause with what carries it, in
 * Japanese. Returns 0, or -1 with err set for an unknown clause id.
 */
int policy_show(const struct profile *p, const char *clause_id, enum policy_show_format fmt,
                struct strbuf *out, struct strbuf *err);

#endif

/* phrase: a profile's rules, obligations and what carries a clause, each as one Japanese sentence.
 */
#ifndef MAMORI_POLICY_PHRASE_H
#define MAMORI_POLICY_PHRASE_H

#include "base/strbuf.h"
#include "policy/coverage.h"
#include "policy/policy.h"

/* One rule as a Japanese sentence: "規則 x：情報資産：複製 — レベル3・レベル2の情報 → …". */
void policy_rule_phrase(struct strbuf *sb, const struct profile *p, const struct policy_rule *r);
void policy_obligation_phrase(struct strbuf *sb, const struct policy_obligation *o);
/* What carries a clause (a rule, a register, a field, a duty …) as a phrase (policy show). */
void policy_carrier_phrase(struct strbuf *sb, const struct profile *p,
                           const struct policy_carrier *c);

#endif

/* msgid: N_("...") marks a message id in a layer below the front ends (ledger, store, core):
 * the text stays English in the code and the front end says it in its reader's language
 * (web/i18n.h _(), cli/cli.h T_()); tests/cli/t0007-catalog.sh finds every N_() and requires
 * its Japanese in po/ja.po. */
#ifndef MAMORI_BASE_MSGID_H
#define MAMORI_BASE_MSGID_H

#ifndef N_
#define N_(s) (s)
#endif

#endif

/* directory-sync: `mamori user sync`: the people of the ward's LDAP / Active Directory made
 * Mamori's, through the door (docs/config.md "The directory"). */
#ifndef MAMORI_CORE_DIRECTORY_SYNC_H
#define MAMORI_CORE_DIRECTORY_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/directory.h"
#include "base/strbuf.h"
#include "core/act.h"

/* One change sync made (or, dry, would make). */
struct dir_change {
	char *login;
	const char *change; /* add, link, update, grant, revoke, suspend, skip, note */
	char *detail;       /* for people: the role, the name, why it was skipped */
	bool refused;       /* the door refused it (message says why) */
	char *message;      /* the door's message when refused */
};

struct dir_sync {
	size_t people; /* entries the directory returned */
	struct dir_change *items;
	size_t nr, alloc;
	size_t refused;
};

/*
 * Makes Mamori's people follow the directory's, each change an act of actor through the door
 * (ctx: how the command came in):
 * - a person not in Mamori and in an [ldap] section: user.add (name, section, e-mail,
 *   directory_dn; no password: they log in by binding);
 * - one in Mamori under the same login: linked (user.update directory_dn: their local
 *   password goes), their name and e-mail kept in step;
 * - [ldap] group ROLE@SCOPE DN: members granted the role; linked holders who left the group
 *   revoked (roles no group line names are left alone);
 * - a linked person the directory no longer holds: user.suspend.
 * An empty directory answer changes nothing (-ENOENT): it is more likely a wrong base_dn than
 * a ward without people. With dry, nothing runs: ret lists what would change.
 */
int dir_sync_run(struct door *d, const struct dir_conf *dc, const struct dir_people *people,
                 const char *actor, const struct act_context *ctx, bool dry, struct dir_sync *ret,
                 struct strbuf *err);
void dir_sync_release(struct dir_sync *s);

#endif

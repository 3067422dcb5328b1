/* ui-admin: what the administration pages share (ui-admin.c, ui-admin-users.c). */
#ifndef MAMORI_WEB_UI_ADMIN_H
#define MAMORI_WEB_UI_ADMIN_H

#include <stdbool.h>

#include "web/page.h"

struct act_result;
struct strbuf;

/* The administration's own menu (sections, users, roles, tokens, locks). */
void ui_admin_nav(struct web_req *r);
/* After a POST: the outcome as a notice on the page the form came from; true when done. */
bool ui_admin_outcome(struct web_req *r, int ret, const struct act_result *res,
                      const struct strbuf *err);

#endif

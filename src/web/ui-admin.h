/* ui-admin: what the administration pages share (ui-admin.c, ui-admin-users.c). */
#ifndef MAMORI_WEB_UI_ADMIN_H
#define MAMORI_WEB_UI_ADMIN_H

#include <stdbool.h>

#include "web/page.h"

struct act_result;
struct strbuf;

/*
 * Ends the error capture the caller began (error_capture_begin) around reading an uploaded file;
 * NULL when err is NULL (it went well), else the error in the reader's language: the
 * catalogue's words for its message id (a CSV's "line 1: the file is empty …"), else as it is.
 */
char *ui_admin_capture_end(struct web_req *r, const struct strbuf *err);
/* The administration's own menu (sections, users, roles, tokens, locks). */
void ui_admin_nav(struct web_req *r);
/* After a POST: the outcome as a notice on the page the form came from; true when done. */
bool ui_admin_outcome(struct web_req *r, int ret, const struct act_result *res,
                      const struct strbuf *err);

#endif

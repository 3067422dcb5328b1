/* access: the web's side of the one read decision (core/read.h): who may see which record. */
#ifndef MAMORI_WEB_ACCESS_H
#define MAMORI_WEB_ACCESS_H

#include <stdbool.h>

#include "web/web.h"

struct record;
struct request;
struct reader;
struct read_why;

/*
 * The request's user as a reader (core/read.h), from the server's memo: compiled once per
 * person, roles and profile, so a role that starts or ends takes effect on the next request.
 * NULL when nobody is logged in or the reader cannot be made (logged; everything is then
 * hidden). Owned by the request.
 */
struct reader *web_reader(struct web_req *r);

/* A reader for another person (an administrator's AuthZEN question): a reference to unref. */
struct reader *web_reader_for(struct web_req *r, const struct web_user *u);

/*
 * May the request's user see this record? The policy decides (the register's read action);
 * the administrator sees every record. why (may be NULL) says why, for the server log.
 */
bool web_record_visible(struct web_req *r, const struct record *rec, struct read_why *why);

/* May the user see this request (core's read_request: applicant, approver, record reader)? */
bool web_request_visible(struct web_req *r, const struct request *q);

/*
 * Answers 404 for a record that does not exist or that the user may not see, with the same
 * page in both cases (no oracle): it says so in the reader's language and links back. The
 * reason goes to the server log only.
 */
void web_record_not_found(struct web_req *r, const char *log_reason);

#endif

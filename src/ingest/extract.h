/* extract: who, from where and what, read out of the authentication messages systems send. */
#ifndef MAMORI_INGEST_EXTRACT_H
#define MAMORI_INGEST_EXTRACT_H

#include <jansson.h>

#include "ingest/syslog.h"

/* What kind of event a message reports (a static name rules match with `event:`). */
#define LOG_EVENT_AUTH_FAILURE "auth_failure" /* a failed login or password */
#define LOG_EVENT_AUTH_SUCCESS "auth_success" /* a login */
#define LOG_EVENT_PRIVILEGED   "privileged"   /* a command or session with another's rights */

/*
 * Fields read out of a message; spans point into the message (or its JSON object).
 *   sshd    "Failed password for [invalid user ]U from IP port N", "Invalid user U from IP",
 *           "Accepted password|publickey for U from IP", pam_unix(sshd:auth) failures
 *   sudo    "U : TTY=... ; USER=root ; COMMAND=C", "U : N incorrect password attempts",
 *           pam_unix(sudo:auth) failures
 *   su      "FAILED SU (to root) U on pts/0", pam_unix(su:auth) failures,
 *           "(to root) U on pts/0", pam_unix(su:session) "session opened for user root by U"
 *   login   "FAILED LOGIN ... FOR 'U'", pam_unix(login:auth) failures
 *   Windows (JSON) EventID 4625 (failure), 4624 (logon), 4672 (special privileges):
 *           TargetUserName / SubjectUserName, IpAddress
 */
struct log_fields {
	const char *event;              /* LOG_EVENT_*, or NULL */
	struct syslog_span user;        /* who acted (for sudo and su: the person, not root) */
	struct syslog_span target_user; /* whose rights were used (sudo USER=, su "to root") */
	struct syslog_span src_ip;      /* where from */
	struct syslog_span command;     /* sudo COMMAND= */
};

/* obj: the message's JSON object (SYSLOG_JSON), or NULL. */
void log_extract(const struct syslog_msg *m, json_t *obj, struct log_fields *ret);

#endif

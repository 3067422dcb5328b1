/* fields: a collected message's fields as analysis rules name them. */
#ifndef MAMORI_MONITOR_FIELDS_H
#define MAMORI_MONITOR_FIELDS_H

#include <stddef.h>

#include "base/strbuf.h"
#include "ingest/event.h"

/*
 * A sigma_field_fn over a struct log_event (ctx): host, app (program, appname), procid (pid),
 * msgid, message (msg), raw, facility, severity, user, target_user, src_ip, command, event,
 * format, source, via, peer, tls; sd.ID.NAME (an SD-PARAM, unescaped into buf); else a key
 * of a JSON message. NULL when the message has no such field.
 */
const char *log_event_field(const void *ctx, const char *f, struct strbuf *buf, size_t *len);

#endif

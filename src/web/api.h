/* api: what the JSON API handlers share: reading bodies, writing answers. */
#ifndef MAMORI_WEB_API_H
#define MAMORI_WEB_API_H

#include <jansson.h>

#include "base/json.h"
#include "web/web.h"

/* Limits of a JSON body beyond WEB_MAX_BODY. */
#define API_MAX_DEPTH 16

/*
 * Parses the request body as one JSON object. On failure answers the request (415 when the
 * content type is not application/json, 400 for bad JSON or a body that is not an object,
 * with a message the client can act on) and returns NULL.
 */
json_t *api_body(struct web_req *r);
/* A string member of obj, or NULL when absent; -1 in *bad when present but not a string. */
const char *api_str(json_t *obj, const char *key, int *bad);
/* Starts the answer: a JSON writer on r->out. */
void api_begin(struct web_req *r, struct json_writer *w, int status);

#endif

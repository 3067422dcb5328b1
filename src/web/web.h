/* web: what every page and API handler shares: the request, its session, the response. */
#ifndef MAMORI_WEB_WEB_H
#define MAMORI_WEB_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "web/i18n.h"
#include "web/parse.h"

struct store;
struct profile;
struct web_server;
struct ingest;
struct monitor;

/* Limits of one request (see also web/parse.h). */
/* Memory of one connection (libmicrohttpd's pool): the request line and headers must fit in
 * it beside the read buffer and the response headers; a request over it gets 431. */
#define WEB_MAX_HEADER_BYTES (64 * 1024)
#define WEB_MAX_BODY         (256 * 1024)      /* forms and JSON; over: 413 */
#define WEB_MAX_UPLOAD       (4 * 1024 * 1024) /* multipart/form-data (CSV import); over: 413 */
#define WEB_MAX_LOG_BODY     (8 * 1024 * 1024) /* POST /api/v1/logs (NDJSON, maybe gzip) */
#define WEB_LOGS_PATH        "/api/v1/logs"
#define WEB_MAX_PATH         2048
#define WEB_MAX_HEADERS      100 /* header fields of one request; over: 431 */

enum web_method {
	WEB_GET,
	WEB_HEAD,
	WEB_POST,
	WEB_PUT,
	WEB_DELETE,
	WEB_OTHER,
};

/* How the server is run: `mamori serve` options. */
struct web_config {
	const char *dir;      /* data directory */
	const char *listen;   /* "127.0.0.1:8080" */
	const char *tls_cert; /* PEM files; both or neither */
	const char *tls_key;
	unsigned threads; /* worker threads; 0 = one per CPU */
	unsigned max_connections;
	unsigned max_per_address; /* connections from one client address at once */
	const char *const
	    *allowed_hosts; /* --allowed-host names; none: listen address, localhost */
	size_t n_allowed_hosts;
	int64_t idle_timeout_ms;     /* session idle timeout (ログオフ) */
	int64_t absolute_timeout_ms; /* session lifetime whatever the activity */
	int64_t header_timeout_ms;   /* a request head must arrive whole within this */
	int64_t shutdown_grace_ms;   /* how long in-flight requests may take at SIGTERM */
	bool verbose;                /* one log line per request */
	struct ingest *ingest;       /* POST /api/v1/logs appends here; NULL: 503 */
	struct monitor *monitor;     /* the log analysis: what it did not raise (/alerts) */
	/*
	 * At the stop, once no request runs and before the server's last checkpoint: what else
	 * appends to the ledger stops and commits (serve's log collection), so the signature
	 * covers it (on PostgreSQL the collection's writer signs none). NULL: nothing.
	 */
	void (*before_last_checkpoint)(void *ctx);
	void *before_last_checkpoint_ctx;
};

/*
 * The logged-in person of a request (a browser session or an API token). web_user_dup
 * (session.c) copies it whole and then each field that owns memory; web_user_free frees those.
 * A field added here must be added to both (a pointer copied whole would be freed twice) and to
 * struct web_user_known beside them, whose size assert fails the build until it is.
 */
struct web_user {
	int64_t id;
	char *login;
	char *name;
	char *section; /* section id, or NULL */
	char *employment;
	bool must_change;
	bool admin; /* holds mamori_admin */
	/* role@scope strings currently held, for the policy */
	char **roles;
	size_t n_roles;
	int64_t roles_until_ms; /* roles stay as they are until then (a role's start or end) */
};

struct web_header {
	char *name, *value;
};

struct web_req {
	struct web_server *server;
	const struct web_config *cfg;
	void *conn; /* struct MHD_Connection * */

	/* ---- the request, validated ---- */
	enum web_method method;
	const char *method_name;
	char *path; /* percent-decoded, UTF-8, starts with '/' */
	struct web_params query;
	struct web_params form; /* application/x-www-form-urlencoded body */
	struct web_parts parts; /* multipart/form-data body */
	struct web_params cookies;
	struct strbuf body;
	const char *content_type;     /* of the body, or NULL */
	const char *content_encoding; /* "gzip" ..., or NULL */
	const char *idempotency_key;  /* Idempotency-Key: an agent's batch id, or NULL */
	const char *authorization;    /* the Authorization header, or NULL */
	char remote[64];
	bool tls;
	int64_t start_ns;

	/* ---- routing ---- */
	const char *args[4]; /* the '*' segments of the matched route pattern */
	unsigned n_args;
	char *args_buf;
	bool api;              /* /api/ and /access/: JSON errors, token authentication */
	bool door_only;        /* its route is ROUTE_DOOR_ONLY (web_thread_resources) */
	int64_t body_reserved; /* bytes of the server's large-body budget held (upload.c) */

	/* ---- the worker's resources (web_thread_resources; given back when the request ends) ----
	 */
	struct web_thread *thread;
	struct store *st;
	const struct profile *profile; /* the profile in force, or NULL when none stored */

	/* ---- who ---- */
	enum web_lang lang;
	struct web_user *user;   /* NULL: not logged in */
	int64_t pending_user_id; /* a right password, the second factor still to come */
	char pending_stage[8];   /* "totp" or "enrol" (web/session.h), "" when none */
	struct reader *reader;   /* web_reader(): the user's read rights, made on first use */
	char session_token[40];  /* the raw session token of this request, or "" */
	char csrf[48];           /* the CSRF token forms of this response carry */
	int64_t api_token_id;    /* the API token used, or 0 */
	char api_scope[16];      /* its scope: "api", "logs" or "api logs" */
	/*
	 * A door-only call (ROUTE_DOOR_ONLY) whose token's identity the worker kept
	 * (web/api-memo.h) reads nothing before the door: the door checks the identity stamp it was
	 * kept at in the act's own transaction (act_input.check_identity; web_act). Its answer
	 * stands only when the door found the stamp unchanged: otherwise (the stamp moved, or the
	 * call answered before the door, a bad body's 400, a scope's 403) the call is run again
	 * from its authentication (route_dispatch), which then reads the identity afresh.
	 */
	bool identity_deferred; /* the stamp is left to the door: identity_stamp */
	bool identity_verified; /* the door found it unchanged (act_result.identity_checked) */
	bool identity_fresh;    /* the run again: read in the request's snapshot */
	int64_t identity_stamp;

	/* ---- the response ---- */
	int status;
	const char *content_type_out;
	struct strbuf out;
	struct web_header *headers;
	size_t n_headers, alloc_headers;
	bool cacheable;  /* default false: Cache-Control: no-store */
	bool out_secret; /* the body carries a secret: wiped when microhttpd frees it */
	bool out_file;   /* the body is the file out_fd (web_send_file), not out */
	bool csv_noted;  /* the page says already that Shift_JIS CSVs write 〓 (ui_csv_note) */
	int out_fd;
	uint64_t out_size;
	char *log_detail; /* for the server log only, never sent */
};

typedef void (*web_handler)(struct web_req *r);

/* ---- responses ---- */
void web_header_add(struct web_req *r, const char *name, const char *value);
/*
 * The body is the open file fd, size bytes from its start (a download too large to build in
 * memory: the web's budget is 64 MB). The request owns fd from here: microhttpd reads it in
 * chunks as the client takes them and closes it.
 */
void web_send_file(struct web_req *r, int fd, uint64_t size);
/* What is written to the body from here on is a secret (a token, a password shown once): the
 * body is wiped when it grows and when microhttpd frees it. */
void web_out_secret(struct web_req *r);
/* 303 See Other to a local path (anything else becomes "/"). */
void web_redirect(struct web_req *r, const char *location);
/*
 * A generic error page (or JSON error on the API) with the status's
 * standard text; detail goes to the server log only, never to the client.
 */
void web_error(struct web_req *r, int status, const char *detail);
/* Forgets what the response held so far (status, body, headers, log detail). */
void web_reply_reset(struct web_req *r);
/* An API error with a message for the client (validation errors the client can fix). */
void web_api_error(struct web_req *r, int status, const char *message);
/* Starts a JSON response (status 200 unless set). */
void web_json_begin(struct web_req *r);

/* The parameter of a POST form, or NULL. */
const char *web_form(const struct web_req *r, const char *name);
const char *web_query(const struct web_req *r, const char *name);

/* Logs one line to the server log (stderr), with the request's method and path. */
void web_log(const struct web_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the server (http.c, http-serve.c) ---- */
/*
 * Runs the server until SIGTERM or SIGINT, then stops accepting, lets
 * requests in flight finish (up to cfg->shutdown_grace_ms) and returns 0;
 * or a negative errno with err set when it cannot start. ready_fd, if >= 0,
 * gets the line "listening on URL\n" once the socket is bound.
 */
int web_serve(const struct web_config *cfg, struct strbuf *err);

/* Dispatches a request to its handler (route.c), after authentication. */
void route_dispatch(struct web_req *r);

/*
 * The worker resources of a request: a store connection of the data directory with its memo
 * and ledger (http-pool.c), taken from the server's pool for the request and given back by
 * web_thread_done when it ends (route_dispatch), and the profile in force.
 */
int web_thread_resources(struct web_req *r, struct strbuf *err);
void web_thread_done(struct web_req *r);
/* The ledger on the request's store, for reads and the web's access log: opened on the
 * request's first call, closed when it ends (web_thread_done). */
struct ledger;
int web_thread_ledger(struct web_req *r, struct ledger **ret, struct strbuf *err);
/* The request's worker's API identity memo (web/api-memo.h), or NULL without resources. */
struct web_api_memo;
struct web_api_memo *web_thread_api_memo(struct web_req *r);
/*
 * A memo of read results (counts, visibility keys, list pages), one per pooled store connection,
 * dropped as soon as the database changes (anyone's commit) and when a role of anyone it was
 * computed for starts or ends (web_user.roles_until_ms): a role's validity takes effect at its
 * time, not at the next unrelated write. Keys name what was computed and for whom.
 */
/* the memo's bytes for all store connections together; each holds its share, at least 256 KiB */
#define WEB_CACHE_BYTES     (8 * 1024 * 1024)
#define WEB_CACHE_MIN_BYTES (256 * 1024)
const char *web_cache_get(struct web_req *r, const char *key);
void web_cache_put(struct web_req *r, const char *key, const char *value);
/* The server's door (core/act.h), or NULL when the data directory has no profile yet. */
struct door;
struct door *web_door(struct web_req *r);
/*
 * The server stops for good (the door, the log collection's ledger writer or the database file
 * failed: a write the disk did not confirm; http-serve.c stops on it): every 503 then says so and
 * what to do (web_error, in the reader's language, the JSON error's message for the API), and
 * so does an act refused by it on a page (web_act). The reason itself goes to the server's log.
 */
bool web_failed_for_good(struct web_req *r);
extern const char web_failed_text[];
/*
 * The e-mail digest of new inbox items in Japanese (core/notify.h's notify_compose_fn; ctx is
 * the door whose profile names things). ui-inbox.c.
 */
struct org_user;
struct inbox;
struct inbox_item;
struct profile;
struct store;
/* One inbox item in one line of text, in the thread's language (i18n_set_lang). */
void web_inbox_item_text(const struct profile *p, struct store *st, const struct inbox_item *it,
                         struct strbuf *out);
void web_notify_compose(void *ctx, const struct org_user *u, const struct inbox *b,
                        const bool *fresh, const char *base_url, struct strbuf *subject,
                        struct strbuf *body);
/* The server's memo of readers (core/read.h); see web_reader in web/access.h. */
struct reader_cache *web_readers(struct web_req *r);

/*
 * The web's access log in the ledger: one ENTRY_LOGIN entry (actor, action such as
 * "login.ok", "login.fail", "login.locked", "logout", "access.refused"), with the client
 * address and detail as public data. Failures are logged to the server log, never shown.
 */
void web_audit(struct web_req *r, const char *actor, const char *action, const char *detail);
/*
 * An unauthenticated failure (a wrong password or code, a locked login): counted in the store
 * and ledgered at most once a minute per login and per address with the count since the last
 * entry, so a client hammering a form cannot grow the ledger.
 */
void web_audit_failure(struct web_req *r, const char *actor, const char *action,
                       const char *login_key);
/*
 * The second factor as DIR/mamori.conf's [totp] says (read at start): whether a role held as
 * "role@scope" is listed (as "role" for any scope or "role@scope"), and the issuer name
 * authenticator apps show (default "Mamori").
 */
bool web_totp_role_listed(const struct web_req *r, const char *role_at_scope);
const char *web_totp_issuer(const struct web_req *r);
/* The directory people linked to it log in through ([ldap] of mamori.conf), or NULL. */
struct dir_conf;
const struct dir_conf *web_directory(const struct web_req *r);
/* True when [iccard] ca_file is set: the login page offers ICカードでログイン. */
bool web_iccard_enabled(const struct web_req *r);
/*
 * The same entry inside the caller's open transaction on r->st (store_begin), so a change
 * and its ledger entry commit together. Returns 0 or -errno; on failure roll back.
 */
int web_audit_txn(struct web_req *r, const char *actor, const char *action, const char *detail,
                  struct strbuf *err);

#endif

/* cmd-serve: `mamori serve`: the web interface and the JSON API. */
#include <string.h>

#include "base/parse.h"
#include "cli/cli.h"
#include "web/session.h"
#include "web/web.h"

int cmd_serve(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori [--dir DIR] serve [--listen ADDRESS:PORT] [--tls-cert FILE --tls-key FILE]",
		"                         [--allowed-host NAME]...", NULL
	};
	const char *listen = "127.0.0.1:8080", *cert = NULL, *key = NULL, *idle = NULL,
	           *lifetime = NULL, *head = NULL;
	int64_t threads = 0, conns = 1024, per_address = 32;
	struct string_list hosts = { 0 };
	bool verbose = false;
	const struct option opts[] = {
		OPT_STRING(0, "listen", &listen, "ADDRESS:PORT",
		           "where to listen (default 127.0.0.1:8080; port 0 picks a free one)"),
		OPT_STRING(0, "tls-cert", &cert, "FILE", "TLS certificate chain (PEM)"),
		OPT_STRING(0, "tls-key", &key, "FILE", "TLS private key (PEM)"),
		OPT_INT(0, "threads", &threads, "N", "worker threads (default: one per CPU)", 0,
		        64),
		OPT_INT(0, "max-connections", &conns, "N", "connections at once (default 1024)", 1,
		        65536),
		OPT_INT(0, "max-per-address", &per_address, "N",
		        "connections from one client address at once (default 32)", 1, 65536),
		OPT_STRING_LIST(0, "allowed-host", &hosts, "NAME",
		                "a name clients may call this server by (repeatable; default: the "
		                "listen address and localhost); any other Host is answered 421"),
		OPT_STRING(0, "header-timeout", &head, "DURATION",
		           "close a connection whose request head has not arrived whole in this "
		           "long, however slowly it trickles (default 10s)"),
		OPT_STRING(0, "idle-timeout", &idle, "DURATION",
		           "log a session off after this long without a request (default 30m)"),
		OPT_STRING(0, "session-lifetime", &lifetime, "DURATION",
		           "end a session this long after login whatever happens (default 10h)"),
		OPT_BOOL('v', "verbose", &verbose, "log every request to stderr"),
		OPT_END(),
	};
	struct web_config cfg = { 0 };
	struct strbuf err = STRBUF_INIT;
	int64_t secs;
	int n, r;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n < 0)
		return EXIT_USAGE;
	if (n > 0) {
		cli_error("serve takes no arguments; give the data directory as 'mamori --dir DIR "
		          "serve'");
		return EXIT_USAGE;
	}
	cfg.dir = ctx->dir;
	cfg.listen = listen;
	cfg.tls_cert = cert;
	cfg.tls_key = key;
	cfg.threads = (unsigned)threads;
	cfg.max_connections = (unsigned)conns;
	cfg.max_per_address = (unsigned)per_address;
	cfg.allowed_hosts = hosts.items;
	cfg.n_allowed_hosts = (size_t)hosts.nr;
	cfg.verbose = verbose;
	cfg.idle_timeout_ms = WEB_IDLE_TIMEOUT_MS;
	cfg.absolute_timeout_ms = WEB_ABSOLUTE_TIMEOUT_MS;
	cfg.shutdown_grace_ms = 10000;
	cfg.header_timeout_ms = 10000;
	if (head) {
		if (parse_duration(head, &secs) < 0 || secs < 1 || secs > 600) {
			cli_error(
			    "cannot read --header-timeout '%s': give a duration from 1s to 10m",
			    head);
			return EXIT_USAGE;
		}
		cfg.header_timeout_ms = secs * 1000;
	}
	if (idle) {
		if (parse_duration(idle, &secs) < 0 || secs < 1 || secs > 7 * 86400) {
			cli_error(
			    "cannot read --idle-timeout '%s': give a duration such as 15m or 1h",
			    idle);
			return EXIT_USAGE;
		}
		cfg.idle_timeout_ms = secs * 1000;
	}
	if (lifetime) {
		if (parse_duration(lifetime, &secs) < 0 || secs < 1 || secs > 30 * 86400) {
			cli_error("cannot read --session-lifetime '%s': give a duration such as 8h",
			          lifetime);
			return EXIT_USAGE;
		}
		cfg.absolute_timeout_ms = secs * 1000;
	}
	r = web_serve(&cfg, &err);
	string_list_clear(&hosts);
	if (r < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	strbuf_release(&err);
	return EXIT_DONE;
}

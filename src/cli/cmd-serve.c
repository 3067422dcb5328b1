/* cmd-serve: `mamori serve`: the web interface, the JSON API and the syslog receivers. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "cli/cli.h"
#include "core/act.h"
#include "ingest/follow.h"
#include "ingest/ingest.h"
#include "ingest/logindex.h"
#include "ingest/receive.h"
#include "ledger/merkle.h"
#include "monitor/monitor.h"
#include "store/store.h"
#include "web/session.h"
#include "web/sandbox.h"
#include "web/web.h"

/*
 * Log collection beside the web server: the ingest (its own ledger writer, and the analysis
 * of each message as it becomes durable), the receivers, and the follower that indexes what
 * is committed (and hands the analysis what the receivers did not take: log import).
 */
struct collect {
	pthread_mutex_t mu; /* g for the follower's analysed_floor while the ingest stops */
	struct ingest *g;
	struct receiver *rx;
	struct follower *f;
	struct logindex_handoff *handoff; /* what the analysis parsed, for the index */
	struct door *door;
	struct monitor *mon;
	bool stopped;
};

void (*serve_monitor_test_hook)(struct monitor_options *o);

static uint64_t collect_floor(void *ctx)
{
	struct collect *c = ctx;
	uint64_t floor;

	pthread_mutex_lock(&c->mu);
	floor = c->g ? ingest_analysed_floor(c->g) : UINT64_MAX;
	pthread_mutex_unlock(&c->mu);
	return floor;
}

static int collect_start(const char *dir, const struct receiver_config *rc, bool receivers,
                         struct collect *c, struct strbuf *err)
{
	struct follower_options fo = { .offset_ms = TOKYO_OFFSET_MS };
	struct ingest_options io = { .offset_ms = TOKYO_OFFSET_MS };
	struct ingest *g = NULL;
	int r;

	/* The analysis raises alerts through a door of its own (the web's is the web's). */
	r = door_open(dir, 0, &c->door, err);
	if (r == -ENOENT) {
		fprintf(stderr,
		        "mamori: warning: %s; the log analysis runs once a profile is "
		        "applied and the server restarted\n",
		        err->buf);
		strbuf_reset(err);
	} else if (r < 0) {
		return r;
	} else {
		struct monitor_options mo = { .dir = dir,
			                      .door = c->door,
			                      .offset_ms = TOKYO_OFFSET_MS };
		if (serve_monitor_test_hook)
			serve_monitor_test_hook(&mo);
		r = monitor_open(&mo, &c->mon, err);
		if (r < 0)
			return r;
		fo.hooks.ctx = c->mon;
		fo.hooks.event = monitor_event;
		fo.hooks.round = monitor_round;
		fo.raised_floor = monitor_raised_floor;
		fo.analysis_full = monitor_full;
		fo.analysis_rewind = monitor_rewind;
		fo.replay_ms = monitor_replay_ms(c->mon);
		fo.live = true;
		fo.analysed_floor = collect_floor;
		fo.floor_ctx = c;
		io.analysis = fo.hooks;
		/* Each message parsed once: the analysis hands the index what it read. */
		c->handoff = logindex_handoff_new();
		fo.handoff = c->handoff;
		io.handoff = c->handoff;
	}
	fo.leave_checkpoints = true; /* the ingest's ledger writer checkpoints */
	r = follower_start(dir, &fo, &c->f, err);
	if (r < 0)
		return r;
	/*
	 * The follower is woken as the analysis hands it what it analysed (which is all it may
	 * take then: logindex_handoff_end), else after each commit. Woken after each commit as
	 * well, it woke some 3,000 times a 2,000,000-message stream to find nothing it could take.
	 */
	if (io.handoff) {
		io.on_analysed = follower_wake;
		io.on_analysed_ctx = c->f;
	} else {
		io.on_commit = follower_wake;
		io.on_commit_ctx = c->f;
	}
	r = ingest_open(dir, &io, &g, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&c->mu);
	c->g = g;
	pthread_mutex_unlock(&c->mu);
	if (!receivers)
		return 0;
	r = receiver_start(rc, c->g, &c->rx, err);
	if (r < 0)
		return r;
	/* Before "listening on": a caller waiting for that line knows every port. */
	for (const char *const *k = (const char *const[]){ "udp", "tcp", "tls", NULL }; *k; k++)
		if (receiver_address(c->rx, *k))
			printf("mamori: syslog %s on %s\n", *k, receiver_address(c->rx, *k));
	/* (whether the receivers' seals and leaves are hashed 16 at once, and if not why) */
	struct merkle_hasher *h = merkle_hasher_new();
	printf("mamori: syslog sha256x16 %s\n", merkle_hasher_x16_why(h));
	merkle_hasher_free(h);
	(void)fflush(stdout); /* the lines tests wait for; a closed stdout is not fatal */
	return 0;
}

/*
 * Once: the receivers, the ingest (every message received committed), the index and the
 * analysis (its alerts acted). web_serve calls it before its last checkpoint, so on
 * PostgreSQL the leader's signature covers what was collected up to the stop; serve calls it
 * again after web_serve, for the paths that never reached that point.
 */
static void collect_stop(void *ctx)
{
	struct collect *c = ctx;
	struct strbuf err = STRBUF_INIT;

	if (c->stopped)
		return;
	c->stopped = true;
	receiver_stop(c->rx);
	/* Under mu: the follower's floor waits until the analysis of what came is done. */
	pthread_mutex_lock(&c->mu);
	if (ingest_close(c->g, &err) < 0)
		fprintf(stderr, "mamori: the log ingest stopped with an error: %s\n", err.buf);
	c->g = NULL;
	pthread_mutex_unlock(&c->mu);
	strbuf_reset(&err);
	if (follower_stop(c->f, &err) < 0)
		fprintf(stderr, "mamori: the log index stopped with an error: %s\n", err.buf);
	logindex_handoff_free(c->handoff);
	monitor_free(c->mon);
	door_free(c->door);
	pthread_mutex_destroy(&c->mu);
	strbuf_release(&err);
}

/*
 * glibc keeps a cache of freed blocks in each thread (tcache: up to 7 blocks of each size up to
 * 1,032 bytes, about 240 KiB a thread) that malloc_trim does not give back. With 32 workers and
 * the door's threads, those caches filled one by one as connections reached each worker: the
 * soak's memory in use grew by 3 MiB in ten minutes while SQLite's stayed within 0.4
 * (docs/testing.md). Only the environment sets it (GLIBC_TUNABLES, read when a process starts),
 * so the server starts itself again, once and before anything else, caching blocks up to 256
 * bytes only (the small, frequent ones: about 17 KiB a thread). An operator's own tcache
 * setting is kept; if the program cannot be started again it runs on as it is.
 */
#define SERVE_TCACHE_TUNABLE "glibc.malloc.tcache_max=256"

static void serve_tune_malloc(void)
{
	const char *env = getenv("GLIBC_TUNABLES");
	char **argv = cli_argv();
	char self[PATH_MAX];
	struct strbuf v = STRBUF_INIT;
	_cleanup_free_ char *was = NULL; /* a copy: setenv replaces what env points to */
	ssize_t n;

	if (!argv || (env && strstr(env, "glibc.malloc.tcache")))
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(self) - 1)
		return;
	self[n] = '\0';
	was = env ? xstrdup(env) : NULL;
	if (was && *was)
		strbuf_addf(&v, "%s:%s", was, SERVE_TCACHE_TUNABLE);
	else
		strbuf_addstr(&v, SERVE_TCACHE_TUNABLE);
	if (setenv("GLIBC_TUNABLES", v.buf, 1) == 0) {
		(void)fflush(stdout);
		(void)fflush(stderr);
		execv(self, argv);
		/* not started again: on as it is, the environment as it was */
		if (was)
			(void)setenv("GLIBC_TUNABLES", was, 1);
		else
			(void)unsetenv("GLIBC_TUNABLES");
	}
	strbuf_release(&v);
}

/* serve's options, with their defaults. */
struct serve_opts {
	const char *listen, *cert, *key, *idle, *lifetime, *head, *udp, *tcp, *tls, *client_ca;
	int64_t max_message;
	int64_t threads, conns, per_address;
	struct string_list hosts;
	bool verbose;
};

/* Reads serve's options into o. 0 to go on, or -1 with *ret_exit set (--help, a usage error,
 * said). */
static int serve_parse(struct serve_opts *o, int argc, const char **argv, int *ret_exit)
{
	static const char *const usage[] = {
		"mamori [--dir DIR] serve [--listen ADDRESS:PORT] [--tls-cert FILE --tls-key FILE]",
		"                         [--syslog-udp ADDRESS:PORT] [--syslog-tcp ADDRESS:PORT]",
		"                         [--syslog-tls ADDRESS:PORT [--tls-client-ca FILE]]",
		"                         [--allowed-host NAME]...", NULL
	};
	const struct option opts[] = {
		OPT_STRING(0, "listen", &o->listen, "ADDRESS:PORT",
		           "where to listen (default 127.0.0.1:8080; port 0 picks a free one)"),
		OPT_STRING(0, "tls-cert", &o->cert, "FILE", "TLS certificate chain (PEM)"),
		OPT_STRING(0, "tls-key", &o->key, "FILE", "TLS private key (PEM)"),
		OPT_STRING(0, "syslog-udp", &o->udp, "ADDRESS:PORT",
		           "receive syslog over UDP (RFC 5426; port 0 picks a free one)"),
		OPT_STRING(0, "syslog-tcp", &o->tcp, "ADDRESS:PORT",
		           "receive syslog over TCP (RFC 6587: octet counting or LF framing)"),
		OPT_STRING(0, "syslog-tls", &o->tls, "ADDRESS:PORT",
		           "receive syslog over TLS (RFC 5425) with --tls-cert and --tls-key"),
		OPT_STRING(0, "tls-client-ca", &o->client_ca, "FILE",
		           "for --syslog-tls: clients must present a certificate this CA signed"),
		OPT_INT(0, "syslog-max-message", &o->max_message, "BYTES",
		        "longer syslog messages are cut and flagged (default 65536)", 480, 1 << 20),
		OPT_INT(0, "threads", &o->threads, "N", "worker threads (default 32)", 0, 64),
		OPT_INT(0, "max-connections", &o->conns, "N", "connections at once (default 1024)",
		        1, 65536),
		OPT_INT(0, "max-per-address", &o->per_address, "N",
		        "connections from one client address at once (default 32)", 1, 65536),
		OPT_STRING_LIST(0, "allowed-host", &o->hosts, "NAME",
		                "a name clients may call this server by (repeatable; default: the "
		                "listen address and localhost); any other Host is answered 421"),
		OPT_STRING(0, "header-timeout", &o->head, "DURATION",
		           "close a connection whose request head has not arrived whole in this "
		           "long, however slowly it trickles (default 10s)"),
		OPT_STRING(0, "idle-timeout", &o->idle, "DURATION",
		           "log a session off after this long without a request (default 30m)"),
		OPT_STRING(0, "session-lifetime", &o->lifetime, "DURATION",
		           "end a session this long after login whatever happens (default 10h)"),
		OPT_BOOL('v', "verbose", &o->verbose, "log every request to stderr"),
		OPT_END(),
	};
	int n = parse_options(argc, argv, opts, usage);

	if (n == PARSE_OPT_HELP) {
		*ret_exit = EXIT_DONE;
		return -1;
	}
	if (n < 0) {
		*ret_exit = EXIT_USAGE;
		return -1;
	}
	if (n > 0) {
		cli_error("serve takes no arguments; give the data directory as 'mamori --dir DIR "
		          "serve'");
		*ret_exit = EXIT_USAGE;
		return -1;
	}
	return 0;
}

/* The web server's configuration from the options; the timeouts given are read here. 0, or -1
 * after a usage error was said. */
static int serve_config(const struct cli_ctx *ctx, const struct serve_opts *o,
                        struct web_config *cfg)
{
	int64_t secs;

	cfg->dir = ctx->dir;
	cfg->listen = o->listen;
	cfg->tls_cert = o->cert;
	cfg->tls_key = o->key;
	cfg->threads = (unsigned)o->threads;
	cfg->max_connections = (unsigned)o->conns;
	cfg->max_per_address = (unsigned)o->per_address;
	cfg->allowed_hosts = o->hosts.items;
	cfg->n_allowed_hosts = (size_t)o->hosts.nr;
	cfg->verbose = o->verbose;
	cfg->idle_timeout_ms = WEB_IDLE_TIMEOUT_MS;
	cfg->absolute_timeout_ms = WEB_ABSOLUTE_TIMEOUT_MS;
	cfg->shutdown_grace_ms = 10000;
	cfg->header_timeout_ms = 10000;
	if (o->head) {
		if (parse_duration(o->head, &secs) < 0 || secs < 1 || secs > 600) {
			cli_error(
			    "cannot read --header-timeout '%s': give a duration from 1s to 10m",
			    o->head);
			return -1;
		}
		cfg->header_timeout_ms = secs * 1000;
	}
	if (o->idle) {
		if (parse_duration(o->idle, &secs) < 0 || secs < 1 || secs > 7 * 86400) {
			cli_error(
			    "cannot read --idle-timeout '%s': give a duration such as 15m or 1h",
			    o->idle);
			return -1;
		}
		cfg->idle_timeout_ms = secs * 1000;
	}
	if (o->lifetime) {
		if (parse_duration(o->lifetime, &secs) < 0 || secs < 1 || secs > 30 * 86400) {
			cli_error("cannot read --session-lifetime '%s': give a duration such as 8h",
			          o->lifetime);
			return -1;
		}
		cfg->absolute_timeout_ms = secs * 1000;
	}
	return 0;
}

/*
 * Serves until stopped: the signer (privilege separation), the log collection and the
 * notifier started, the web server run (base, with the collection), then all stopped. 0, or a
 * negative errno with err set.
 */
static int serve_run(const struct cli_ctx *ctx, const struct serve_opts *o,
                     const struct web_config *base, struct strbuf *err)
{
	struct web_config cfg = *base;
	struct receiver_config rc = { 0 };
	struct collect collect = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct web_privsep privsep = { 0 };
	struct notifier *notifier = NULL;
	int r;

	{
		/* No thread of ours may take SIGTERM or SIGINT: web_serve waits for them. */
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	rc.udp = o->udp;
	rc.tcp = o->tcp;
	rc.tls = o->tls;
	rc.tls_cert = o->cert;
	rc.tls_key = o->key;
	rc.tls_client_ca = o->client_ca;
	rc.max_message = (size_t)o->max_message;
	/* before any thread: the signer is forked, and Landlock binds this thread and those it
	 * starts later (web/sandbox.h) */
	r = web_privsep_start(ctx->dir, &privsep, err);
	if (r == 0)
		r = collect_start(ctx->dir, &rc, o->udp || o->tcp || o->tls, &collect, err);
	if (r == 0)
		r = notifier_start(ctx->dir, &notifier, err);
	if (r == 0) {
		cfg.ingest = collect.g;
		cfg.monitor = collect.mon;
		cfg.before_last_checkpoint = collect_stop;
		cfg.before_last_checkpoint_ctx = &collect;
		r = web_serve(&cfg, err);
	}
	notifier_stop(notifier);
	collect_stop(&collect);
	web_privsep_stop(&privsep);
	return r;
}

int cmd_serve(struct cli_ctx *ctx, int argc, const char **argv)
{
	struct serve_opts o = { .listen = "127.0.0.1:8080",
		                .max_message = 64 * 1024,
		                .conns = 1024,
		                .per_address = 32 };
	struct web_config cfg = { 0 };
	struct strbuf err = STRBUF_INIT;
	int r, exit_code;

	/* --allowed-host's list is freed on every way out (a help or usage error too) */
	if (serve_parse(&o, argc, argv, &exit_code) < 0) {
		string_list_clear(&o.hosts);
		return exit_code;
	}
	serve_tune_malloc(); /* returns only when not started again */
	if (serve_config(ctx, &o, &cfg) < 0) {
		string_list_clear(&o.hosts);
		return EXIT_USAGE;
	}
	r = serve_run(ctx, &o, &cfg, &err);
	string_list_clear(&o.hosts);
	if (r < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	strbuf_release(&err);
	return EXIT_DONE;
}

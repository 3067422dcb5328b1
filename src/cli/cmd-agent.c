/* cmd-agent: `mamori agent`: file integrity checks on a ward's server, sent to Mamori's API. */
#include <signal.h>
#include <string.h>

#include "agent/agent.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "cli/cli.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

int cmd_agent(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori agent --server URL --token-file F --pin "
		"SHA256 [--fim-config F] [--interval D]"
		" [--follow FILE]... [--spool DIR]",
		N_("checks this server's files on a schedule and sends "
		   "the results and followed logs to Mamori over HTTPS"),
		NULL
	};
	const char *server = NULL, *token = NULL, *pin = NULL, *config = NULL, *interval = "1h";
	const char *spool = "/var/lib/mamori-agent", *host = NULL;
	int64_t threads = -1, spool_mb = 64, spool_files = 10000;
	struct string_list follow = { 0 };
	bool once = false;
	const struct option opts[] = {
		OPT_STRING(0, "server", &server, "URL", "Mamori's address: https://HOST:PORT"),
		OPT_STRING(0, "token-file", &token, "F",
		           "a file (mode 600) holding an API token of a system manager"),
		OPT_STRING(
		    0, "pin", &pin, "SHA256",
		    "SHA-256 of the server's certificate (openssl x509 -fingerprint -sha256)"),
		OPT_STRING(
		    0, "fim-config", &config, "F",
		    "file integrity configuration (AIDE's syntax); without it, heartbeats only"),
		OPT_STRING(0, "interval", &interval, "D", "how often: 30s, 15m, 1h (default 1h)"),
		OPT_STRING_LIST(0, "follow", &follow, "FILE",
		                "a log file to send, line by line (rotation followed; repeatable)"),
		OPT_STRING(0, "spool", &spool, "DIR",
		           "state and spool directory (default /var/lib/mamori-agent)"),
		OPT_INT(0, "spool-max-mb", &spool_mb, "N", "spool size limit in MiB (default 64)",
		        1, 1 << 20),
		OPT_INT(0, "spool-max-files", &spool_files, "N",
		        "spool limit in batches (default 10000)", 1, 10000000),
		OPT_STRING(0, "host", &host, "NAME", "the name to report (default: the host name)"),
		OPT_INT(0, "threads", &threads, "N", "hashing threads (default 2)", 0, 64),
		OPT_BOOL(0, "once", &once, "check and send once (cron): exit 1 if failed/held"),
		OPT_END(),
	};
	struct agent_opts o = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct sigaction sa = { .sa_handler = on_signal };
	int n, ret;

	(void)ctx;
	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if (!server || !token) {
		cli_error("agent needs --server URL and --token-file F");
		print_usage(usage, opts, true);
		return EXIT_USAGE;
	}
	if (parse_duration(interval, &o.interval_s) < 0 || o.interval_s < 1) {
		cli_error("--interval '%s' is not a duration such as 30s, 15m or 1h", interval);
		return EXIT_USAGE;
	}
	o.server = server;
	o.pin = pin;
	o.token_file = token;
	o.fim_config = config;
	o.state_dir = spool;
	o.threads = (int)threads;
	o.spool_max_bytes = (size_t)spool_mb << 20;
	o.spool_max_files = (size_t)spool_files;
	o.follow = follow.items;
	o.n_follow = (size_t)follow.nr;
	o.host = host;
	o.once = once;
	o.stop = &stop_flag;
	o.say = cli_vsay; /* its log lines in the reader's language, as the CLI's messages */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN); /* cannot fail for SIGPIPE */
	ret = agent_run(&o, &err) < 0 ? EXIT_FAILED : EXIT_DONE;
	if (ret != EXIT_DONE)
		cli_error("%s", err.buf);
	string_list_clear(&follow);
	strbuf_release(&err);
	return ret;
}

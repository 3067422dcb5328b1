/* cmd-report: `mamori report compliance`: the per-clause compliance report (遵守状況報告書) for a
 * period as HTML, CSV or PDF (docs/audits.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/compliance.h"
#include "core/core.h"
#include "web/report.h"

#define DAY_MS (86400LL * 1000)

/* Writes sb to path (created or replaced, 0644). */
static int write_file(const char *path, const struct strbuf *sb)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0) {
		cli_error("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	while (done < sb->len) {
		ssize_t n = write(fd, sb->buf + done, sb->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cli_error("cannot write '%s': %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (close(fd) < 0) {
		cli_error("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int day_arg(const char *opt, const char *value, int64_t *ret)
{
	if (core_parse_local_date(value, ret) == 0)
		return 0;
	cli_error("%s '%s' is not a date: write YYYY-MM-DD", opt, value);
	return -1;
}

/* Writes rep to output in format (html, csv, pdf) and view (clause, annex-a, chapter). Returns
 * 0, or -1 with the error said. */
static int write_report(const struct compliance_report *rep, const char *format, const char *view,
                        bool cp932, const char *output)
{
	bool annex = !strcmp(view, "annex-a"), chapter = !strcmp(view, "chapter");
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	size_t substituted = 0;
	int ret = -1;

	if (!strcmp(format, "pdf")) {
		if ((annex     ? report_annex_pdf(rep, output, &err)
		     : chapter ? report_chapters_pdf(rep, output, &err)
		               : report_compliance_pdf(rep, output, &err)) < 0)
			cli_error("%s", err.buf);
		else
			ret = 0;
		goto out;
	}
	if (!strcmp(format, "html") && annex)
		report_annex_html(rep, &out);
	else if (!strcmp(format, "html") && chapter)
		report_chapters_html_doc(rep, &out);
	else if (!strcmp(format, "html"))
		report_compliance_html(rep, &out);
	else if ((annex     ? report_annex_csv(rep, cp932, &out, &substituted, &err)
	          : chapter ? report_chapters_csv(rep, cp932, &out, &substituted, &err)
	                    : report_compliance_csv(rep, cp932, &out, &substituted, &err)) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (substituted)
		cli_warn("%zu characters have no CP932 form and were written as 〓", substituted);
	if (write_file(output, &out) == 0)
		ret = 0;
out:
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

/*
 * The period of --from and --to as [*from_ms, *to_ms): --to's day included, today without it
 * (*from_ms keeps its default without --from). EXIT_USAGE, said, when a day is not one or the
 * period is empty; else 0.
 */
static int period_args(const char *from, const char *to, int64_t now, int64_t *from_ms,
                       int64_t *to_ms)
{
	if (from && day_arg("--from", from, from_ms) < 0)
		return EXIT_USAGE;
	if (to && day_arg("--to", to, to_ms) < 0)
		return EXIT_USAGE;
	if (!to) /* the start of today in Tokyo */
		*to_ms = (now + TOKYO_OFFSET_MS) / DAY_MS * DAY_MS - TOKYO_OFFSET_MS;
	*to_ms += DAY_MS;
	if (*to_ms <= *from_ms) {
		cli_error("--to %s is before --from %s", to ? to : "today", from);
		return EXIT_USAGE;
	}
	return 0;
}

static int report_compliance(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori report compliance [--from DATE] [--to DATE] [--by clause|annex-a|chapter] "
		"--format html|csv|pdf -o FILE [--cp932]",
		N_("the compliance report per clause for a period (情報セキュリティ対策基準 "
		   "遵守状況報告書)"),
		NULL
	};
	const char *from = NULL, *to = NULL, *format = NULL, *output = NULL, *by = NULL;
	bool cp932 = false, annex = false, chapter = false;
	const struct option opts[] = {
		OPT_STRING(0, "from", &from, "DATE",
		           "the period's first day (default: the beginning)"),
		OPT_STRING(0, "to", &to, "DATE", "the period's last day (default: today)"),
		OPT_STRING(0, "format", &format, "F", "html, csv or pdf"),
		OPT_STRING(0, "by", &by, "VIEW",
		           "clause (default), annex-a: by ISO/IEC 27001:2022 Annex A control, or "
		           "chapter: the summary by chapter with the entries behind its figures"),
		OPT_STRING('o', "output", &output, "FILE", "where to write the report"),
		OPT_BOOL(0, "cp932", &cp932,
		         "CSV in CP932 (Shift_JIS) instead of UTF-8 with a BOM"),
		OPT_END(),
	};
	struct compliance_report rep = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct door *d = NULL;
	int64_t now = time_now_ms(), from_ms = COMPLIANCE_FROM_START, to_ms;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if (!format || (strcmp(format, "html") && strcmp(format, "csv") && strcmp(format, "pdf"))) {
		cli_error("say the format: --format html, csv or pdf");
		return EXIT_USAGE;
	}
	if (by && strcmp(by, "clause") && strcmp(by, "annex-a") && strcmp(by, "chapter")) {
		cli_error("--by is clause, annex-a or chapter, not '%s'", by);
		return EXIT_USAGE;
	}
	annex = by && !strcmp(by, "annex-a");
	chapter = by && !strcmp(by, "chapter");
	if (!output) {
		cli_error("say where to write the report: -o FILE");
		return EXIT_USAGE;
	}
	if (cp932 && strcmp(format, "csv")) {
		cli_error("--cp932 is for --format csv");
		return EXIT_USAGE;
	}
	ret = period_args(from, to, now, &from_ms, &to_ms);
	if (ret)
		return ret;
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	ret = EXIT_FAILED;
	if (compliance_compute(d, door_store(d), door_ledger(d), true, from_ms, to_ms, now, &rep,
	                       &err) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (write_report(&rep, format,
	                 annex     ? "annex-a"
	                 : chapter ? "chapter"
	                           : "clause",
	                 cp932, output) < 0)
		goto out;
	ret = EXIT_DONE;
out:
	compliance_release(&rep);
	door_free(d);
	strbuf_release(&err);
	return ret;
}

int cmd_report(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "compliance", report_compliance,
		  N_("the compliance report per clause: HTML, CSV (BOM or CP932) or PDF") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "report", table, argc, argv);
}

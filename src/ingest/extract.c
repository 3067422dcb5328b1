/* extract: who, from where and what, read out of the authentication messages systems send. */
#include <stdlib.h>
#include <string.h>

#include "ingest/extract.h"

/* A cursor over one message's text. */
struct text {
	const char *p;
	size_t n;
};

static bool span_is(struct syslog_span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && !memcmp(s.p, lit, n);
}

/*
 * The position of lit in t at or after from, or -1. Its first byte is looked for with memchr
 * (a byte loop was most of extracting from an sshd line; memmem's set-up costs more than these
 * short texts).
 */
static long find(struct text t, size_t from, const char *lit)
{
	size_t n = strlen(lit);
	const char *p, *last;

	if (n == 0 || from > t.n || t.n - from < n)
		return -1;
	last = t.p + (t.n - n); /* the last place lit may start */
	for (p = t.p + from; p <= last; p++) {
		p = memchr(p, lit[0], (size_t)(last - p) + 1);
		if (!p)
			return -1;
		if (!memcmp(p, lit, n))
			return (long)(p - t.p);
	}
	return -1;
}

static bool starts(struct text t, size_t at, const char *lit)
{
	size_t n = strlen(lit);
	return at + n <= t.n && !memcmp(t.p + at, lit, n);
}

/* The word (up to a space, ';', ',' or the end) at position at. */
static struct syslog_span word(struct text t, size_t at)
{
	struct syslog_span s = { t.p + at, 0 };

	while (at + s.n < t.n && t.p[at + s.n] != ' ' && t.p[at + s.n] != ';' &&
	       t.p[at + s.n] != ',')
		s.n++;
	return s;
}

/* The word after "key" (for "user=U", "rhost=IP"); empty when absent or blank. */
static struct syslog_span after(struct text t, const char *key)
{
	long i = find(t, 0, key);
	struct syslog_span none = { NULL, 0 };

	/* "user=" must not match inside "ruser=". */
	while (i > 0 && t.p[i - 1] != ' ' && t.p[i - 1] != ';')
		i = find(t, (size_t)i + 1, key);
	if (i < 0)
		return none;
	return word(t, (size_t)i + strlen(key));
}

/* "... for [invalid user ]U from IP ..." */
static void for_user_from(struct log_fields *f, struct text t, size_t at)
{
	long from;

	if (starts(t, at, "invalid user "))
		at += strlen("invalid user ");
	f->user = word(t, at);
	from = find(t, at, " from ");
	if (from >= 0)
		f->src_ip = word(t, (size_t)from + 6);
}

/* pam_unix(SERVICE:auth): authentication failure; ... ruser=R rhost=H user=U */
static bool pam_failure(struct log_fields *f, struct text t, bool person_is_ruser)
{
	if (find(t, 0, "authentication failure") < 0)
		return false;
	f->event = LOG_EVENT_AUTH_FAILURE;
	f->user = after(t, "user=");
	f->src_ip = after(t, "rhost=");
	if (person_is_ruser) {
		struct syslog_span r = after(t, "ruser=");
		if (r.n) {
			f->target_user = f->user;
			f->user = r;
		}
	}
	return true;
}

static void sshd(struct log_fields *f, struct text t)
{
	long i;

	if (starts(t, 0, "Failed ") && (i = find(t, 0, " for ")) > 0) {
		f->event = LOG_EVENT_AUTH_FAILURE;
		for_user_from(f, t, (size_t)i + 5);
	} else if (starts(t, 0, "Invalid user ")) {
		f->event = LOG_EVENT_AUTH_FAILURE;
		for_user_from(f, t, strlen("Invalid user "));
	} else if (starts(t, 0, "Accepted ") && (i = find(t, 0, " for ")) > 0) {
		f->event = LOG_EVENT_AUTH_SUCCESS;
		for_user_from(f, t, (size_t)i + 5);
	} else {
		pam_failure(f, t, false);
	}
}

static void sudo(struct log_fields *f, struct text t)
{
	long i;

	if (pam_failure(f, t, true))
		return;
	/* "  alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id" */
	while (t.n && t.p[0] == ' ') {
		t.p++;
		t.n--;
	}
	i = find(t, 0, " : ");
	if (i <= 0)
		return;
	f->user = word(t, 0);
	if (find(t, 0, "incorrect password attempt") >= 0) {
		f->event = LOG_EVENT_AUTH_FAILURE;
		return;
	}
	if ((i = find(t, 0, "COMMAND=")) >= 0) {
		f->event = LOG_EVENT_PRIVILEGED;
		f->command.p = t.p + i + 8;
		f->command.n = t.n - (size_t)i - 8;
		f->target_user = after(t, "USER=");
	}
}

static void su(struct log_fields *f, struct text t)
{
	long i;

	if (pam_failure(f, t, true))
		return;
	if (starts(t, 0, "FAILED SU (to ") && (i = find(t, 0, ") ")) > 0) {
		f->event = LOG_EVENT_AUTH_FAILURE;
		f->target_user = word(t, strlen("FAILED SU (to "));
		if (f->target_user.n && f->target_user.p[f->target_user.n - 1] == ')')
			f->target_user.n--;
		f->user = word(t, (size_t)i + 2);
	} else if (starts(t, 0, "(to ") && (i = find(t, 0, ") ")) > 0) {
		f->event = LOG_EVENT_PRIVILEGED;
		f->target_user = word(t, 4);
		if (f->target_user.n && f->target_user.p[f->target_user.n - 1] == ')')
			f->target_user.n--;
		f->user = word(t, (size_t)i + 2);
	} else if ((i = find(t, 0, "session opened for user ")) >= 0) {
		long by = find(t, (size_t)i, " by ");
		f->event = LOG_EVENT_PRIVILEGED;
		f->target_user = word(t, (size_t)i + strlen("session opened for user "));
		if (by > 0)
			f->user = word(t, (size_t)by + 4);
		/* "root(uid=0)" and "alice(uid=1000)": the name only. */
		for (struct syslog_span *s = &f->target_user; s;
		     s = s == &f->user ? NULL : &f->user)
			for (size_t k = 0; k < s->n; k++)
				if (s->p[k] == '(')
					s->n = k;
	}
}

static void login(struct log_fields *f, struct text t)
{
	long i;

	if (pam_failure(f, t, false))
		return;
	if ((i = find(t, 0, "FAILED LOGIN")) >= 0 && (i = find(t, (size_t)i, "FOR '")) >= 0) {
		size_t at = (size_t)i + 5, k = at;
		while (k < t.n && t.p[k] != '\'')
			k++;
		f->event = LOG_EVENT_AUTH_FAILURE;
		f->user.p = t.p + at;
		f->user.n = k - at;
	}
}

static struct syslog_span json_span(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	struct syslog_span s = { NULL, 0 };

	if (v && json_is_string(v) && json_string_length(v) > 0 &&
	    strcmp(json_string_value(v), "-")) {
		s.p = json_string_value(v);
		s.n = json_string_length(v);
	}
	return s;
}

static void windows(struct log_fields *f, json_t *obj)
{
	json_t *id = json_object_get(obj, "EventID");
	json_int_t v = -1;

	if (id && json_is_integer(id))
		v = json_integer_value(id);
	else if (id && json_is_string(id))
		v = strtoll(json_string_value(id), NULL, 10);
	switch (v) {
	case 4625:
		f->event = LOG_EVENT_AUTH_FAILURE;
		break;
	case 4624:
		f->event = LOG_EVENT_AUTH_SUCCESS;
		break;
	case 4672:
		f->event = LOG_EVENT_PRIVILEGED;
		f->user = json_span(obj, "SubjectUserName");
		return;
	default:
		return;
	}
	f->user = json_span(obj, "TargetUserName");
	f->src_ip = json_span(obj, "IpAddress");
}

void log_extract(const struct syslog_msg *m, json_t *obj, struct log_fields *f)
{
	struct text t = { m->msg.p, m->msg.n };

	memset(f, 0, sizeof(*f));
	if (obj) {
		windows(f, obj);
		if (f->event)
			return;
		if (!f->user.n)
			f->user = json_span(obj, "user");
		if (!f->src_ip.n)
			f->src_ip = json_span(obj, "src_ip");
	}
	if (!t.p)
		return;
	if (span_is(m->app, "sshd"))
		sshd(f, t);
	else if (span_is(m->app, "sudo"))
		sudo(f, t);
	else if (span_is(m->app, "su"))
		su(f, t);
	else if (span_is(m->app, "login"))
		login(f, t);
}

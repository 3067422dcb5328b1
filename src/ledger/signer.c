/* signer: the ledger's signing key in a process of its own, answering fixed-size requests over
 * a SOCK_SEQPACKET socketpair (ledger/signer.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "ledger/note.h"
#include "ledger/signer.h"

#define REQ_MAGIC  0x4d535231u /* "MSR1" */
#define RESP_MAGIC 0x4d535331u /* "MSS1" */

struct sign_req {
	uint32_t magic;
	uint32_t len;
	char body[SIGNER_MAX_BODY];
};

struct sign_resp {
	uint32_t magic;
	int32_t status; /* 0 or -errno */
	uint32_t len;
	char note[SIGNER_MAX_NOTE];
};

static pthread_mutex_t signer_lock = PTHREAD_MUTEX_INITIALIZER;
static int signer_fd = -1;
static pid_t signer_pid;

/* One answer: the body must be a checkpoint whose origin is this key's name. */
static void answer(const struct note_signer *s, const struct sign_req *q, ssize_t n,
                   struct sign_resp *a)
{
	struct strbuf note = STRBUF_INIT, err = STRBUF_INIT;
	struct checkpoint cp;

	memset(a, 0, sizeof(*a));
	a->magic = RESP_MAGIC;
	if (n != (ssize_t)sizeof(*q) || q->magic != REQ_MAGIC || q->len == 0 ||
	    q->len > SIGNER_MAX_BODY || memchr(q->body, '\0', q->len)) {
		a->status = -EINVAL;
		return;
	}
	if (checkpoint_parse(q->body, q->len, &cp, &err) < 0 || strcmp(cp.origin, s->v.name)) {
		a->status = -EPERM; /* not a checkpoint of this log: never signed */
	} else if (note_sign(q->body, q->len, s, &note, &err) < 0) {
		a->status = -EIO;
	} else if (note.len > SIGNER_MAX_NOTE) {
		a->status = -E2BIG;
	} else {
		memcpy(a->note, note.buf, note.len);
		a->len = (uint32_t)note.len;
	}
	strbuf_release(&note);
	strbuf_release(&err);
}

static void __attribute__((noreturn)) child_main(int fd, struct note_signer *s)
{
	struct sign_req q;
	struct sign_resp a;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	(void)prctl(PR_SET_NAME, "mamori-signer");
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTERM, SIG_DFL);
	for (;;) {
		ssize_t n = recv(fd, &q, sizeof(q), 0);

		if (n == 0)
			break; /* the server closed its end */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		answer(s, &q, n, &a);
		if (send(fd, &a, sizeof(a), MSG_NOSIGNAL) != (ssize_t)sizeof(a))
			break;
	}
	note_signer_wipe(s);
	_exit(0);
}

int ledger_signer_start(const char *dir, struct strbuf *err)
{
	struct note_signer s;
	int sv[2], r = ledger_load_signer(dir, &s, err);
	pid_t pid;

	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		note_signer_wipe(&s);
		error_set(err, "cannot make the signer's socket: %s", strerror(-r));
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		note_signer_wipe(&s);
		close(sv[0]);
		close(sv[1]);
		error_set(err, "cannot start the signer process: %s", strerror(-r));
		return r;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(sv[1], &s);
	}
	/* the serving process keeps no copy of the key */
	note_signer_wipe(&s);
	close(sv[1]);
	pthread_mutex_lock(&signer_lock);
	signer_fd = sv[0];
	signer_pid = pid;
	pthread_mutex_unlock(&signer_lock);
	return 0;
}

void ledger_signer_stop(void)
{
	pid_t pid;

	pthread_mutex_lock(&signer_lock);
	pid = signer_pid;
	if (signer_fd >= 0)
		close(signer_fd);
	signer_fd = -1;
	signer_pid = 0;
	pthread_mutex_unlock(&signer_lock);
	if (pid > 0)
		(void)waitpid(pid, NULL, 0);
}

int ledger_signer_pid(void)
{
	int pid;

	pthread_mutex_lock(&signer_lock);
	pid = (int)signer_pid;
	pthread_mutex_unlock(&signer_lock);
	return pid;
}

/* Asks the signer process; the lock keeps one request on the socket at a time. */
static int ask(const char *body, size_t len, struct strbuf *note, struct strbuf *err)
{
	struct sign_req *q = calloc(1, sizeof(*q));
	struct sign_resp *a = calloc(1, sizeof(*a));
	ssize_t n = -1;
	int r = 0;

	if (!q || !a) {
		free(q);
		free(a);
		return -ENOMEM;
	}
	q->magic = REQ_MAGIC;
	q->len = (uint32_t)len;
	memcpy(q->body, body, len);
	pthread_mutex_lock(&signer_lock);
	if (signer_fd >= 0 && send(signer_fd, q, sizeof(*q), MSG_NOSIGNAL) == (ssize_t)sizeof(*q)) {
		do
			n = recv(signer_fd, a, sizeof(*a), 0);
		while (n < 0 && errno == EINTR);
	}
	pthread_mutex_unlock(&signer_lock);
	if (n != (ssize_t)sizeof(*a) || a->magic != RESP_MAGIC || a->len > SIGNER_MAX_NOTE) {
		error_set(err, "the signer process did not answer");
		r = -EIO;
	} else if (a->status < 0) {
		error_set(err, "the signer process refused to sign (%s)", strerror(-a->status));
		r = a->status;
	} else {
		strbuf_add(note, a->note, a->len);
	}
	free(q);
	free(a);
	return r;
}

int ledger_sign_body(const char *dir, const char *body, size_t len, struct strbuf *note,
                     struct strbuf *err)
{
	struct note_signer s;
	int r;

	if (len == 0 || len > SIGNER_MAX_BODY) {
		error_set(err, "a checkpoint body of %zu bytes cannot be signed (at most %d)", len,
		          SIGNER_MAX_BODY);
		return -EINVAL;
	}
	if (ledger_signer_pid() > 0)
		return ask(body, len, note, err);
	r = ledger_load_signer(dir, &s, err);
	if (r < 0)
		return r;
	r = note_sign(body, len, &s, note, err);
	note_signer_wipe(&s);
	return r;
}

bool ledger_can_sign(const char *dir)
{
	struct strbuf path = STRBUF_INIT;
	bool yes;

	if (ledger_signer_pid() > 0)
		return true;
	strbuf_addf(&path, "%s/%s", dir, LEDGER_KEY_FILE);
	yes = access(path.buf, R_OK) == 0;
	strbuf_release(&path);
	return yes;
}

/* sha256x16: up to 16 independent SHA-256 hashes at once, one in each 32-bit lane of AVX-512
 * registers (x86-64 with AVX-512F and BW), for the receivers' seals and leaves. */
#ifndef MAMORI_LEDGER_SHA256X16_H
#define MAMORI_LEDGER_SHA256X16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256X16_LANES 16
/*
 * A pass costs the same for 1 lane as for 16: fewer than this many messages are hashed one by
 * one instead (a run of 1 cost 5.8 times as much a message, 8 about the same: review-pace M1).
 */
#define SHA256X16_MIN 8
/* A message of up to this many bytes (its parts together) is hashed in a lane; a longer one is
 * the caller's to hash another way. */
#define SHA256X16_MAX 950

/* One message: the concatenation of up to three parts (len 0: none). */
struct sha256x16_msg {
	const void *part[3];
	size_t len[3];
};

/*
 * Whether this machine can (AVX-512F and BW, enabled by the kernel) and gave the known answers
 * the first time it was asked (sha256x16_selftest(sha256x16), once a process: a miscompile or a
 * CPU fault keeps the one-by-one way), unless MAMORI_SHA256X16=off is in the environment (the
 * operator's switch). Tests may clear sha256x16_on to take the other way.
 */
bool sha256x16_can(void);
extern bool sha256x16_on;
/* "on", or "off (why)": the switch (MAMORI_SHA256X16 off, 0, no or false, in any case), the CPU,
 * or the self-test. */
const char *sha256x16_why(void);

/*
 * out[i] = SHA-256 of message i, for n <= SHA256X16_LANES messages of at most SHA256X16_MAX
 * bytes each; only when sha256x16_can(). The copies made of the messages (padded into their
 * lanes) are wiped before it returns.
 */
void sha256x16(const struct sha256x16_msg *m, unsigned n, uint8_t out[][32]);
typedef void sha256x16_fn(const struct sha256x16_msg *m, unsigned n, uint8_t out[][32]);
/*
 * 16 lengths a lane may take (block ends, the padding's edges, the longest; in two and three
 * parts) hashed at once by fn (sha256x16; tests give one that spoils a lane) and by OpenSSL:
 * whether every lane gave OpenSSL's answer. false where the CPU cannot.
 */
bool sha256x16_selftest(sha256x16_fn *fn);
/* The calls of sha256x16 this thread made (tests). */
extern _Thread_local unsigned long sha256x16_calls;

#endif

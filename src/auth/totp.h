/* totp: one-time codes (RFC 6238, liboath) and recovery codes, the second login factor. */
#ifndef MAMORI_AUTH_TOTP_H
#define MAMORI_AUTH_TOTP_H

#include <stdint.h>

#include "base/strbuf.h"

#define TOTP_SECRET_BYTES 20 /* 160 bits, as RFC 4226 recommends */
#define TOTP_STEP         30 /* seconds */
#define TOTP_DIGITS       6
#define TOTP_WINDOW       1 /* steps before and after now that are accepted (clock drift) */
#define TOTP_RECOVERY_N   10
/* "k7hw-2pqx-9rmn-4tzb": 16 characters from 32 (80 bits), in groups of four */
#define TOTP_RECOVERY_SIZE 20

/* Draws a new shared secret. */
void totp_secret_new(uint8_t secret[TOTP_SECRET_BYTES]);
/* The secret in base32 (what authenticator apps take), appended to out. */
int totp_secret_base32(const uint8_t secret[TOTP_SECRET_BYTES], struct strbuf *out);
/* otpauth://totp/ISSUER:LOGIN?secret=...&issuer=ISSUER&digits=6&period=30 (percent-encoded). */
void totp_uri(struct strbuf *out, const char *issuer, const char *login, const char *base32);
/*
 * Checks a code typed at now_s (Unix seconds). A code is accepted for the steps now-1 .. now+1,
 * and only for a step later than last_step, the last one accepted for this person, so a code
 * seen over someone's shoulder cannot be used again within its 30 seconds. Returns 0 with
 * ret_step (store it as the new last_step), -EINVAL when the text is not 6 digits, -EACCES for
 * a wrong or replayed code.
 */
int totp_verify(const uint8_t secret[TOTP_SECRET_BYTES], const char *code, int64_t now_s,
                int64_t last_step, int64_t *ret_step);
/* The code of the step containing now_s (for tests and the enrolment check). */
int totp_code(const uint8_t secret[TOTP_SECRET_BYTES], int64_t now_s, char out[TOTP_DIGITS + 1]);
/* A new recovery code, printable once; only its digest is kept. */
void totp_recovery_new(char out[TOTP_RECOVERY_SIZE]);
/* SHA-256 (hex) of a recovery code as typed: case, spaces and dashes do not matter. -EINVAL
 * when it is not 16 characters of the alphabet. */
int totp_recovery_digest(const char *typed, char hex[65]);

#endif

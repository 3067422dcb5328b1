/* key: the Ed25519 key that signs file integrity baselines (OpenSSL). */
#ifndef MAMORI_FIM_KEY_H
#define MAMORI_FIM_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#define FIM_KEY_SIZE 32
#define FIM_SIG_SIZE 64

struct fim_key;

/*
 * Loads the private key at path, creating it (mode 0600, "mamori-fim-key 1" and the hex
 * seed) when create is set and it does not exist. A key file readable by others is refused.
 * Returns 0, -ENOENT, -EACCES (loose mode), -EINVAL (not a key) or -EIO, with err set.
 */
int fim_key_load(const char *path, bool create, struct fim_key **ret, struct strbuf *err);
void fim_key_free(struct fim_key *k);
const uint8_t *fim_key_public(const struct fim_key *k);
/* Signs msg; returns 0 or -EIO. */
int fim_key_sign(const struct fim_key *k, const void *msg, size_t len, uint8_t sig[FIM_SIG_SIZE]);
/* True when sig is pub's signature of msg. */
bool fim_key_verify(const uint8_t pub[FIM_KEY_SIZE], const void *msg, size_t len,
                    const uint8_t sig[FIM_SIG_SIZE]);

#endif

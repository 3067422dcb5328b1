/* token-use: which request records that an API token was used. */
#ifndef MAMORI_WEB_TOKEN_USE_H
#define MAMORI_WEB_TOKEN_USE_H

#include <stdbool.h>
#include <stdint.h>

/* How often a token's last use is written (api_token_use.last_used_ms). */
#define WEB_TOKEN_USE_MS (60 * 1000)

/*
 * True for the one request of this process that should write token id's use now: its stored
 * last use (last_ms) is older than WEB_TOKEN_USE_MS and no other request of this process has
 * claimed the write within that time. Thread-safe.
 */
bool web_token_use_claim(int64_t id, int64_t last_ms, int64_t now_ms);

#endif

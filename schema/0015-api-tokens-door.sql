-- 0015-api-tokens-door: API tokens are credentials, issued and revoked by the door
-- (api_token.issue / api_token.revoke, issue 11) like every other credential change, so
-- api_tokens joins the tables only the door writes. When a token was last used is not a
-- credential but its use, noted by the web server: it moves to a table of its own.
CREATE TABLE api_token_use (
	token_id INTEGER PRIMARY KEY REFERENCES api_tokens(id),
	last_used_ms INTEGER NOT NULL           -- refreshed at most once a minute
) STRICT;
INSERT INTO api_token_use(token_id, last_used_ms)
	SELECT id, last_used_ms FROM api_tokens WHERE last_used_ms IS NOT NULL;
ALTER TABLE api_tokens DROP COLUMN last_used_ms;

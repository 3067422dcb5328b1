-- 0021-iccard-sessions: a session started with an IC card (a TLS client certificate, issue 11
-- Identity, MIN-5-5-6) stays bound to that card: every request must come with the same card,
-- and the card must still be active (利用中) in the iccard register; a card reported lost ends
-- its sessions at their next request.
ALTER TABLE web_sessions ADD COLUMN card_serial TEXT; -- the certificate's serial, hex; NULL: password

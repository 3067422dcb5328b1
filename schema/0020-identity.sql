-- 0020-identity: people who log in through the ward's LDAP / Active Directory, and sessions
-- opened with an IC card (issue 11, Identity).

-- The directory entry a person is linked to: they log in by binding as it, and no password is
-- kept for them here (password_hash stays NULL). NULL: a local account (its own password).
-- Written only by the door (user.add / user.update with the field directory_dn, from
-- `mamori user sync`).
ALTER TABLE users ADD COLUMN directory_dn TEXT;
CREATE UNIQUE INDEX users_directory_dn ON users(directory_dn) WHERE directory_dn IS NOT NULL;

-- A session started with an IC card (a TLS client certificate, MIN-5-5-6) stays bound to that
-- card: every request must come with the same card, and the card must still be active (利用中)
-- in the iccard register; a card reported lost ends its sessions at their next request.
-- The certificate's serial in hex; NULL: a session started with a password.
ALTER TABLE web_sessions ADD COLUMN card_serial TEXT;

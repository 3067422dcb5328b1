-- 0020-directory: people who log in through the ward's LDAP / Active Directory (issue 11,
-- Identity). Written only by the door (user.add / user.update with the field directory_dn,
-- from `mamori user sync`).

-- The directory entry a person is linked to: they log in by binding as it, and no password is
-- kept for them here (password_hash stays NULL). NULL: a local account (its own password).
ALTER TABLE users ADD COLUMN directory_dn TEXT;
CREATE UNIQUE INDEX users_directory_dn ON users(directory_dn) WHERE directory_dn IS NOT NULL;

-- 0016-record-grants: the access grants of each record, one row per grant, kept by the door
-- (src/core/act-grants.c) whenever it writes a record of a register with a `grants` field
-- (asset.access_rights: MIN-3-3-1, SHJ-2-4-2-ア). The principal is spelled as
-- policy_grants_normalize() writes it: 'section:ID', 'user:LOGIN' or 'role:ROLE@SCOPE' (SCOPE:
-- org, section:ID or system:ID). The read decision (core/read-open.c) finds a reader's granted
-- records here instead of scanning. Values stored before this table (free text, when the field
-- was text) grant nothing, here and in the read decision alike.
CREATE TABLE record_grants (
	record_id INTEGER NOT NULL REFERENCES records(id),
	principal TEXT NOT NULL,
	PRIMARY KEY (record_id, principal)
) STRICT, WITHOUT ROWID;
CREATE INDEX record_grants_principal ON record_grants(principal, record_id);

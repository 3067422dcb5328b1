-- The requests of a record. A record's page shows its history: its acts and those of every
-- request about it (core/history.c), and without this index the requests were scanned whole for
-- each page: in the soak, record pages slowed as requests piled up (reads 1,185 -> 178 per
-- second in four minutes, about 60 requests a second).
CREATE INDEX requests_record ON requests(record_id);

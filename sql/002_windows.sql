-- idprover on PostgreSQL, schema version 2: the sliding windows of the
-- rate limits (struct window in lib/store/store.h).
--
-- Typed, not the C struct as bytea: the nodes sharing the database need
-- not agree on byte order or padding, prune deletes by expires (indexed),
-- and an operator can read a limit's state with psql. n[j] counts the
-- events of the slot at index j (slot number modulo the array length),
-- last[j] the second of that slot when the latest came; an array of
-- another length than the program's (a changed slot count) reads as no
-- record, and the window starts over.

CREATE TABLE rate_windows (
	key		text COLLATE "C" CONSTRAINT rate_windows_pkey PRIMARY KEY,
	expires		bigint NOT NULL,	-- kept (prune) until then
	slot		bigint NOT NULL,	-- the latest slot counted
	n		bigint[] NOT NULL,	-- events per slot
	last		integer[] NOT NULL	-- latest event, s into its slot
);
CREATE INDEX rate_windows_expires ON rate_windows (expires);

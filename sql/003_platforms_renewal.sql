-- idprover on PostgreSQL, schema version 3: external account binding
-- platforms, the platform of an account, an order's profile, the
-- certificate it replaces and the order whose proof it reuses, and the
-- replacement records (RFC 9773).
--
-- Rows written before this version read as the program reads records of
-- the versions before them on Berkeley DB: no platform, the default
-- profile, no replacement, an order's own proof ('').

ALTER TABLE accounts
	ADD COLUMN platform text COLLATE "C" NOT NULL DEFAULT '';
					-- its binding's platform, '': none

ALTER TABLE orders
	ADD COLUMN profile text NOT NULL DEFAULT '',	-- '': the default
	ADD COLUMN replaces text COLLATE "C" NOT NULL DEFAULT '',
					-- the certificate (its order's id)
	ADD COLUMN proof text COLLATE "C" NOT NULL DEFAULT '';
					-- the order whose valid authorization
					-- this one reuses, '': its own

-- The order that replaces each certificate: one at most, so that of two
-- nodes racing to replace a certificate one wins (the other's insert
-- meets the constraint, or its transaction a serialization failure, and
-- its retry finds the winner). Both are named by their order ids.
CREATE TABLE replacements (
	certificate	text COLLATE "C"
			CONSTRAINT replacements_one_per_certificate PRIMARY KEY,
	order_id	text COLLATE "C" NOT NULL
);

-- Platforms (struct platform in lib/store/store.h), by name. The hashes
-- and prefixes are arrays of as many as the platform has; the held
-- prefixes of its conversion guard are parallel arrays of the slots in
-- use (held_slot: the slot's index; a free slot is not stored).
CREATE TABLE platforms (
	name		text COLLATE "C" CONSTRAINT platforms_pkey PRIMARY KEY,
	status		smallint NOT NULL	-- 0 enabled, 1 disabled
			CHECK (status BETWEEN 0 AND 1),
	created		bigint NOT NULL,
	rotated		bigint NOT NULL,	-- the EAB key last made
	sms_hour	bigint NOT NULL,	-- own SMS budget, 0: none
	sms_day		bigint NOT NULL,
	shown		text NOT NULL,		-- {platform} in its texts
	origin		text NOT NULL,		-- WebOTP host, '': none
	hashes		text[] NOT NULL,	-- Android app hashes
	prefixes	text[] NOT NULL,	-- number prefixes allowed
	kid		text COLLATE "C" NOT NULL	-- the EAB key id
			CONSTRAINT platforms_kid_unique UNIQUE,
	sealed		bytea NOT NULL,		-- the HMAC key, sealed
	held_slot	integer[] NOT NULL,
	held_prefix	text[] NOT NULL,
	held_since	bigint[] NOT NULL,
	held_until	bigint[] NOT NULL,	-- > 0 held, -1 released
	held_sent	bigint[] NOT NULL,	-- sends and proofs when held
	held_done	bigint[] NOT NULL,
	CONSTRAINT platforms_held_parallel CHECK (
	    cardinality(held_prefix) = cardinality(held_slot) AND
	    cardinality(held_since) = cardinality(held_slot) AND
	    cardinality(held_until) = cardinality(held_slot) AND
	    cardinality(held_sent) = cardinality(held_slot) AND
	    cardinality(held_done) = cardinality(held_slot))
);

-- idprover on PostgreSQL, schema version 1.
--
-- Applied by `idprover-admin init` or `idprover-admin migrate`, which
-- record the version in schema_version. Times are seconds since the epoch
-- (bigint); status columns hold the numbers of the enums in
-- lib/store/store.h, named in the comments. Identifiers compare in the
-- "C" collation, so that lists come in the same order as on Berkeley DB.
-- rev counts the updates of a row: the store updates a row it read only
-- while rev is still what it read (a conditional update), so that of two
-- nodes racing on the same order, account or certificate one wins and the
-- other runs its request again.

CREATE TABLE accounts (
	id		text COLLATE "C" CONSTRAINT accounts_pkey PRIMARY KEY,
	status		smallint NOT NULL	-- 0 valid, 1 deactivated, 2 revoked
			CHECK (status BETWEEN 0 AND 2),
	tos		smallint NOT NULL,	-- terms of service agreed
	created		bigint NOT NULL,
	thumb		text NOT NULL,		-- RFC 7638 thumbprint of jwk
	jwk		text NOT NULL,		-- the canonical JWK
	contact		text NOT NULL,		-- JSON array, or ''
	rev		bigint NOT NULL DEFAULT 0
);

-- The account of each key: a key belongs to one account at most.
CREATE TABLE account_keys (
	thumb		text COLLATE "C"
			CONSTRAINT account_keys_thumb_unique PRIMARY KEY,
	account		text COLLATE "C" NOT NULL
);

-- An order with its one authorization and its one challenge.
CREATE TABLE orders (
	id		text COLLATE "C" CONSTRAINT orders_pkey PRIMARY KEY,
	account		text COLLATE "C" NOT NULL,
	status		smallint NOT NULL	-- 0 pending 1 ready 2 processing
			CHECK (status BETWEEN 0 AND 4), -- 3 valid 4 invalid
	authz_status	smallint NOT NULL	-- 0 pending 1 valid 2 invalid
			CHECK (authz_status BETWEEN 0 AND 5), -- 3 deactivated
						-- 4 expired 5 revoked
	chall_status	smallint NOT NULL	-- 0 pending 1 processing
			CHECK (chall_status BETWEEN 0 AND 3), -- 2 valid 3 invalid
	sends		smallint NOT NULL,	-- SMS sent for the challenge
	tries		smallint NOT NULL,	-- failed answers
	error		smallint NOT NULL,	-- enum prob, 0: none
	created		bigint NOT NULL,
	expires		bigint NOT NULL,
	not_before	bigint,			-- NULL: not asked for
	not_after	bigint,
	authz_expires	bigint NOT NULL,
	validated	bigint NOT NULL,
	code_expires	bigint NOT NULL,
	last_send	bigint NOT NULL,
	identifier	text NOT NULL,		-- the TNAuthList value
	tn		text NOT NULL,
	token		text NOT NULL,
	code_mac	bytea NOT NULL,		-- HMAC of the expected digest
	detail		text NOT NULL,
	rev		bigint NOT NULL DEFAULT 0
);

-- The orders list of each account, in creation order.
CREATE TABLE account_orders (
	account		text COLLATE "C" NOT NULL,
	created		bigint NOT NULL,
	id		text COLLATE "C" NOT NULL,
	CONSTRAINT account_orders_pkey PRIMARY KEY (account, created, id)
);
CREATE INDEX account_orders_id ON account_orders (id);

-- Certificates: at most one per order (the key), serials unique.
CREATE TABLE certificates (
	order_id	text COLLATE "C"
			CONSTRAINT certificates_one_per_order PRIMARY KEY,
	account		text COLLATE "C" NOT NULL,
	serial		bytea NOT NULL
			CONSTRAINT certificates_serial_unique UNIQUE,
	issued		bigint NOT NULL,
	not_after	bigint NOT NULL,
	revoked		boolean NOT NULL,
	reason		smallint NOT NULL,	-- RFC 5280 CRLReason, -1: none
	revoked_at	bigint NOT NULL,
	der		bytea NOT NULL,
	rev		bigint NOT NULL DEFAULT 0
);
CREATE INDEX certificates_revoked ON certificates (serial) WHERE revoked;

-- Nonces used, each once, kept until they expire.
CREATE TABLE used_nonces (
	nonce		bytea CONSTRAINT used_nonces_pkey PRIMARY KEY,
	expires		bigint NOT NULL
);
CREATE INDEX used_nonces_expires ON used_nonces (expires);

-- The SMS outbox; the text is sealed with the server secret.
CREATE TABLE sms_outbox (
	id		text COLLATE "C" CONSTRAINT sms_outbox_pkey PRIMARY KEY,
	state		smallint NOT NULL	-- 0 queued, 1 done, 2 failed
			CHECK (state BETWEEN 0 AND 2),
	attempts	smallint NOT NULL,
	created		bigint NOT NULL,
	next_try	bigint NOT NULL,
	expires		bigint NOT NULL,
	sent_at		bigint NOT NULL,
	order_id	text COLLATE "C" NOT NULL,
	account		text COLLATE "C" NOT NULL,
	recipient	text NOT NULL,
	sealed		bytea NOT NULL,
	msgid		text NOT NULL,
	error		text NOT NULL
);
CREATE INDEX sms_outbox_queued ON sms_outbox (id) WHERE state = 0;

-- The outbox's retry index: messages due at a time.
CREATE TABLE sms_due (
	due		bigint NOT NULL,
	id		text COLLATE "C" NOT NULL,
	CONSTRAINT sms_due_pkey PRIMARY KEY (due, id)
);

-- Limit counters, each living until its window ends.
CREATE TABLE counters (
	key		text COLLATE "C" CONSTRAINT counters_pkey PRIMARY KEY,
	window_end	bigint NOT NULL,
	value		bigint NOT NULL
);
CREATE INDEX counters_window_end ON counters (window_end);

-- Named counters (the CRL number ...).
CREATE TABLE meta (
	key		text COLLATE "C" CONSTRAINT meta_pkey PRIMARY KEY,
	value		bigint NOT NULL
);

-- Records of other modules (the relay's sessions), by database name.
CREATE TABLE kv (
	db		text COLLATE "C" NOT NULL,
	k		bytea NOT NULL,
	v		bytea NOT NULL,
	CONSTRAINT kv_pkey PRIMARY KEY (db, k)
);

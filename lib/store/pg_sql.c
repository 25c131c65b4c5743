/* The PostgreSQL engine's statements, prepared on first use. */
#include "pgint.h"

#define ACCOUNT_COLS "id, status, tos, created, thumb, jwk, contact, rev, " \
	"platform"
/* The columns of an order (alias a), in pg_row_order's order. */
#define ORDER_COLS_OF(a) a ".id, " a ".account, " a ".status, " \
	a ".authz_status, " a ".chall_status, " a ".sends, " a ".tries, " \
	a ".error, " a ".created, " a ".expires, " a ".not_before, " \
	a ".not_after, " a ".authz_expires, " a ".validated, " \
	a ".code_expires, " a ".last_send, " a ".identifier, " a ".tn, " \
	a ".token, " a ".code_mac, " a ".detail, " a ".rev, " a ".profile, " \
	a ".replaces, " a ".proof"
#define ORDER_COLS ORDER_COLS_OF("o")
#define ORDER_SET "account = $2, status = $3, authz_status = $4, " \
	"chall_status = $5, sends = $6, tries = $7, error = $8, " \
	"created = $9, expires = $10, not_before = $11, not_after = $12, " \
	"authz_expires = $13, validated = $14, code_expires = $15, " \
	"last_send = $16, identifier = $17, tn = $18, token = $19, " \
	"code_mac = $20, detail = $21, profile = $22, replaces = $23, " \
	"proof = $24"
#define CERT_COLS "order_id, account, serial, issued, not_after, revoked, " \
	"reason, revoked_at, der, rev"
#define CERT_SET "account = $2, serial = $3, issued = $4, not_after = $5, " \
	"revoked = $6, reason = $7, revoked_at = $8, der = $9"
#define SMS_COLS "id, state, attempts, created, next_try, expires, " \
	"sent_at, order_id, account, recipient, sealed, msgid, error"
#define ACCOUNT_SET "status = $2, tos = $3, created = $4, thumb = $5, " \
	"jwk = $6, contact = $7, platform = $8"
#define PLATFORM_COLS "name, status, created, rotated, sms_hour, sms_day, " \
	"shown, origin, hashes, prefixes, kid, sealed, held_slot, " \
	"held_prefix, held_since, held_until, held_sent, held_done"

const char *const sqls[S__MAX] = {
	[S_ACCOUNT_GET] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = $1",
	[S_ACCOUNT_INS] = "INSERT INTO accounts (id, status, tos, created, "
	    "thumb, jwk, contact, platform) VALUES ($1, $2, $3, $4, $5, $6, "
	    "$7, $8) ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, "
	    "tos = EXCLUDED.tos, created = EXCLUDED.created, "
	    "thumb = EXCLUDED.thumb, jwk = EXCLUDED.jwk, "
	    "contact = EXCLUDED.contact, platform = EXCLUDED.platform, "
	    "rev = accounts.rev + 1",
	[S_ACCOUNT_UPD] = "UPDATE accounts SET " ACCOUNT_SET ", rev = rev + 1 "
	    "WHERE id = $1 AND rev = $9",
	[S_KEY_GET] = "SELECT account FROM account_keys WHERE thumb = $1",
	[S_KEY_PUT] = "INSERT INTO account_keys (thumb, account) "
	    "VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
	[S_KEY_SET] = "INSERT INTO account_keys (thumb, account) "
	    "VALUES ($1, $2) ON CONFLICT (thumb) DO UPDATE "
	    "SET account = EXCLUDED.account",
	[S_KEY_DEL] = "DELETE FROM account_keys WHERE thumb = $1 RETURNING 1",
	/* With the order whose proof it reused (columns from
	 * PG_ORDER_NCOLS on, NULL without one): what finalize reads next. */
	[S_ORDER_GET] = "SELECT " ORDER_COLS ", " ORDER_COLS_OF("f") " FROM "
	    "orders o LEFT JOIN orders f ON o.proof <> '' AND f.id = o.proof "
	    "WHERE o.id = $1",
	[S_ORDER_INS] = "INSERT INTO orders AS o (id, account, status, "
	    "authz_status, chall_status, sends, tries, error, created, "
	    "expires, not_before, not_after, authz_expires, validated, "
	    "code_expires, last_send, identifier, tn, token, code_mac, "
	    "detail, profile, replaces, proof) VALUES ($1, $2, $3, $4, $5, "
	    "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
	    "$19, $20, $21, $22, $23, $24) "
	    "ON CONFLICT (id) DO UPDATE SET " ORDER_SET ", rev = o.rev + 1",
	[S_ORDER_UPD] = "UPDATE orders SET " ORDER_SET ", rev = rev + 1 "
	    "WHERE id = $1 AND rev = $25",
	[S_ACCT_ORDER_ADD] = "INSERT INTO account_orders (account, created, "
	    "id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
	[S_ACCT_ORDERS] = "SELECT " ORDER_COLS " FROM account_orders r "
	    "JOIN orders o ON o.id = r.id WHERE r.account = $1 AND "
	    "($2::text IS NULL OR (r.created, r.id) > (SELECT a.created, "
	    "a.id FROM account_orders a WHERE a.account = $1 AND a.id = $2 "
	    "LIMIT 1)) ORDER BY r.created, r.id LIMIT $3",
	[S_CERT_GET] = "SELECT " CERT_COLS " FROM certificates "
	    "WHERE order_id = $1",
	[S_CERT_INS] = "INSERT INTO certificates AS c (order_id, account, "
	    "serial, issued, not_after, revoked, reason, revoked_at, der) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT "
	    "(order_id) DO UPDATE SET " CERT_SET ", rev = c.rev + 1",
	[S_CERT_UPD] = "UPDATE certificates SET " CERT_SET ", rev = rev + 1 "
	    "WHERE order_id = $1 AND rev = $10",
	[S_SERIAL_GET] = "SELECT " CERT_COLS " FROM certificates "
	    "WHERE serial = $1",
	[S_REVOKED] = "SELECT " CERT_COLS " FROM certificates WHERE revoked "
	    "ORDER BY serial",
	[S_NONCE_USE] = "INSERT INTO used_nonces (nonce, expires) "
	    "VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
	[S_SMS_GET] = "SELECT " SMS_COLS " FROM sms_outbox WHERE id = $1",
	[S_SMS_PUT] = "INSERT INTO sms_outbox (" SMS_COLS ") VALUES ($1, $2, "
	    "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) "
	    "DO UPDATE SET state = $2, attempts = $3, created = $4, "
	    "next_try = $5, expires = $6, sent_at = $7, order_id = $8, "
	    "account = $9, recipient = $10, sealed = $11, msgid = $12, "
	    "error = $13",
	[S_SMS_QUEUED] = "SELECT " SMS_COLS " FROM sms_outbox WHERE state = 0 "
	    "ORDER BY id",
	[S_DUE_ADD] = "INSERT INTO sms_due (due, id) VALUES ($1, $2) "
	    "ON CONFLICT DO NOTHING",
	[S_DUE_TAKE] = "WITH t AS (SELECT due, id FROM sms_due WHERE due <= $1 "
	    "ORDER BY due, id LIMIT $2 FOR UPDATE SKIP LOCKED), "
	    "d AS (DELETE FROM sms_due s USING t WHERE s.due = t.due AND "
	    "s.id = t.id RETURNING s.due, s.id) "
	    "SELECT id FROM d ORDER BY due, id",
	[S_COUNT_GET] = "SELECT window_end, value FROM counters WHERE key = $1",
	[S_COUNT_ADD] = "INSERT INTO counters AS c (key, window_end, value) "
	    "VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET "
	    "value = CASE WHEN c.window_end = EXCLUDED.window_end THEN "
	    "c.value + EXCLUDED.value ELSE EXCLUDED.value END, "
	    "window_end = EXCLUDED.window_end RETURNING value",
	[S_COUNT_SET] = "INSERT INTO counters (key, window_end, value) "
	    "VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET "
	    "window_end = EXCLUDED.window_end, value = EXCLUDED.value",
	[S_META_ABOVE] = "INSERT INTO meta AS m (key, value) VALUES ($1, "
	    "greatest(1, $2::bigint)) ON CONFLICT (key) DO UPDATE SET "
	    "value = greatest(m.value + 1, $2::bigint) RETURNING value",
	[S_META_SET] = "INSERT INTO meta (key, value) VALUES ($1, $2) "
	    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
	[S_KV_GET] = "SELECT v FROM kv WHERE db = $1 AND k = $2",
	[S_KV_PUT] = "INSERT INTO kv (db, k, v) VALUES ($1, $2, $3) "
	    "ON CONFLICT (db, k) DO UPDATE SET v = EXCLUDED.v",
	[S_KV_DEL] = "DELETE FROM kv WHERE db = $1 AND k = $2 RETURNING 1",
	[S_KV_ALL] = "SELECT k, v FROM kv WHERE db = $1 ORDER BY k",
	[S_PRUNE] = "WITH n AS (DELETE FROM used_nonces WHERE expires < $1 "
	    "RETURNING 1), c AS (DELETE FROM counters WHERE window_end < $1 "
	    "RETURNING 1), w AS (DELETE FROM rate_windows WHERE expires < $1 "
	    "RETURNING 1), o AS (DELETE FROM orders WHERE status <> 3 AND "
	    "expires <= $1 - 86400 RETURNING id), r AS (DELETE FROM "
	    "account_orders WHERE id IN (SELECT id FROM o) RETURNING 1), "
	    "m AS (DELETE FROM sms_outbox WHERE state <> 0 AND "
	    "created < $1 - 86400 RETURNING 1) SELECT (SELECT count(*) "
	    "FROM n) + (SELECT count(*) FROM c) + (SELECT count(*) FROM w) + "
	    "(SELECT count(*) FROM o) + "
	    "(SELECT count(*) FROM m) + 0 * (SELECT count(*) FROM r)",
	[S_STATS] = "SELECT 0, 0, count(*) FROM accounts UNION ALL "
	    "SELECT 1, status, count(*) FROM orders GROUP BY status UNION ALL "
	    "SELECT 2, state, count(*) FROM sms_outbox GROUP BY state "
	    "UNION ALL SELECT 3, 0, count(*) FROM certificates",
	[S_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_version",
	[S_DUMP_ACCOUNTS] = "SELECT " ACCOUNT_COLS " FROM accounts ORDER BY id",
	[S_DUMP_KEYS] = "SELECT thumb, account FROM account_keys "
	    "ORDER BY thumb",
	[S_DUMP_ORDERS] = "SELECT " ORDER_COLS " FROM orders o ORDER BY id",
	[S_DUMP_REFS] = "SELECT account, created, id FROM account_orders "
	    "ORDER BY account, created, id",
	[S_DUMP_CERTS] = "SELECT " CERT_COLS " FROM certificates "
	    "ORDER BY order_id",
	[S_DUMP_NONCES] = "SELECT nonce, expires FROM used_nonces "
	    "ORDER BY nonce",
	[S_DUMP_SMS] = "SELECT " SMS_COLS " FROM sms_outbox ORDER BY id",
	[S_DUMP_DUE] = "SELECT due, id FROM sms_due ORDER BY due, id",
	[S_DUMP_COUNTERS] = "SELECT key, window_end, value FROM counters "
	    "ORDER BY key",
	[S_DUMP_META] = "SELECT key, value FROM meta ORDER BY key",
	[S_DUMP_WINDOWS] = "SELECT key, expires, slot, n, last FROM "
	    "rate_windows ORDER BY key",
	[S_DUE_PEEK] = "SELECT due, id FROM sms_due WHERE due <= $1 "
	    "ORDER BY due, id LIMIT $2",
	[S_DUE_DEL] = "DELETE FROM sms_due WHERE due = $1 AND id = $2 "
	    "RETURNING 1",
	[S_WINDOW_GET] = "SELECT key, expires, slot, n, last FROM rate_windows "
	    "WHERE key = $1",
	[S_WINDOW_PUT] = "INSERT INTO rate_windows (key, expires, slot, n, "
	    "last) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE "
	    "SET expires = EXCLUDED.expires, slot = EXCLUDED.slot, "
	    "n = EXCLUDED.n, last = EXCLUDED.last",
	[S_ORDERS_WALK] = "SELECT " ORDER_COLS " FROM orders o WHERE "
	    "$1::text IS NULL OR o.id > $1 ORDER BY o.id LIMIT $2",
	/* The first claim of a certificate wins; a later one finds the
	 * constraint (no row returned), or a serialization failure while
	 * the first is not committed, and its retry finds the winner. */
	[S_REPLACE_INS] = "INSERT INTO replacements (certificate, order_id) "
	    "VALUES ($1, $2) ON CONFLICT ON CONSTRAINT "
	    "replacements_one_per_certificate DO NOTHING RETURNING 1",
	[S_REPLACE_UPD] = "UPDATE replacements SET order_id = $2 "
	    "WHERE certificate = $1 AND order_id = $3 RETURNING 1",
	[S_REPLACE_SET] = "INSERT INTO replacements (certificate, order_id) "
	    "VALUES ($1, $2) ON CONFLICT ON CONSTRAINT "
	    "replacements_one_per_certificate DO UPDATE "
	    "SET order_id = EXCLUDED.order_id",
	/* The latest SMS proof of an account for an identifier, as the
	 * walk over its orders would find it (no index of its own: the
	 * orders of one account are few, and this is one statement). */
	[S_ACCT_PROOF] = "SELECT " ORDER_COLS " FROM orders o WHERE "
	    "account = $1 AND identifier = $2 AND authz_status = $3 AND "
	    "proof = '' AND validated > 0 ORDER BY validated DESC, id DESC "
	    "LIMIT 1",
	[S_REPLACED_BY] = "SELECT order_id FROM replacements "
	    "WHERE certificate = $1",
	[S_PLATFORM_GET] = "SELECT " PLATFORM_COLS " FROM platforms "
	    "WHERE name = $1",
	[S_PLATFORM_PUT] = "INSERT INTO platforms (" PLATFORM_COLS ") "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
	    "$14, $15, $16, $17, $18) ON CONFLICT ON CONSTRAINT "
	    "platforms_pkey DO UPDATE SET status = EXCLUDED.status, "
	    "created = EXCLUDED.created, rotated = EXCLUDED.rotated, "
	    "sms_hour = EXCLUDED.sms_hour, sms_day = EXCLUDED.sms_day, "
	    "shown = EXCLUDED.shown, origin = EXCLUDED.origin, "
	    "hashes = EXCLUDED.hashes, prefixes = EXCLUDED.prefixes, "
	    "kid = EXCLUDED.kid, sealed = EXCLUDED.sealed, "
	    "held_slot = EXCLUDED.held_slot, "
	    "held_prefix = EXCLUDED.held_prefix, "
	    "held_since = EXCLUDED.held_since, "
	    "held_until = EXCLUDED.held_until, "
	    "held_sent = EXCLUDED.held_sent, held_done = EXCLUDED.held_done",
	[S_PLATFORMS] = "SELECT " PLATFORM_COLS " FROM platforms "
	    "ORDER BY name LIMIT $1",
	/* The platforms with one limit window each (the key of each is
	 * $2 || name || $3): a platform's activity, read with the list. */
	[S_PLATFORMS_WINDOWS] = "SELECT " PLATFORM_COLS ", w.key, w.expires, "
	    "w.slot, w.n, w.last FROM platforms p LEFT JOIN rate_windows w "
	    "ON w.key = $2 || p.name || $3 ORDER BY p.name LIMIT $1",
	[S_DUMP_PLATFORMS] = "SELECT " PLATFORM_COLS " FROM platforms "
	    "ORDER BY name",
	[S_DUMP_REPLACED] = "SELECT certificate, order_id FROM replacements "
	    "ORDER BY certificate",
	[S_NONCE_DEL] = "DELETE FROM used_nonces WHERE nonce = $1",
	/* A certificate's order, the order that replaces it (its id, then
	 * its row) and the order whose proof its order reused: what a
	 * replacing newOrder and a revocation read next. */
	[S_SERIAL_ORDER] = "SELECT " ORDER_COLS ", x.order_id, "
	    ORDER_COLS_OF("n") ", " ORDER_COLS_OF("f") " FROM certificates c "
	    "JOIN orders o ON o.id = c.order_id LEFT JOIN replacements x ON "
	    "x.certificate = c.order_id LEFT JOIN orders n ON "
	    "n.id = x.order_id LEFT JOIN orders f ON o.proof <> '' AND "
	    "f.id = o.proof WHERE c.serial = $1",
};

/* The statement that dumps each kind of record. */
const enum stmt dump_stmts[SK__MAX] = {
	[SK_ACCOUNT] = S_DUMP_ACCOUNTS, [SK_KEY] = S_DUMP_KEYS,
	[SK_ORDER] = S_DUMP_ORDERS, [SK_ACCT_ORDER] = S_DUMP_REFS,
	[SK_CERT] = S_DUMP_CERTS, [SK_NONCE] = S_DUMP_NONCES,
	[SK_SMS] = S_DUMP_SMS, [SK_DUE] = S_DUMP_DUE,
	[SK_COUNTER] = S_DUMP_COUNTERS, [SK_META] = S_DUMP_META,
	[SK_WINDOW] = S_DUMP_WINDOWS, [SK_PLATFORM] = S_DUMP_PLATFORMS,
	[SK_REPLACED] = S_DUMP_REPLACED,
};

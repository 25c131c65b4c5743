/*
 * The PostgreSQL engine: the store's calls as prepared statements on one
 * libpq connection per process (opened at start, re-opened by the next
 * store_begin after a failure; while the database cannot be reached every
 * call fails and store_unavailable says so, and the request gets a 503).
 *
 * Transactions run at SERIALIZABLE. Berkeley DB locks what a transaction
 * reads (DB_RMW) and holds the locks to the end: its transactions are
 * serializable, and the request logic above was written for that (read a
 * counter then add to it, look a key up then insert it). SERIALIZABLE
 * keeps that guarantee across nodes without read locks; a conflict
 * (40001) or a deadlock (40P01) marks the transaction for a retry, the
 * path of Berkeley DB's deadlocks (store_retry). It is also the one level
 * that PostgreSQL-compatible distributed engines all offer. On top of it,
 * a row that was read is updated only while its rev is what was read
 * (a conditional update), and single-row outcomes come from the database
 * itself: a nonce is spent by an insert-if-absent, a key taken by one,
 * the outbox index claimed with FOR UPDATE SKIP LOCKED.
 *
 * Round trips: the connection stays in pipeline mode. BEGIN and the first
 * use of a statement (its Parse) travel with the statement that needs
 * them; writes whose result the caller does not need (puts) are queued
 * and go with the next read or with COMMIT, whose failure (a lost race,
 * a conflict) then sends the request round again. A request thus costs
 * one round trip per read that needs an answer, plus one for COMMIT.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "log.h"
#include "engine.h"
#include "store.h"
#include "schema.h"	/* generated from sql/ by scripts/sql2c.sh */

#define PG_PIPE_MAX	64	/* commands queued before a flush */
#define PG_SEEN_MAX	8	/* rows read by a transaction, with rev */
#define PG_COUNTERS_MAX	8	/* counters read by a transaction */
#define PG_PARAMS_MAX	32
#define PG_URI_MAX	1024
#define PG_LOCK_MIGRATE	0x69647072	/* advisory lock of migrate */

/* Defaults a URI may override: no wait past the request watchdog. */
#define PG_CONNECT_TIMEOUT	"3"
#define PG_OPTIONS	"-c statement_timeout=10000 -c lock_timeout=5000 " \
			"-c idle_in_transaction_session_timeout=60000"

enum stmt {
	S_ACCOUNT_GET, S_ACCOUNT_INS, S_ACCOUNT_UPD, S_KEY_GET, S_KEY_PUT,
	S_KEY_SET, S_KEY_DEL, S_ORDER_GET, S_ORDER_INS, S_ORDER_UPD,
	S_ACCT_ORDER_ADD, S_ACCT_ORDERS, S_CERT_GET, S_CERT_INS, S_CERT_UPD,
	S_SERIAL_GET, S_REVOKED, S_NONCE_USE, S_SMS_GET, S_SMS_PUT,
	S_SMS_QUEUED, S_DUE_ADD, S_DUE_TAKE, S_COUNT_GET, S_COUNT_ADD,
	S_COUNT_SET, S_META_ABOVE, S_META_SET, S_KV_GET, S_KV_PUT, S_KV_DEL,
	S_KV_ALL, S_PRUNE, S_STATS, S_VERSION, S_DUMP_ACCOUNTS, S_DUMP_KEYS,
	S_DUMP_ORDERS, S_DUMP_REFS, S_DUMP_CERTS, S_DUMP_NONCES, S_DUMP_SMS,
	S_DUMP_DUE, S_DUMP_COUNTERS, S_DUMP_META, S_DUMP_WINDOWS, S_DUE_PEEK,
	S_DUE_DEL, S_WINDOW_GET, S_WINDOW_PUT, S_ORDERS_WALK, S_REPLACE_INS,
	S_REPLACE_UPD, S_REPLACE_SET, S_REPLACED_BY, S_PLATFORM_GET,
	S_PLATFORM_PUT, S_PLATFORMS, S_DUMP_PLATFORMS, S_DUMP_REPLACED,
	S__MAX
};

#define ACCOUNT_VERSION	2	/* as on Berkeley DB: with the platform */
#define ORDER_VERSION	2	/* with profile, replaces and proof */
#define PG_WALK_BATCH	256	/* orders read at a time by orders_walk */

#define ACCOUNT_COLS "id, status, tos, created, thumb, jwk, contact, rev, " \
	"platform"
#define ORDER_COLS "o.id, o.account, o.status, o.authz_status, " \
	"o.chall_status, o.sends, o.tries, o.error, o.created, o.expires, " \
	"o.not_before, o.not_after, o.authz_expires, o.validated, " \
	"o.code_expires, o.last_send, o.identifier, o.tn, o.token, " \
	"o.code_mac, o.detail, o.rev, o.profile, o.replaces, o.proof"
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

static const char *const sqls[S__MAX] = {
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
	[S_ORDER_GET] = "SELECT " ORDER_COLS " FROM orders o WHERE id = $1",
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
	[S_SERIAL_GET] = "SELECT order_id FROM certificates WHERE serial = $1",
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
	[S_DUMP_PLATFORMS] = "SELECT " PLATFORM_COLS " FROM platforms "
	    "ORDER BY name",
	[S_DUMP_REPLACED] = "SELECT certificate, order_id FROM replacements "
	    "ORDER BY certificate",
};

/* The statement that dumps each kind of record. */
static const enum stmt dump_stmts[SK__MAX] = {
	[SK_ACCOUNT] = S_DUMP_ACCOUNTS, [SK_KEY] = S_DUMP_KEYS,
	[SK_ORDER] = S_DUMP_ORDERS, [SK_ACCT_ORDER] = S_DUMP_REFS,
	[SK_CERT] = S_DUMP_CERTS, [SK_NONCE] = S_DUMP_NONCES,
	[SK_SMS] = S_DUMP_SMS, [SK_DUE] = S_DUMP_DUE,
	[SK_COUNTER] = S_DUMP_COUNTERS, [SK_META] = S_DUMP_META,
	[SK_WINDOW] = S_DUMP_WINDOWS, [SK_PLATFORM] = S_DUMP_PLATFORMS,
	[SK_REPLACED] = S_DUMP_REPLACED,
};

/* What a queued command was, to read its result. */
enum cmd { CMD_SQL, CMD_PREPARE, CMD_EXEC, CMD_EXEC_ONE };

struct sent {
	enum cmd	 cmd;
	enum stmt	 stmt;
};

/* A row the transaction read, and its rev then. */
struct seen {
	enum stmt	 table;		/* the _GET statement */
	char		 id[ID_LEN + 1];
	long long	 rev;
};

/* A counter the transaction read: adding to it needs no answer. */
struct ctr {
	char		 key[STORE_KEY_MAX];
	int64_t		 window_end;
	long		 value;
};

struct store {
	const struct store_engine *eng;	/* first: see engine.h */
	PGconn		*conn;
	const char *const *files;	/* kv databases (the relay's) */
	size_t		 ndb;
	int		 intx;		/* between store_begin and the end */
	int		 begun;		/* BEGIN sent */
	int		 deadlock;	/* a conflict: run the request again */
	int		 failed;	/* ... or another error */
	int		 down;		/* the database cannot be reached */
	unsigned char	 prepared[S__MAX];
	struct sent	 sent[PG_PIPE_MAX];
	int		 nsent;
	struct seen	 seen[PG_SEEN_MAX];
	int		 nseen;
	struct ctr	 ctrs[PG_COUNTERS_MAX];
	int		 nctrs;
	/* A nested transaction (a savepoint): what the transaction knew of
	 * rows and counters when it began, back again when it is undone. */
	int		 nest;		/* 1: open, 2: and SAVEPOINT sent */
	struct seen	 nest_seen[PG_SEEN_MAX];
	int		 nest_nseen;
	struct ctr	 nest_ctrs[PG_COUNTERS_MAX];
	int		 nest_nctrs;
	unsigned long	 trips;		/* round trips of this transaction */
	int		 trace;		/* IDPROVER_STORE_TRACE: log them */
	char		 uri[PG_URI_MAX];
};

/* Parameters of one statement: text, or binary for bytea. */
struct params {
	const char	*v[PG_PARAMS_MAX];
	int		 len[PG_PARAMS_MAX];
	int		 fmt[PG_PARAMS_MAX];
	char		 num[PG_PARAMS_MAX][24];
	int		 n;
};

static const struct store_engine pg_engine;
static void	pg_abort(struct store *);
static void	pg_close(struct store *);

static void
p_str(struct params *p, const char *s)
{
	p->v[p->n] = s;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

static void
p_num(struct params *p, long long v)
{
	snprintf(p->num[p->n], sizeof(p->num[p->n]), "%lld", v);
	p_str(p, p->num[p->n]);
}

static void
p_bytes(struct params *p, const void *b, size_t n)
{
	p->v[p->n] = n == 0 ? "" : b;
	p->len[p->n] = (int)n;
	p->fmt[p->n++] = 1;
}

static void
p_null(struct params *p)
{
	p->v[p->n] = NULL;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

/* Binary result values. */
static long long
r_num(const PGresult *r, int row, int col)
{
	const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
	unsigned long long v = 0;
	int		 i, n = PQgetlength(r, row, col);

	if (PQgetisnull(r, row, col) || (n != 2 && n != 4 && n != 8))
		return 0;
	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n == 2)
		return (int16_t)v;
	if (n == 4)
		return (int32_t)v;
	return (long long)v;
}

static uint32_t
pg_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Copy a text or bytea value into dst of size octets; -1 when it does not
 * fit (strings need their NUL too). */
static int
r_copy(const PGresult *r, int row, int col, void *dst, size_t size,
    int string, size_t *len)
{
	size_t	 n = (size_t)PQgetlength(r, row, col);

	if (n + (string ? 1 : 0) > size)
		return -1;
	memcpy(dst, PQgetvalue(r, row, col), n);
	if (string)
		((char *)dst)[n] = '\0';
	if (len != NULL)
		*len = n;
	return 0;
}

#define R_STR(r, row, col, a)	r_copy(r, row, col, a, sizeof(a), 1, NULL)

/* Note a failed command: a conflict to retry, the database gone, or
 * another error. */
static void
pg_note(struct store *st, const PGresult *r, const char *what)
{
	const char	*state = r == NULL ? NULL :
	    PQresultErrorField(r, PG_DIAG_SQLSTATE);

	if (state != NULL && (strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)) {
		st->deadlock = 1;
		return;
	}
	st->failed = 1;
	if (PQstatus(st->conn) != CONNECTION_OK || state == NULL ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0) {
		st->down = 1;
		log_warn("%s: the database is unavailable: %s", what,
		    PQerrorMessage(st->conn));
		return;
	}
	log_err("%s: %s: %s", what, state, r != NULL ?
	    PQresultErrorMessage(r) : PQerrorMessage(st->conn));
}

/* Notices (a table that already exists ...) are not for the log. */
static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* (Re)connect when the connection is not good. */
static int
pg_ready(struct store *st)
{
	if (PQstatus(st->conn) == CONNECTION_OK &&
	    PQpipelineStatus(st->conn) == PQ_PIPELINE_ON)
		return 0;
	if (PQstatus(st->conn) != CONNECTION_OK) {
		PQreset(st->conn);
		memset(st->prepared, 0, sizeof(st->prepared));
	}
	if (PQstatus(st->conn) != CONNECTION_OK ||
	    PQenterPipelineMode(st->conn) != 1) {
		if (!st->down)
			log_warn("%s: cannot reach the database: %s", __func__,
			    PQerrorMessage(st->conn));
		st->down = 1;
		return -1;
	}
	if (st->down)
		log_info("%s: the database is back", __func__);
	st->down = 0;
	return 0;
}

static int
pg_sent(struct store *st, enum cmd cmd, enum stmt s)
{
	st->sent[st->nsent].cmd = cmd;
	st->sent[st->nsent++].stmt = s;
	return 0;
}

static int
pg_send_sql(struct store *st, const char *sql)
{
	if (PQsendQueryParams(st->conn, sql, 0, NULL, NULL, NULL, NULL,
	    1) != 1)
		return -1;
	return pg_sent(st, CMD_SQL, S__MAX);
}

/* The result of one queued command; res: keep it (the last command's). */
static void
pg_result(struct store *st, const struct sent *c, PGresult *r,
    PGresult **keep)
{
	ExecStatusType	 s = PQresultStatus(r);
	const char	*n;

	if (s == PGRES_PIPELINE_ABORTED)
		st->failed = st->failed || !st->deadlock;
	else if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		pg_note(st, r, c->stmt < S__MAX ? sqls[c->stmt] : "sql");
	else if (c->cmd == CMD_EXEC_ONE && ((n = PQcmdTuples(r)) == NULL ||
	    strcmp(n, "1") != 0))
		st->deadlock = 1;	/* the row changed since it was read */
	if (c->cmd == CMD_PREPARE && s != PGRES_COMMAND_OK)
		st->prepared[c->stmt] = 0;
	if (keep != NULL && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)) {
		*keep = r;
		return;
	}
	PQclear(r);
}

/* IDPROVER_STORE_TRACE: what each round trip carries. */
static void
pg_trace(const struct store *st)
{
	char	 line[512];
	size_t	 n = 0;
	int	 i;

	line[0] = '\0';
	for (i = 0; i < st->nsent && n < sizeof(line) - 8; i++)
		if (st->sent[i].cmd == CMD_EXEC || st->sent[i].cmd == CMD_EXEC_ONE)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " s%d",
			    (int)st->sent[i].stmt);
		else if (st->sent[i].cmd == CMD_SQL)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " sql");
	log_info("store: round trip %lu:%s", st->trips, line);
}

/* Send a sync and read the results of every queued command; the last
 * one's result goes to *last when wanted and good. */
static int
pg_flush(struct store *st, PGresult **last)
{
	PGresult	*r;
	int		 i, bad = 0;

	if (last != NULL)
		*last = NULL;
	if (st->nsent == 0)
		return 0;
	st->trips++;
	if (st->trace)
		pg_trace(st);
	if (PQpipelineSync(st->conn) != 1)
		bad = 1;
	for (i = 0; i < st->nsent && !bad; i++) {
		while ((r = PQgetResult(st->conn)) != NULL)
			pg_result(st, &st->sent[i], r, i == st->nsent - 1 ?
			    last : NULL);
		if (PQstatus(st->conn) != CONNECTION_OK)
			bad = 1;
	}
	if (!bad && ((r = PQgetResult(st->conn)) == NULL ||
	    PQresultStatus(r) != PGRES_PIPELINE_SYNC))
		bad = 1;
	if (!bad)
		PQclear(r);
	st->nsent = 0;
	if (bad) {
		pg_note(st, NULL, __func__);
		if (last != NULL && *last != NULL)
			PQclear(*last);
		if (last != NULL)
			*last = NULL;
		return -1;
	}
	return st->deadlock || st->failed ? -1 : 0;
}

/* Queue statement s (with BEGIN and its Parse when due). */
static int
pg_queue(struct store *st, enum stmt s, const struct params *p,
    enum cmd cmd)
{
	char	 name[16];

	if (st->deadlock || st->failed)
		return -1;
	if (!st->intx && pg_ready(st) == -1)
		return -1;
	if (st->nsent + 4 > PG_PIPE_MAX && pg_flush(st, NULL) == -1)
		return -1;
	if (st->intx && !st->begun) {
		if (pg_send_sql(st, "BEGIN ISOLATION LEVEL SERIALIZABLE") == -1)
			goto err;
		st->begun = 1;
	}
	/* The savepoint of a nested transaction goes with its first
	 * statement: a handler that writes nothing costs nothing. */
	if (st->intx && st->nest == 1) {
		if (pg_send_sql(st, "SAVEPOINT nest") == -1)
			goto err;
		st->nest = 2;
	}
	snprintf(name, sizeof(name), "s%d", (int)s);
	if (!st->prepared[s]) {
		if (PQsendPrepare(st->conn, name, sqls[s], 0, NULL) != 1)
			goto err;
		pg_sent(st, CMD_PREPARE, s);
		st->prepared[s] = 1;
	}
	if (PQsendQueryPrepared(st->conn, name, p->n, p->v, p->len, p->fmt,
	    1) != 1)
		goto err;
	return pg_sent(st, cmd, s);
err:
	pg_note(st, NULL, sqls[s]);
	return -1;
}

/* A statement whose result is needed now. */
static PGresult *
pg_exec(struct store *st, enum stmt s, const struct params *p)
{
	PGresult	*r;

	if (pg_queue(st, s, p, CMD_EXEC) == -1 || pg_flush(st, &r) == -1 ||
	    r == NULL)
		return NULL;
	return r;
}

/* A write whose result can wait for the next flush (outside a
 * transaction: now). */
static int
pg_write(struct store *st, enum stmt s, const struct params *p,
    enum cmd cmd)
{
	if (pg_queue(st, s, p, cmd) == -1)
		return STORE_ERR;
	if (!st->intx && pg_flush(st, NULL) == -1)
		return STORE_ERR;
	return STORE_OK;
}

/* The rev a transaction read for table's row id, or -1. */
static long long
pg_seen_rev(const struct store *st, enum stmt table, const char *id)
{
	int	 i;

	for (i = 0; i < st->nseen; i++)
		if (st->seen[i].table == table &&
		    strcmp(st->seen[i].id, id) == 0)
			return st->seen[i].rev;
	return -1;
}

/* Remember (or, after a write, advance) the rev of a row. */
static void
pg_seen_set(struct store *st, enum stmt table, const char *id, long long rev)
{
	int	 i;

	if (!st->intx || strlen(id) > ID_LEN)
		return;
	for (i = 0; i < st->nseen; i++)
		if (st->seen[i].table == table &&
		    strcmp(st->seen[i].id, id) == 0)
			break;
	if (i == st->nseen) {
		if (st->nseen == PG_SEEN_MAX)
			i = 0;	/* forget the oldest: a blind write */
		else
			st->nseen++;
		st->seen[i].table = table;
		strcpy(st->seen[i].id, id);
	}
	st->seen[i].rev = rev;
}

/* --- Connection ----------------------------------------------------- */

/* A passfile named in the URI must be the owner's alone (libpq only
 * warns); PGPASSFILE is left to libpq. */
static int
pg_check_uri(const char *uri)
{
	PQconninfoOption *o, *opts;
	char		*err = NULL;
	struct stat	 sb;
	int		 rc = 0;

	if ((opts = PQconninfoParse(uri, &err)) == NULL) {
		log_err("%s: store: %s", __func__, err != NULL ? err :
		    "out of memory");
		PQfreemem(err);
		return -1;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL) {
			log_err("%s: store: the URI holds a password; put it "
			    "in a passfile (mode 0600)", __func__);
			rc = -1;
		} else if (strcmp(o->keyword, "passfile") == 0 &&
		    o->val != NULL && (stat(o->val, &sb) == -1 ||
		    (sb.st_mode & 077) != 0)) {
			log_err("%s: store: passfile %s: missing, or readable "
			    "by others than its owner", __func__, o->val);
			rc = -1;
		}
	}
	PQconninfoFree(opts);
	return rc;
}

static struct store *
pg_connect(const char *uri)
{
	const char *const kw[] = { "connect_timeout", "options",
	    "application_name", "keepalives_idle", "tcp_user_timeout",
	    "dbname", NULL };
	const char *vals[] = { PG_CONNECT_TIMEOUT, PG_OPTIONS,
	    program_invocation_short_name, "30", "10000", uri, NULL };
	struct store	*st;
	const char	*t = getenv("IDPROVER_STORE_TRACE");

	if (strlen(uri) >= PG_URI_MAX || pg_check_uri(uri) == -1 ||
	    (st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->eng = &pg_engine;
	strcpy(st->uri, uri);
	st->trace = t != NULL && t[0] != '\0';
	if ((st->conn = PQconnectdbParams(kw, vals, 1)) == NULL) {
		free(st);
		return NULL;
	}
	PQsetNoticeProcessor(st->conn, pg_notice, NULL);
	/* A database that is down now is not an error: requests get 503
	 * until it is back. */
	pg_ready(st);
	return st;
}

/* The schema version of the database, or -1. */
static int
pg_version(struct store *st)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 v;

	if ((r = pg_exec(st, S_VERSION, &p)) == NULL || PQntuples(r) != 1)
		v = -1;
	else
		v = (int)r_num(r, 0, 0);
	PQclear(r);
	st->failed = st->deadlock = 0;
	return v;
}

#define SCHEMA_VERSION	\
	(schema_steps[sizeof(schema_steps) / sizeof(schema_steps[0]) - 1].version)

struct store *
pg_open(const char *uri, int check)
{
	struct store	*st;
	int		 v;

	if ((st = pg_connect(uri)) == NULL)
		return NULL;
	if (!check || st->down)
		return st;
	if ((v = pg_version(st)) != SCHEMA_VERSION && !st->down) {
		log_err("%s: the database's schema is version %d, this program "
		    "needs %d: run idprover-admin migrate%s", __func__, v,
		    SCHEMA_VERSION, v > SCHEMA_VERSION ? " of a newer "
		    "idprover" : "");
		pg_close(st);
		return NULL;
	}
	return st;
}

struct store *
pg_open_kv(const char *uri, const char *const *files, size_t n)
{
	struct store	*st;

	if ((st = pg_open(uri, 1)) == NULL)
		return NULL;
	st->files = files;
	st->ndb = n;
	return st;
}

static void
pg_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->intx)
		pg_abort(st);
	PQfinish(st->conn);
	free(st);
}

/* --- Transactions --------------------------------------------------- */

static int
pg_begin(struct store *st)
{
	st->deadlock = st->failed = 0;
	st->nseen = st->nctrs = 0;
	st->trips = 0;
	st->begun = st->intx = st->nest = 0;
	if (pg_ready(st) == -1) {
		st->failed = 1;
		return STORE_ERR;
	}
	st->intx = 1;	/* BEGIN goes with the first statement */
	return STORE_OK;
}

/* Test hook, as on Berkeley DB: hold a durable commit while the named
 * file exists, so that a test can kill the process mid-write. */
static void
pg_crash_hook(void)
{
	const char	*f = getenv("IDPROVER_CRASH_HOOK");
	int		 i;

	for (i = 0; f != NULL && i < 300 && access(f, F_OK) == 0; i++)
		usleep(100000);
}

static int
pg_commit(struct store *st, int durable)
{
	int	 rc = 0;

	if (!st->intx)
		return STORE_ERR;
	if (st->deadlock || st->failed || st->nest) {
		pg_abort(st);
		return STORE_ERR;
	}
	if (st->begun) {
		if (durable)
			pg_crash_hook();
		/* Not durable: the commit need not wait for the WAL. */
		if ((!durable && pg_send_sql(st, "SET LOCAL synchronous_commit "
		    "TO off") == -1) || pg_send_sql(st, "COMMIT") == -1)
			pg_note(st, NULL, __func__);
		rc = pg_flush(st, NULL);
	}
	if (st->trace)
		log_info("store: %lu round trips", st->trips);
	if (rc == -1) {
		pg_abort(st);	/* a failed COMMIT leaves the block open */
		return STORE_ERR;
	}
	st->intx = st->begun = 0;
	return STORE_OK;
}

static void
pg_abort(struct store *st)
{
	int	 deadlock = st->deadlock, failed = st->failed;

	if (st->begun && PQstatus(st->conn) == CONNECTION_OK) {
		/* Results of what was queued do not matter any more. */
		st->deadlock = st->failed = 0;
		if (pg_send_sql(st, "ROLLBACK") == 0)
			pg_flush(st, NULL);
	}
	st->nsent = 0;
	st->intx = st->begun = st->nest = 0;
	st->deadlock = deadlock;
	st->failed = failed;
}

/* A nested transaction is a savepoint, sent with its first statement
 * (pg_queue); the rows' revs and the counters the transaction knew are
 * kept aside, to be known again if it is undone. */
static int
pg_nest_begin(struct store *st)
{
	if (!st->intx || st->nest || st->deadlock || st->failed)
		return STORE_ERR;
	memcpy(st->nest_seen, st->seen, sizeof(st->seen));
	st->nest_nseen = st->nseen;
	memcpy(st->nest_ctrs, st->ctrs, sizeof(st->ctrs));
	st->nest_nctrs = st->nctrs;
	st->nest = 1;
	return STORE_OK;
}

/* Queue the end of the savepoint; it travels with what comes next. */
static int
pg_nest_send(struct store *st, const char *sql)
{
	if (st->nsent + 1 > PG_PIPE_MAX && pg_flush(st, NULL) == -1)
		return -1;
	if (pg_send_sql(st, sql) == -1) {
		pg_note(st, NULL, sql);
		return -1;
	}
	return 0;
}

static int
pg_nest_end(struct store *st, int keep)
{
	int	 sent = st->nest == 2;

	if (!st->intx || !st->nest)
		return STORE_ERR;
	st->nest = 0;
	if (st->deadlock || st->failed)
		return STORE_ERR;	/* the outer one fails too */
	if (keep)
		return sent && pg_nest_send(st, "RELEASE SAVEPOINT nest") ==
		    -1 ? STORE_ERR : STORE_OK;
	memcpy(st->seen, st->nest_seen, sizeof(st->seen));
	st->nseen = st->nest_nseen;
	memcpy(st->ctrs, st->nest_ctrs, sizeof(st->ctrs));
	st->nctrs = st->nest_nctrs;
	if (sent && (pg_nest_send(st, "ROLLBACK TO SAVEPOINT nest") == -1 ||
	    pg_nest_send(st, "RELEASE SAVEPOINT nest") == -1))
		return STORE_ERR;
	return STORE_OK;
}

static void
pg_idle(struct store *st)
{
	(void)st;
}

static int
pg_retry(const struct store *st)
{
	return st->deadlock && !st->failed;
}

static int
pg_failed(const struct store *st)
{
	return st->deadlock || st->failed;
}

static int
pg_unavailable(const struct store *st)
{
	return st->down;
}

static int
pg_panicked(const struct store *st)
{
	(void)st;
	return 0;
}

static int
pg_reopen(struct store **stp)
{
	PQreset((*stp)->conn);
	memset((*stp)->prepared, 0, sizeof((*stp)->prepared));
	return pg_ready(*stp) == 0 ? STORE_OK : STORE_ERR;
}

static void
pg_fail(struct store *st)
{
	st->failed = 1;
}

/* A statement that returns at most one row: STORE_OK with *res,
 * STORE_NOTFOUND, or STORE_ERR. */
static int
pg_one(struct store *st, enum stmt s, const struct params *p,
    PGresult **res)
{
	PGresult	*r;

	*res = NULL;
	if ((r = pg_exec(st, s, p)) == NULL)
		return STORE_ERR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return STORE_NOTFOUND;
	}
	*res = r;
	return STORE_OK;
}

/* A row that does not fit its record. */
static int
pg_corrupt(struct store *st, PGresult *r, const char *what)
{
	log_err("%s: a row that does not fit its record", what);
	PQclear(r);
	st->failed = 1;
	return STORE_ERR;
}

/* --- Accounts and keys ---------------------------------------------- */

static int
pg_row_account(const PGresult *r, int i, struct account *a)
{
	memset(a, 0, sizeof(*a));
	a->version = ACCOUNT_VERSION;
	a->status = (uint8_t)r_num(r, i, 1);
	a->tos = (uint8_t)r_num(r, i, 2);
	a->created = r_num(r, i, 3);
	if (R_STR(r, i, 0, a->id) == -1 || R_STR(r, i, 4, a->thumb) == -1 ||
	    R_STR(r, i, 5, a->key) == -1 || R_STR(r, i, 6, a->contact) == -1 ||
	    R_STR(r, i, 8, a->platform) == -1 || a->status >= ACCT__MAX)
		return -1;
	return 0;
}

static int
pg_account_get(struct store *st, const char *id, struct account *a)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, id);
	if ((rc = pg_one(st, S_ACCOUNT_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_account(r, 0, a) == -1)
		return pg_corrupt(st, r, __func__);
	pg_seen_set(st, S_ACCOUNT_GET, a->id, r_num(r, 0, 7));
	PQclear(r);
	return STORE_OK;
}

static int
pg_account_put(struct store *st, const struct account *a)
{
	struct params	 p = { .n = 0 };
	long long	 rev = pg_seen_rev(st, S_ACCOUNT_GET, a->id);

	p_str(&p, a->id);
	p_num(&p, a->status);
	p_num(&p, a->tos);
	p_num(&p, a->created);
	p_str(&p, a->thumb);
	p_str(&p, a->key);
	p_str(&p, a->contact);
	p_str(&p, a->platform);
	if (rev < 0)
		return pg_write(st, S_ACCOUNT_INS, &p, CMD_EXEC);
	p_num(&p, rev);
	pg_seen_set(st, S_ACCOUNT_GET, a->id, rev + 1);
	return pg_write(st, S_ACCOUNT_UPD, &p, CMD_EXEC_ONE);
}

static int
pg_key_get(struct store *st, const char *thumb, char *id)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, thumb);
	if ((rc = pg_one(st, S_KEY_GET, &p, &r)) != STORE_OK)
		return rc;
	if (PQgetlength(r, 0, 0) != ID_LEN)
		return pg_corrupt(st, r, __func__);
	r_copy(r, 0, 0, id, ID_LEN + 1, 1, NULL);
	PQclear(r);
	return STORE_OK;
}

static int
pg_key_put(struct store *st, const char *thumb, const char *id)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, thumb);
	p_str(&p, id);
	rc = pg_one(st, S_KEY_PUT, &p, &r);
	PQclear(r);
	return rc == STORE_NOTFOUND ? STORE_EXISTS : rc;
}

static int
pg_key_del(struct store *st, const char *thumb)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, thumb);
	rc = pg_one(st, S_KEY_DEL, &p, &r);
	PQclear(r);
	return rc;
}

/* --- Orders --------------------------------------------------------- */

static int
pg_row_order(const PGresult *r, int i, struct order *o)
{
	size_t	 n;

	memset(o, 0, sizeof(*o));
	o->version = ORDER_VERSION;
	o->status = (uint8_t)r_num(r, i, 2);
	o->authz = (uint8_t)r_num(r, i, 3);
	o->chall = (uint8_t)r_num(r, i, 4);
	o->sends = (uint8_t)r_num(r, i, 5);
	o->tries = (uint8_t)r_num(r, i, 6);
	o->error = (uint8_t)r_num(r, i, 7);
	o->created = r_num(r, i, 8);
	o->expires = r_num(r, i, 9);
	o->has_nb = !PQgetisnull(r, i, 10);
	o->not_before = r_num(r, i, 10);
	o->has_na = !PQgetisnull(r, i, 11);
	o->not_after = r_num(r, i, 11);
	o->authz_expires = r_num(r, i, 12);
	o->validated = r_num(r, i, 13);
	o->code_expires = r_num(r, i, 14);
	o->last_send = r_num(r, i, 15);
	if (R_STR(r, i, 0, o->id) == -1 || R_STR(r, i, 1, o->acct) == -1 ||
	    R_STR(r, i, 16, o->ident) == -1 || R_STR(r, i, 17, o->tn) == -1 ||
	    R_STR(r, i, 18, o->token) == -1 ||
	    r_copy(r, i, 19, o->code_mac, sizeof(o->code_mac), 0, &n) == -1 ||
	    R_STR(r, i, 20, o->detail) == -1 ||
	    R_STR(r, i, 22, o->profile) == -1 ||
	    R_STR(r, i, 23, o->replaces) == -1 ||
	    R_STR(r, i, 24, o->proof) == -1 || o->status >= ORDER__MAX ||
	    o->authz >= AUTHZ__MAX || o->chall >= CHALL__MAX)
		return -1;
	return 0;
}

static int
pg_order_get(struct store *st, const char *id, struct order *o)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, id);
	if ((rc = pg_one(st, S_ORDER_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_order(r, 0, o) == -1)
		return pg_corrupt(st, r, __func__);
	pg_seen_set(st, S_ORDER_GET, o->id, r_num(r, 0, 21));
	PQclear(r);
	return STORE_OK;
}

static int
pg_order_put(struct store *st, const struct order *o)
{
	struct params	 p = { .n = 0 };
	long long	 rev = pg_seen_rev(st, S_ORDER_GET, o->id);

	p_str(&p, o->id);
	p_str(&p, o->acct);
	p_num(&p, o->status);
	p_num(&p, o->authz);
	p_num(&p, o->chall);
	p_num(&p, o->sends);
	p_num(&p, o->tries);
	p_num(&p, o->error);
	p_num(&p, o->created);
	p_num(&p, o->expires);
	if (o->has_nb)
		p_num(&p, o->not_before);
	else
		p_null(&p);
	if (o->has_na)
		p_num(&p, o->not_after);
	else
		p_null(&p);
	p_num(&p, o->authz_expires);
	p_num(&p, o->validated);
	p_num(&p, o->code_expires);
	p_num(&p, o->last_send);
	p_str(&p, o->ident);
	p_str(&p, o->tn);
	p_str(&p, o->token);
	p_bytes(&p, o->code_mac, sizeof(o->code_mac));
	p_str(&p, o->detail);
	p_str(&p, o->profile);
	p_str(&p, o->replaces);
	p_str(&p, o->proof);
	if (rev < 0)
		return pg_write(st, S_ORDER_INS, &p, CMD_EXEC);
	p_num(&p, rev);
	pg_seen_set(st, S_ORDER_GET, o->id, rev + 1);
	return pg_write(st, S_ORDER_UPD, &p, CMD_EXEC_ONE);
}

static int
pg_acct_order_add(struct store *st, const struct order *o)
{
	struct params	 p = { .n = 0 };

	p_str(&p, o->acct);
	p_num(&p, o->created);
	p_str(&p, o->id);
	return pg_write(st, S_ACCT_ORDER_ADD, &p, CMD_EXEC);
}

static int
pg_acct_orders(struct store *st, const char *acct, const char *after,
    int max, int *more, int (*fn)(void *, const struct order *), void *arg)
{
	struct params	 p = { .n = 0 };
	struct order	 o;
	PGresult	*r;
	int		 i, n = 0;

	*more = 0;
	p_str(&p, acct);
	if (after != NULL)
		p_str(&p, after);
	else
		p_null(&p);
	p_null(&p);	/* no LIMIT: fn may skip orders */
	if ((r = pg_exec(st, S_ACCT_ORDERS, &p)) == NULL)
		return STORE_ERR;
	for (i = 0; i < PQntuples(r); i++) {
		if (pg_row_order(r, i, &o) == -1)
			continue;
		if (n == max) {
			*more = 1;
			break;
		}
		n += fn(arg, &o);
	}
	PQclear(r);
	return pg_failed(st) ? STORE_ERR : n;
}

/* Every order, PG_WALK_BATCH at a time in id order (an operator's tool
 * over a large table holds one batch, not the table). */
static int
pg_orders_walk(struct store *st, int (*fn)(void *, const struct order *),
    void *arg)
{
	struct params	 p;
	struct order	 o;
	char		 after[ID_LEN + 1] = "";
	PGresult	*r;
	int		 i, n, stop = 0;

	do {
		p.n = 0;
		if (after[0] != '\0')
			p_str(&p, after);
		else
			p_null(&p);
		p_num(&p, PG_WALK_BATCH);
		if ((r = pg_exec(st, S_ORDERS_WALK, &p)) == NULL)
			return STORE_ERR;
		n = PQntuples(r);
		for (i = 0; i < n && !stop; i++) {
			if (R_STR(r, i, 0, after) == -1)
				return pg_corrupt(st, r, __func__);
			if (pg_row_order(r, i, &o) == 0)
				stop = fn(arg, &o) == -1;
		}
		PQclear(r);
	} while (n == PG_WALK_BATCH && !stop);
	return pg_failed(st) ? STORE_ERR : STORE_OK;
}

/* --- Replacement (RFC 9773) ----------------------------------------- */

static int
pg_replaced_by(struct store *st, const char *cert, char *order)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	if (strlen(cert) > ID_LEN)
		return STORE_NOTFOUND;
	p_str(&p, cert);
	if ((rc = pg_one(st, S_REPLACED_BY, &p, &r)) != STORE_OK)
		return rc;
	if (PQgetlength(r, 0, 0) != ID_LEN)
		return pg_corrupt(st, r, __func__);
	r_copy(r, 0, 0, order, ID_LEN + 1, 1, NULL);
	PQclear(r);
	return STORE_OK;
}

/* The claim is the insert (prev NULL) or the update from prev; no row
 * back is STORE_EXISTS, and the transaction goes on, as on Berkeley DB. */
static int
pg_replace(struct store *st, const char *cert, const char *order,
    const char *prev)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	if (strlen(cert) > ID_LEN || strlen(order) != ID_LEN)
		return STORE_ERR;
	p_str(&p, cert);
	p_str(&p, order);
	if (prev != NULL)
		p_str(&p, prev);
	rc = pg_one(st, prev == NULL ? S_REPLACE_INS : S_REPLACE_UPD, &p, &r);
	PQclear(r);
	return rc == STORE_NOTFOUND ? STORE_EXISTS : rc;
}

/* --- Certificates --------------------------------------------------- */

static int
pg_row_cert(const PGresult *r, int i, struct cert *c)
{
	size_t	 n, len;

	memset(c, 0, sizeof(*c));
	c->version = 1;
	c->issued = r_num(r, i, 3);
	c->not_after = r_num(r, i, 4);
	c->revoked = PQgetlength(r, i, 5) == 1 && PQgetvalue(r, i, 5)[0];
	c->reason = (int8_t)r_num(r, i, 6);
	c->revoked_at = r_num(r, i, 7);
	if (R_STR(r, i, 0, c->id) == -1 || R_STR(r, i, 1, c->acct) == -1 ||
	    r_copy(r, i, 2, c->serial, SERIAL_LEN, 0, &n) == -1 ||
	    n != SERIAL_LEN ||
	    r_copy(r, i, 8, c->der, sizeof(c->der), 0, &len) == -1)
		return -1;
	c->derlen = (uint32_t)len;
	return 0;
}

static int
pg_cert_get(struct store *st, const char *id, struct cert *c)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, id);
	if ((rc = pg_one(st, S_CERT_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_cert(r, 0, c) == -1)
		return pg_corrupt(st, r, __func__);
	pg_seen_set(st, S_CERT_GET, c->id, r_num(r, 0, 9));
	PQclear(r);
	return STORE_OK;
}

static int
pg_cert_put(struct store *st, const struct cert *c)
{
	struct params	 p = { .n = 0 };
	long long	 rev = pg_seen_rev(st, S_CERT_GET, c->id);

	if (c->derlen > sizeof(c->der))
		return STORE_ERR;
	p_str(&p, c->id);
	p_str(&p, c->acct);
	p_bytes(&p, c->serial, SERIAL_LEN);
	p_num(&p, c->issued);
	p_num(&p, c->not_after);
	p_str(&p, c->revoked ? "true" : "false");
	p_num(&p, c->reason);
	p_num(&p, c->revoked_at);
	p_bytes(&p, c->der, c->derlen);
	if (rev < 0)
		return pg_write(st, S_CERT_INS, &p, CMD_EXEC);
	p_num(&p, rev);
	pg_seen_set(st, S_CERT_GET, c->id, rev + 1);
	return pg_write(st, S_CERT_UPD, &p, CMD_EXEC_ONE);
}

static int
pg_serial_get(struct store *st, const unsigned char *serial, char *id)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_bytes(&p, serial, SERIAL_LEN);
	if ((rc = pg_one(st, S_SERIAL_GET, &p, &r)) != STORE_OK)
		return rc;
	if (r_copy(r, 0, 0, id, ID_LEN + 1, 1, NULL) == -1)
		return pg_corrupt(st, r, __func__);
	PQclear(r);
	return STORE_OK;
}

static int
pg_revoked(struct store *st, int (*fn)(void *, const struct cert *),
    void *arg)
{
	struct params	 p = { .n = 0 };
	struct cert	*c;
	PGresult	*r;
	int		 i;

	if ((c = malloc(sizeof(*c))) == NULL)
		return STORE_ERR;
	if ((r = pg_exec(st, S_REVOKED, &p)) == NULL) {
		free(c);
		return STORE_ERR;
	}
	for (i = 0; i < PQntuples(r); i++)
		if (pg_row_cert(r, i, c) == 0 && fn(arg, c) == -1)
			break;
	PQclear(r);
	free(c);
	return pg_failed(st) ? STORE_ERR : STORE_OK;
}

/* --- Nonces, the outbox, counters ----------------------------------- */

static int
pg_nonce_use(struct store *st, const unsigned char *n, size_t len,
    int64_t expires)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	if (len != NONCE_RAW_LEN)
		return STORE_ERR;
	p_bytes(&p, n, len);
	p_num(&p, expires);
	rc = pg_one(st, S_NONCE_USE, &p, &r);
	PQclear(r);
	return rc == STORE_NOTFOUND ? STORE_EXISTS : rc;
}

static int
pg_row_sms(const PGresult *r, int i, struct sms *m)
{
	size_t	 n;

	memset(m, 0, sizeof(*m));
	m->version = 1;
	m->state = (uint8_t)r_num(r, i, 1);
	m->attempts = (uint8_t)r_num(r, i, 2);
	m->created = r_num(r, i, 3);
	m->next_try = r_num(r, i, 4);
	m->expires = r_num(r, i, 5);
	m->sent_at = r_num(r, i, 6);
	if (R_STR(r, i, 0, m->id) == -1 || R_STR(r, i, 7, m->order) == -1 ||
	    R_STR(r, i, 8, m->acct) == -1 || R_STR(r, i, 9, m->to) == -1 ||
	    r_copy(r, i, 10, m->sealed, sizeof(m->sealed), 0, &n) == -1 ||
	    R_STR(r, i, 11, m->msgid) == -1 ||
	    R_STR(r, i, 12, m->error) == -1 || m->state >= OUTBOX__MAX)
		return -1;
	m->sealedlen = (uint32_t)n;
	return 0;
}

static int
pg_sms_put(struct store *st, const struct sms *m)
{
	struct params	 p = { .n = 0 };

	if (m->sealedlen > sizeof(m->sealed))
		return STORE_ERR;
	p_str(&p, m->id);
	p_num(&p, m->state);
	p_num(&p, m->attempts);
	p_num(&p, m->created);
	p_num(&p, m->next_try);
	p_num(&p, m->expires);
	p_num(&p, m->sent_at);
	p_str(&p, m->order);
	p_str(&p, m->acct);
	p_str(&p, m->to);
	p_bytes(&p, m->sealed, m->sealedlen);
	p_str(&p, m->msgid);
	p_str(&p, m->error);
	return pg_write(st, S_SMS_PUT, &p, CMD_EXEC);
}

static int
pg_sms_get(struct store *st, const char *id, struct sms *m)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, id);
	if ((rc = pg_one(st, S_SMS_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_sms(r, 0, m) == -1)
		return pg_corrupt(st, r, __func__);
	PQclear(r);
	return STORE_OK;
}

static int
pg_sms_queued(struct store *st, int (*fn)(void *, struct sms *), void *arg)
{
	struct params	 p = { .n = 0 };
	struct sms	*m;
	PGresult	*r;
	int		 i;

	if ((m = malloc(sizeof(*m))) == NULL)
		return STORE_ERR;
	if ((r = pg_exec(st, S_SMS_QUEUED, &p)) == NULL) {
		free(m);
		return STORE_ERR;
	}
	for (i = 0; i < PQntuples(r); i++)
		if (pg_row_sms(r, i, m) == 0 && fn(arg, m) == -1)
			break;
	PQclear(r);
	free(m);
	return pg_failed(st) ? STORE_ERR : STORE_OK;
}

static int
pg_due_add(struct store *st, int64_t when, const char *id)
{
	struct params	 p = { .n = 0 };

	if (strlen(id) >= SMS_ID_MAX)
		return STORE_ERR;
	p_num(&p, when);
	p_str(&p, id);
	return pg_write(st, S_DUE_ADD, &p, CMD_EXEC);
}

static int
pg_due_take(struct store *st, int64_t now, char ids[][SMS_ID_MAX], int max)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 i, n = 0;

	p_num(&p, now);
	p_num(&p, max);
	if ((r = pg_exec(st, S_DUE_TAKE, &p)) == NULL)
		return STORE_ERR;
	for (i = 0; i < PQntuples(r) && n < max; i++)
		if (r_copy(r, i, 0, ids[n], SMS_ID_MAX, 1, NULL) == 0)
			n++;
	PQclear(r);
	return n;
}

/* The retry index read: in a transaction, or outside any (a statement
 * of its own, which starts clean of a previous transaction's failure). */
static int
pg_due_peek(struct store *st, int64_t now, char ids[][SMS_ID_MAX],
    int64_t *when, int max)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 i, n = 0;

	if (!st->intx)
		st->deadlock = st->failed = 0;
	if (max <= 0)
		return 0;
	p_num(&p, now);
	p_num(&p, max);
	if ((r = pg_exec(st, S_DUE_PEEK, &p)) == NULL)
		return STORE_ERR;
	for (i = 0; i < PQntuples(r) && n < max; i++) {
		when[n] = r_num(r, i, 0);
		if (r_copy(r, i, 1, ids[n], SMS_ID_MAX, 1, NULL) == 0)
			n++;
	}
	PQclear(r);
	return n;
}

static int
pg_due_del(struct store *st, int64_t when, const char *id)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	if (strlen(id) >= SMS_ID_MAX)
		return STORE_ERR;
	p_num(&p, when);
	p_str(&p, id);
	rc = pg_one(st, S_DUE_DEL, &p, &r);
	PQclear(r);
	return rc;
}

/* The counter key as this transaction knows it, or NULL. */
static struct ctr *
pg_ctr(struct store *st, const char *key)
{
	int	 i;

	for (i = 0; i < st->nctrs; i++)
		if (strcmp(st->ctrs[i].key, key) == 0)
			return &st->ctrs[i];
	if (!st->intx || st->nctrs == PG_COUNTERS_MAX ||
	    strlen(key) >= STORE_KEY_MAX)
		return NULL;
	strcpy(st->ctrs[st->nctrs].key, key);
	st->ctrs[st->nctrs].window_end = INT64_MIN;
	return &st->ctrs[st->nctrs++];
}

/*
 * Counters: a read (n == 0) is a round trip; an add to a counter the
 * transaction read already is queued, its sum known: at SERIALIZABLE the
 * value read stays the value, or the commit fails and the request runs
 * again. Limits read a counter, then add to it: one round trip each.
 */
static int
pg_count(struct store *st, const char *key, int64_t window_end, int n,
    long *value)
{
	struct params	 p = { .n = 0 };
	struct ctr	*c = pg_ctr(st, key);
	PGresult	*r;
	int		 rc;

	p_str(&p, key);
	if (n == 0) {
		if ((rc = pg_one(st, S_COUNT_GET, &p, &r)) == STORE_ERR)
			return rc;
		*value = rc == STORE_OK && r_num(r, 0, 0) == window_end ?
		    (long)r_num(r, 0, 1) : 0;
		PQclear(r);
		if (c != NULL) {
			c->window_end = window_end;
			c->value = *value;
		}
		return STORE_OK;
	}
	p_num(&p, window_end);
	p_num(&p, n);
	if (c != NULL && c->window_end == window_end) {
		c->value += n;
		*value = c->value;
		return pg_write(st, S_COUNT_ADD, &p, CMD_EXEC);
	}
	if ((rc = pg_one(st, S_COUNT_ADD, &p, &r)) != STORE_OK)
		return rc == STORE_NOTFOUND ? STORE_ERR : rc;
	*value = (long)r_num(r, 0, 0);
	PQclear(r);
	if (c != NULL) {
		c->window_end = window_end;
		c->value = *value;
	}
	return STORE_OK;
}

static int
pg_meta_above(struct store *st, const char *key, uint64_t floor,
    uint64_t *value)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	if (floor > INT64_MAX)
		return STORE_ERR;
	p_str(&p, key);
	p_num(&p, (long long)floor);
	if ((rc = pg_one(st, S_META_ABOVE, &p, &r)) != STORE_OK)
		return rc == STORE_NOTFOUND ? STORE_ERR : rc;
	*value = (uint64_t)r_num(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

static int
pg_meta_next(struct store *st, const char *key, uint64_t *value)
{
	return pg_meta_above(st, key, 0, value);
}

/* --- Sliding windows (rate limits) ---------------------------------- */

/* A one-dimensional array of integers in binary form, of exactly n
 * elements and no NULL: -1 otherwise. */
static int
r_array(const PGresult *r, int row, int col, int64_t *out, int n)
{
	const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
	size_t		 len = (size_t)PQgetlength(r, row, col), off = 20, k;
	uint64_t	 v;
	uint32_t	 el;
	int		 i;

	if (PQgetisnull(r, row, col) || len < off || pg_be32(p) != 1 ||
	    pg_be32(p + 12) != (uint32_t)n)
		return -1;
	for (i = 0; i < n; i++) {
		if (off + 4 > len)
			return -1;
		el = pg_be32(p + off);
		off += 4;
		if ((el != 4 && el != 8) || off + el > len)
			return -1;
		for (v = 0, k = 0; k < el; k++)
			v = v << 8 | p[off + k];
		out[i] = el == 4 ? (int32_t)v : (int64_t)v;
		off += el;
	}
	return off == len ? 0 : -1;
}

/* The row of a window; -1 when it is not one of WINDOW_SLOTS slots. */
static int
pg_row_window(const PGresult *r, int i, char *key, size_t ksize,
    struct window *w)
{
	int64_t	 n[WINDOW_SLOTS], last[WINDOW_SLOTS];
	int	 j;

	memset(w, 0, sizeof(*w));
	if (r_copy(r, i, 0, key, ksize, 1, NULL) == -1 ||
	    r_array(r, i, 3, n, WINDOW_SLOTS) == -1 ||
	    r_array(r, i, 4, last, WINDOW_SLOTS) == -1)
		return -1;
	for (j = 0; j < WINDOW_SLOTS; j++) {
		if (n[j] < 0 || n[j] > UINT32_MAX || last[j] < 0 ||
		    last[j] > UINT16_MAX)
			return -1;
		w->n[j] = (uint32_t)n[j];
		w->last[j] = (uint16_t)last[j];
	}
	w->expires = r_num(r, i, 1);
	w->slot = r_num(r, i, 2);
	return 0;
}

/* No record, or one of another slot count: *w zeroed, STORE_NOTFOUND
 * (as on Berkeley DB, where its size differs). */
static int
pg_window_get(struct store *st, const char *key, struct window *w)
{
	struct params	 p = { .n = 0 };
	char		 k[STORE_KEY_MAX];
	PGresult	*r;
	int		 rc;

	p_str(&p, key);
	rc = pg_one(st, S_WINDOW_GET, &p, &r);
	if (rc == STORE_OK && pg_row_window(r, 0, k, sizeof(k), w) == -1)
		rc = STORE_NOTFOUND;
	PQclear(r);
	if (rc == STORE_NOTFOUND)
		memset(w, 0, sizeof(*w));
	return rc;
}

/* An array literal of the window's counts (last == 0) or times. */
static int
pg_window_text(char *buf, size_t size, const struct window *w, int last)
{
	size_t	 n = 1;
	int	 j;

	buf[0] = '{';
	for (j = 0; j < WINDOW_SLOTS && n < size; j++)
		n += (size_t)snprintf(buf + n, size - n, "%s%lu", j ? "," : "",
		    last ? (unsigned long)w->last[j] : (unsigned long)w->n[j]);
	if (n + 2 > size)
		return -1;
	buf[n++] = '}';
	buf[n] = '\0';
	return 0;
}

/* A write queued with the next read or the commit. */
static int
pg_window_put(struct store *st, const char *key, const struct window *w)
{
	struct params	 p = { .n = 0 };
	char		 n[WINDOW_SLOTS * 11 + 3], last[WINDOW_SLOTS * 6 + 3];

	if (strlen(key) >= STORE_KEY_MAX ||
	    pg_window_text(n, sizeof(n), w, 0) == -1 ||
	    pg_window_text(last, sizeof(last), w, 1) == -1)
		return STORE_ERR;
	p_str(&p, key);
	p_num(&p, w->expires);
	p_num(&p, w->slot);
	p_str(&p, n);
	p_str(&p, last);
	return pg_write(st, S_WINDOW_PUT, &p, CMD_EXEC);
}

/* --- Platforms ------------------------------------------------------ */

/* A one-dimensional binary array (or an empty one), read element by
 * element; NULL elements are refused. */
struct arr {
	const unsigned char	*p;
	size_t			 len, off;
	int			 n;
};

static int
arr_open(const PGresult *r, int row, int col, struct arr *a, int max)
{
	a->p = (const unsigned char *)PQgetvalue(r, row, col);
	a->len = (size_t)PQgetlength(r, row, col);
	if (PQgetisnull(r, row, col) || a->len < 12)
		return -1;
	if (pg_be32(a->p) == 0) {
		a->n = 0;
		a->off = 12;
	} else if (pg_be32(a->p) == 1 && a->len >= 20 &&
	    pg_be32(a->p + 12) <= (uint32_t)max) {
		a->n = (int)pg_be32(a->p + 12);
		a->off = 20;
	} else
		return -1;
	return 0;
}

/* The next element: its octets and length; -1 past the end. */
static int
arr_next(struct arr *a, const unsigned char **v, size_t *len)
{
	uint32_t	 el;

	if (a->off + 4 > a->len)
		return -1;
	el = pg_be32(a->p + a->off);
	a->off += 4;
	if (el > a->len - a->off)	/* also NULL: 0xffffffff */
		return -1;
	*v = a->p + a->off;
	*len = el;
	a->off += el;
	return 0;
}

/* The next element as a string of less than size octets. */
static int
arr_str(struct arr *a, char *dst, size_t size)
{
	const unsigned char	*v;
	size_t			 len;

	if (arr_next(a, &v, &len) == -1 || len >= size ||
	    memchr(v, '\0', len) != NULL)
		return -1;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/* The next element as an integer (integer or bigint). */
static int
arr_num(struct arr *a, int64_t *out)
{
	const unsigned char	*v;
	uint64_t		 x = 0;
	size_t			 len, k;

	if (arr_next(a, &v, &len) == -1 || (len != 4 && len != 8))
		return -1;
	for (k = 0; k < len; k++)
		x = x << 8 | v[k];
	*out = len == 4 ? (int32_t)x : (int64_t)x;
	return 0;
}

/* The held prefixes: six parallel arrays (columns 12 to 17) of the slots
 * in use. */
static int
pg_row_held(const PGresult *r, int i, struct platform *pl)
{
	struct arr		 a[6];
	struct guard_hold	*h;
	int64_t			 slot, sent, done;
	int			 j, k;

	for (k = 0; k < 6; k++)
		if (arr_open(r, i, 12 + k, &a[k], GUARD_HELD_MAX) == -1 ||
		    a[k].n != a[0].n)
			return -1;
	for (j = 0; j < a[0].n; j++) {
		if (arr_num(&a[0], &slot) == -1 || slot < 0 ||
		    slot >= GUARD_HELD_MAX)
			return -1;
		h = &pl->held[slot];
		if (arr_str(&a[1], h->prefix, sizeof(h->prefix)) == -1 ||
		    arr_num(&a[2], &h->since) == -1 ||
		    arr_num(&a[3], &h->until) == -1 ||
		    arr_num(&a[4], &sent) == -1 ||
		    arr_num(&a[5], &done) == -1 || sent < 0 ||
		    sent > UINT32_MAX || done < 0 || done > UINT32_MAX)
			return -1;
		h->sent = (uint32_t)sent;
		h->done = (uint32_t)done;
	}
	for (k = 0; k < 6; k++)
		if (a[k].off != a[k].len)
			return -1;
	return 0;
}

static int
pg_row_platform(const PGresult *r, int i, struct platform *pl)
{
	struct arr	 h, x;
	size_t		 n;
	int		 j;

	memset(pl, 0, sizeof(*pl));
	pl->version = 1;
	pl->status = (uint8_t)r_num(r, i, 1);
	pl->created = r_num(r, i, 2);
	pl->rotated = r_num(r, i, 3);
	pl->sms_hour = r_num(r, i, 4);
	pl->sms_day = r_num(r, i, 5);
	if (R_STR(r, i, 0, pl->name) == -1 || R_STR(r, i, 6, pl->shown) == -1 ||
	    R_STR(r, i, 7, pl->origin) == -1 || R_STR(r, i, 10, pl->kid) == -1 ||
	    r_copy(r, i, 11, pl->sealed, sizeof(pl->sealed), 0, &n) == -1 ||
	    r_num(r, i, 1) < 0 || r_num(r, i, 1) >= PLATFORM__MAX ||
	    arr_open(r, i, 8, &h, PLATFORM_HASHES_MAX) == -1 ||
	    arr_open(r, i, 9, &x, PLATFORM_PREFIXES_MAX) == -1)
		return -1;
	pl->sealedlen = (uint32_t)n;
	pl->nhashes = (uint8_t)h.n;
	pl->nprefixes = (uint8_t)x.n;
	for (j = 0; j < h.n; j++)
		if (arr_str(&h, pl->hashes[j], sizeof(pl->hashes[j])) == -1)
			return -1;
	for (j = 0; j < x.n; j++)
		if (arr_str(&x, pl->prefixes[j], sizeof(pl->prefixes[j])) == -1)
			return -1;
	if (h.off != h.len || x.off != x.len)
		return -1;
	return pg_row_held(r, i, pl);
}

static int
pg_platform_get(struct store *st, const char *name, struct platform *pl)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, name);
	if ((rc = pg_one(st, S_PLATFORM_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_platform(r, 0, pl) == -1)
		return pg_corrupt(st, r, __func__);
	PQclear(r);
	return STORE_OK;
}

/* An array literal, built element by element into buf: "{}" empty. */
struct lit {
	char	*buf;
	size_t	 size, n;
	int	 count, bad;
};

static void
lit_start(struct lit *l, char *buf, size_t size)
{
	l->buf = buf;
	l->size = size;
	l->n = 1;
	l->count = l->bad = 0;
	buf[0] = '{';
}

/* Room for c more octets and the closing "}" with its NUL. */
static int
lit_room(struct lit *l, size_t c)
{
	if (l->bad || l->n + c + 2 > l->size)
		l->bad = 1;
	return !l->bad;
}

/* A string element, quoted. */
static void
lit_str(struct lit *l, const char *s)
{
	if (!lit_room(l, 3))
		return;
	if (l->count++ > 0)
		l->buf[l->n++] = ',';
	l->buf[l->n++] = '"';
	for (; *s != '\0'; s++) {
		if (!lit_room(l, 3))
			return;
		if (*s == '"' || *s == '\\')
			l->buf[l->n++] = '\\';
		l->buf[l->n++] = *s;
	}
	l->buf[l->n++] = '"';
}

static void
lit_num(struct lit *l, long long v)
{
	char	 t[24];

	snprintf(t, sizeof(t), "%lld", v);
	if (!lit_room(l, strlen(t) + 1))
		return;
	if (l->count++ > 0)
		l->buf[l->n++] = ',';
	memcpy(l->buf + l->n, t, strlen(t));
	l->n += strlen(t);
}

/* The literal, or NULL when it did not fit. */
static const char *
lit_end(struct lit *l)
{
	if (l->bad)
		return NULL;
	l->buf[l->n++] = '}';
	l->buf[l->n] = '\0';
	return l->buf;
}

#define PG_LIT_MAX	512	/* the longest: 16 held prefixes, or times */

/* The eight array parameters of a platform (hashes, prefixes, the held
 * slots in use); -1 when one does not fit. */
static int
pg_platform_arrays(const struct platform *pl, char a[8][PG_LIT_MAX],
    const char *v[8])
{
	const struct guard_hold	*h;
	struct lit		 l[8];
	int			 j, k;

	if (pl->nhashes > PLATFORM_HASHES_MAX ||
	    pl->nprefixes > PLATFORM_PREFIXES_MAX)
		return -1;
	for (k = 0; k < 8; k++)
		lit_start(&l[k], a[k], PG_LIT_MAX);
	for (j = 0; j < pl->nhashes; j++)
		lit_str(&l[0], pl->hashes[j]);
	for (j = 0; j < pl->nprefixes; j++)
		lit_str(&l[1], pl->prefixes[j]);
	for (j = 0; j < GUARD_HELD_MAX; j++) {
		if ((h = &pl->held[j])->until == 0)
			continue;	/* a free slot */
		lit_num(&l[2], j);
		lit_str(&l[3], h->prefix);
		lit_num(&l[4], h->since);
		lit_num(&l[5], h->until);
		lit_num(&l[6], h->sent);
		lit_num(&l[7], h->done);
	}
	for (k = 0; k < 8; k++)
		if ((v[k] = lit_end(&l[k])) == NULL)
			return -1;
	return 0;
}

/* A write queued with the next read or the commit. */
static int
pg_platform_put(struct store *st, const struct platform *pl)
{
	struct params	 p = { .n = 0 };
	char		 a[8][PG_LIT_MAX];
	const char	*v[8];
	int		 k;

	if (pl->sealedlen > sizeof(pl->sealed) ||
	    pg_platform_arrays(pl, a, v) == -1)
		return STORE_ERR;
	p_str(&p, pl->name);
	p_num(&p, pl->status);
	p_num(&p, pl->created);
	p_num(&p, pl->rotated);
	p_num(&p, pl->sms_hour);
	p_num(&p, pl->sms_day);
	p_str(&p, pl->shown);
	p_str(&p, pl->origin);
	p_str(&p, v[0]);
	p_str(&p, v[1]);
	p_str(&p, pl->kid);
	p_bytes(&p, pl->sealed, pl->sealedlen);
	for (k = 2; k < 8; k++)
		p_str(&p, v[k]);
	return pg_write(st, S_PLATFORM_PUT, &p, CMD_EXEC);
}

/* In name order, up to PLATFORMS_MAX; fn returns 0 to stop. Outside a
 * transaction a statement of its own, clean of an earlier failure. */
static int
pg_platforms(struct store *st, int (*fn)(void *, const struct platform *),
    void *arg)
{
	struct params	 p = { .n = 0 };
	struct platform	*pl;
	PGresult	*r;
	int		 i, rc = STORE_OK;

	if (!st->intx)
		st->deadlock = st->failed = 0;
	if ((pl = malloc(sizeof(*pl))) == NULL)
		return STORE_ERR;
	p_num(&p, PLATFORMS_MAX);
	if ((r = pg_exec(st, S_PLATFORMS, &p)) == NULL) {
		free(pl);
		return STORE_ERR;
	}
	for (i = 0; i < PQntuples(r); i++) {
		if (pg_row_platform(r, i, pl) == -1) {
			log_err("%s: a row that does not fit its record",
			    __func__);
			st->failed = 1;
			rc = STORE_ERR;
			break;
		}
		if (fn(arg, pl) == 0)
			break;
	}
	PQclear(r);
	free(pl);
	return rc != STORE_OK || pg_failed(st) ? STORE_ERR : STORE_OK;
}

/* --- Key-value databases (the relay's) ------------------------------ */

static int
pg_kv_db(const struct store *st, int d)
{
	return d >= 0 && (size_t)d < st->ndb ? 0 : -1;
}

static int
pg_kv_get(struct store *st, int d, const void *k, size_t klen, void *buf,
    size_t size, size_t *got)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	size_t		 n;
	int		 rc;

	if (pg_kv_db(st, d) == -1)
		return STORE_ERR;
	p_str(&p, st->files[d]);
	p_bytes(&p, k, klen);
	if ((rc = pg_one(st, S_KV_GET, &p, &r)) != STORE_OK)
		return rc;
	if (r_copy(r, 0, 0, buf, size, 0, &n) == -1 ||
	    (got == NULL && n != size))
		return pg_corrupt(st, r, __func__);
	if (got != NULL)
		*got = n;
	PQclear(r);
	return STORE_OK;
}

static int
pg_kv_put(struct store *st, int d, const void *k, size_t klen,
    const void *v, size_t vlen)
{
	struct params	 p = { .n = 0 };

	if (pg_kv_db(st, d) == -1)
		return STORE_ERR;
	p_str(&p, st->files[d]);
	p_bytes(&p, k, klen);
	p_bytes(&p, v, vlen);
	return pg_write(st, S_KV_PUT, &p, CMD_EXEC);
}

static int
pg_kv_del(struct store *st, int d, const void *k, size_t klen)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	if (pg_kv_db(st, d) == -1)
		return STORE_ERR;
	p_str(&p, st->files[d]);
	p_bytes(&p, k, klen);
	rc = pg_one(st, S_KV_DEL, &p, &r);
	PQclear(r);
	return rc;
}

static int
pg_kv_prune(struct store *st, int d, long max, long *removed,
    int (*due)(struct store *, const void *k, size_t klen, const void *v,
    size_t vlen, void *arg), void *arg)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 i;

	if (pg_kv_db(st, d) == -1)
		return STORE_ERR;
	p_str(&p, st->files[d]);
	if ((r = pg_exec(st, S_KV_ALL, &p)) == NULL)
		return STORE_ERR;
	for (i = 0; i < PQntuples(r) && *removed < max; i++) {
		if (!due(st, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0),
		    PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1), arg))
			continue;
		if (pg_kv_del(st, d, PQgetvalue(r, i, 0),
		    (size_t)PQgetlength(r, i, 0)) == STORE_ERR)
			break;
		(*removed)++;
	}
	PQclear(r);
	return pg_failed(st) ? STORE_ERR : STORE_OK;
}

/* --- Maintenance ---------------------------------------------------- */

static int
pg_prune(struct store *st, int64_t now, long *removed)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	*removed = 0;
	if (pg_begin(st) != STORE_OK)
		return STORE_ERR;
	p_num(&p, now);
	if ((rc = pg_one(st, S_PRUNE, &p, &r)) != STORE_OK) {
		pg_abort(st);
		return STORE_ERR;
	}
	*removed = (long)r_num(r, 0, 0);
	PQclear(r);
	return pg_commit(st, 1);
}

static int
pg_stats(struct store *st, long *accounts, long orders[ORDER__MAX],
    long sms[OUTBOX__MAX], long *certs)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	long long	 w, k;
	int		 i;

	*accounts = *certs = 0;
	memset(orders, 0, sizeof(long) * ORDER__MAX);
	memset(sms, 0, sizeof(long) * OUTBOX__MAX);
	if (pg_begin(st) != STORE_OK)
		return STORE_ERR;
	if ((r = pg_exec(st, S_STATS, &p)) == NULL) {
		pg_abort(st);
		return STORE_ERR;
	}
	for (i = 0; i < PQntuples(r); i++) {
		w = r_num(r, i, 0);
		k = r_num(r, i, 1);
		if (w == 0)
			*accounts = (long)r_num(r, i, 2);
		else if (w == 1 && k >= 0 && k < ORDER__MAX)
			orders[k] = (long)r_num(r, i, 2);
		else if (w == 2 && k >= 0 && k < OUTBOX__MAX)
			sms[k] = (long)r_num(r, i, 2);
		else if (w == 3)
			*certs = (long)r_num(r, i, 2);
	}
	PQclear(r);
	pg_abort(st);
	return STORE_OK;
}

/* A backup is pg_dump's custom format, todir/idprover.pgdump (restore:
 * pg_restore -d URI). */
static int
pg_backup(struct store *st, const char *todir)
{
	char	 out[PATH_MAX];
	pid_t	 pid;
	int	 status;

	if ((mkdir(todir, 0700) == -1 && errno != EEXIST) ||
	    snprintf(out, sizeof(out), "%s/idprover.pgdump", todir) >=
	    (int)sizeof(out))
		return STORE_ERR;
	if ((pid = fork()) == -1)
		return STORE_ERR;
	if (pid == 0) {
		execlp("pg_dump", "pg_dump", "--format=custom", "--file", out,
		    "--dbname", st->uri, (char *)NULL);
		log_err("%s: pg_dump: %s", __func__, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		log_err("%s: pg_dump failed", __func__);
		return STORE_ERR;
	}
	return STORE_OK;
}

/* Run one schema file and record its version, in one transaction. */
static int
pg_migrate_step(struct store *st, const struct schema_step *s)
{
	char		 rec[128];
	PGresult	*r;
	int		 ok;

	snprintf(rec, sizeof(rec), "INSERT INTO schema_version (version, "
	    "file) VALUES (%d, '%s')", s->version, s->name);
	r = PQexec(st->conn, "BEGIN");
	PQclear(r);
	r = PQexec(st->conn, s->sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		log_err("%s: %s: %s", __func__, s->name,
		    PQresultErrorMessage(r));
	PQclear(r);
	if (ok) {
		r = PQexec(st->conn, rec);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	r = PQexec(st->conn, ok ? "COMMIT" : "ROLLBACK");
	ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

/* One query outside the pipeline; 0 when it worked. */
static int
pg_simple(struct store *st, const char *sql, int *value)
{
	PGresult	*r = PQexec(st->conn, sql);
	int		 ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		log_err("%s: %s", __func__, PQresultErrorMessage(r));
	else if (value != NULL)
		*value = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return ok ? 0 : -1;
}

/* Bring the schema to SCHEMA_VERSION, one file after the other, under an
 * advisory lock (two nodes may migrate at once). */
static int
pg_migrate(struct store *st, int *from, int *to)
{
	char	 lock[64];
	size_t	 i;
	int	 rc = STORE_ERR;

	*from = *to = 0;
	if (pg_ready(st) == -1 || PQexitPipelineMode(st->conn) != 1)
		return STORE_ERR;
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%d)",
	    PG_LOCK_MIGRATE);
	if (pg_simple(st, lock, NULL) == -1 ||
	    pg_simple(st, "CREATE TABLE IF NOT EXISTS schema_version ("
	    "version integer PRIMARY KEY, file text NOT NULL, "
	    "applied timestamptz NOT NULL DEFAULT now())", NULL) == -1 ||
	    pg_simple(st, "SELECT coalesce(max(version), 0) FROM "
	    "schema_version", from) == -1)
		goto out;
	*to = *from;
	if (*from > SCHEMA_VERSION) {
		log_err("%s: the database's schema is version %d, newer than "
		    "this program's %d", __func__, *from, SCHEMA_VERSION);
		goto out;
	}
	for (i = 0; i < sizeof(schema_steps) / sizeof(schema_steps[0]); i++) {
		if (schema_steps[i].version <= *to)
			continue;
		if (pg_migrate_step(st, &schema_steps[i]) == -1)
			goto out;
		*to = schema_steps[i].version;
	}
	rc = STORE_OK;
out:
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_unlock(%d)",
	    PG_LOCK_MIGRATE);
	pg_simple(st, lock, NULL);
	memset(st->prepared, 0, sizeof(st->prepared));
	PQenterPipelineMode(st->conn);
	return rc;
}

/* --- Copying: every record, and writing one back -------------------- */

static int
pg_dump_row(const PGresult *r, int i, struct store_rec *x)
{
	size_t	 n;

	switch (x->kind) {
	case SK_ACCOUNT:
		return pg_row_account(r, i, &x->u.a);
	case SK_KEY:
		return R_STR(r, i, 0, x->u.key.thumb) |
		    R_STR(r, i, 1, x->u.key.id);
	case SK_ORDER:
		return pg_row_order(r, i, &x->u.o);
	case SK_ACCT_ORDER:
		x->u.o.created = r_num(r, i, 1);
		return R_STR(r, i, 0, x->u.o.acct) | R_STR(r, i, 2, x->u.o.id);
	case SK_CERT:
		return pg_row_cert(r, i, &x->u.c);
	case SK_NONCE:
		x->u.nonce.expires = r_num(r, i, 1);
		return r_copy(r, i, 0, x->u.nonce.n, NONCE_RAW_LEN, 0, &n) |
		    (n == NONCE_RAW_LEN ? 0 : -1);
	case SK_SMS:
		return pg_row_sms(r, i, &x->u.m);
	case SK_DUE:
		x->u.due.when = r_num(r, i, 0);
		return R_STR(r, i, 1, x->u.due.id);
	case SK_COUNTER:
		x->u.ctr.window_end = r_num(r, i, 1);
		x->u.ctr.value = (long)r_num(r, i, 2);
		return R_STR(r, i, 0, x->u.ctr.key);
	case SK_META:
		x->u.ctr.meta = (uint64_t)r_num(r, i, 1);
		return R_STR(r, i, 0, x->u.ctr.key);
	case SK_PLATFORM:
		return pg_row_platform(r, i, &x->u.p);
	case SK_REPLACED:
		return R_STR(r, i, 0, x->u.repl.cert) |
		    R_STR(r, i, 1, x->u.repl.order);
	default:
		return pg_row_window(r, i, x->u.win.key, sizeof(x->u.win.key),
		    &x->u.win.w);
	}
}

static int
pg_dump(struct store *st, int (*fn)(void *, const struct store_rec *),
    void *arg)
{
	struct params	 p = { .n = 0 };
	struct store_rec *x;
	PGresult	*r;
	int		 k, i, rc = STORE_OK;

	if ((x = malloc(sizeof(*x))) == NULL)
		return STORE_ERR;
	for (k = 0; k < SK__MAX && rc == STORE_OK; k++) {
		if ((r = pg_exec(st, dump_stmts[k], &p)) == NULL) {
			rc = STORE_ERR;
			break;
		}
		for (i = 0; i < PQntuples(r) && rc == STORE_OK; i++) {
			memset(x, 0, sizeof(*x));
			x->kind = (enum store_kind)k;
			if (pg_dump_row(r, i, x) == -1)
				log_warn("%s: %s: a row that does not fit its "
				    "record is left out", __func__,
				    store_kinds[k]);
			else if (fn(arg, x) == -1)
				rc = STORE_ERR;
		}
		PQclear(r);
	}
	free(x);
	return rc;
}

static int
pg_load(struct store *st, const struct store_rec *x)
{
	struct params	 p = { .n = 0 };

	st->nseen = 0;	/* a copy overwrites whatever is there */
	switch (x->kind) {
	case SK_ACCOUNT:
		return pg_account_put(st, &x->u.a);
	case SK_KEY:
		p_str(&p, x->u.key.thumb);
		p_str(&p, x->u.key.id);
		return pg_write(st, S_KEY_SET, &p, CMD_EXEC);
	case SK_ORDER:
		return pg_order_put(st, &x->u.o);
	case SK_ACCT_ORDER:
		return pg_acct_order_add(st, &x->u.o);
	case SK_CERT:
		return pg_cert_put(st, &x->u.c);
	case SK_NONCE:
		p_bytes(&p, x->u.nonce.n, NONCE_RAW_LEN);
		p_num(&p, x->u.nonce.expires);
		return pg_write(st, S_NONCE_USE, &p, CMD_EXEC);
	case SK_SMS:
		return pg_sms_put(st, &x->u.m);
	case SK_DUE:
		return pg_due_add(st, x->u.due.when, x->u.due.id);
	case SK_COUNTER:
		p_str(&p, x->u.ctr.key);
		p_num(&p, x->u.ctr.window_end);
		p_num(&p, x->u.ctr.value);
		return pg_write(st, S_COUNT_SET, &p, CMD_EXEC);
	case SK_META:
		p_str(&p, x->u.ctr.key);
		p_num(&p, (long long)x->u.ctr.meta);
		return pg_write(st, S_META_SET, &p, CMD_EXEC);
	case SK_WINDOW:
		return pg_window_put(st, x->u.win.key, &x->u.win.w);
	case SK_PLATFORM:
		return pg_platform_put(st, &x->u.p);
	case SK_REPLACED:
		if (strlen(x->u.repl.order) != ID_LEN)
			return STORE_ERR;
		p_str(&p, x->u.repl.cert);
		p_str(&p, x->u.repl.order);
		return pg_write(st, S_REPLACE_SET, &p, CMD_EXEC);
	default:
		return STORE_ERR;
	}
}

/* The PostgreSQL engine behind store.h. */
static const struct store_engine pg_engine = {
	.name = "postgresql",
	.abort = pg_abort,
	.account_get = pg_account_get,
	.account_put = pg_account_put,
	.acct_order_add = pg_acct_order_add,
	.acct_orders = pg_acct_orders,
	.backup = pg_backup,
	.begin = pg_begin,
	.cert_get = pg_cert_get,
	.cert_put = pg_cert_put,
	.close = pg_close,
	.commit = pg_commit,
	.count = pg_count,
	.due_add = pg_due_add,
	.due_take = pg_due_take,
	.dump = pg_dump,
	.due_del = pg_due_del,
	.due_peek = pg_due_peek,
	.fail = pg_fail,
	.failed = pg_failed,
	.idle = pg_idle,
	.key_del = pg_key_del,
	.key_get = pg_key_get,
	.key_put = pg_key_put,
	.kv_del = pg_kv_del,
	.kv_get = pg_kv_get,
	.kv_prune = pg_kv_prune,
	.kv_put = pg_kv_put,
	.load = pg_load,
	.meta_above = pg_meta_above,
	.meta_next = pg_meta_next,
	.migrate = pg_migrate,
	.nest_begin = pg_nest_begin,
	.nest_end = pg_nest_end,
	.nonce_use = pg_nonce_use,
	.order_get = pg_order_get,
	.order_put = pg_order_put,
	.orders_walk = pg_orders_walk,
	.replace = pg_replace,
	.replaced_by = pg_replaced_by,
	.panicked = pg_panicked,
	.platform_get = pg_platform_get,
	.platform_put = pg_platform_put,
	.platforms = pg_platforms,
	.prune = pg_prune,
	.reopen = pg_reopen,
	.retry = pg_retry,
	.revoked = pg_revoked,
	.serial_get = pg_serial_get,
	.sms_get = pg_sms_get,
	.sms_put = pg_sms_put,
	.sms_queued = pg_sms_queued,
	.stats = pg_stats,
	.unavailable = pg_unavailable,
	.window_get = pg_window_get,
	.window_put = pg_window_put,
};

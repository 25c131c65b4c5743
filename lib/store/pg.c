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

#include "log.h"
#include "pgint.h"
#include "schema.h"	/* generated from sql/ by scripts/sql2c.sh */

static void	pg_close(struct store *);

uint32_t
pg_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* (Re)connect when the connection is not good. A server that went away
 * while the connection was idle (a restart of the database) left on the
 * socket its last message, then the end of file: read both (the socket
 * does not block; a read stops after data) so that the connection is
 * known bad here, not by the failure of the next request. */
int
pg_ready(struct store *st)
{
	if (PQstatus(st->conn) == CONNECTION_OK &&
	    PQconsumeInput(st->conn) == 1)
		PQconsumeInput(st->conn);
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

	if (strlen(uri) >= PG_URI_MAX || pq_load() == -1 ||
	    pg_check_uri(uri) == -1 ||
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

int
pg_begin(struct store *st)
{
	st->deadlock = st->failed = 0;
	st->nseen = st->nctrs = st->nwins = 0;
	st->nonce_state = 0;
	st->key_absent[0] = '\0';
	st->cert_ahead = 0;
	pg_ahead_drop(st);
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

int
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

void
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
	st->nwins = st->nonce_state = st->cert_ahead = 0;
	pg_ahead_drop(st);
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
	memcpy(st->nest_wins, st->wins, (size_t)st->nwins *
	    sizeof(st->wins[0]));
	st->nest_nwins = st->nwins;
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
	/* Windows read ahead inside and still to come: their gen no longer
	 * matches (a slot taken again gets a new one). */
	memcpy(st->wins, st->nest_wins, (size_t)st->nest_nwins *
	    sizeof(st->wins[0]));
	st->nwins = st->nest_nwins;
	/* Rows read ahead may have been written inside: read them again. */
	st->cert_ahead = 0;
	pg_ahead_drop(st);
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

int
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
pg_stale(const struct store *st)
{
	(void)st;
	return 0;	/* a connection's waits end with its timeouts */
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

/* The PostgreSQL engine behind store.h. */
const struct store_engine pg_engine = {
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
	.nonce_start = pg_nonce_start,
	.nonce_end = pg_nonce_end,
	.order_get = pg_order_get,
	.order_put = pg_order_put,
	.orders_walk = pg_orders_walk,
	.acct_proof = pg_acct_proof,
	.replace = pg_replace,
	.replaced_by = pg_replaced_by,
	.panicked = pg_panicked,
	.platform_get = pg_platform_get,
	.platform_put = pg_platform_put,
	.platform_prefetch = pg_platform_prefetch,
	.platforms = pg_platforms,
	.platforms_windows = pg_platforms_windows,
	.prune = pg_prune,
	.reopen = pg_reopen,
	.retry = pg_retry,
	.revoked = pg_revoked,
	.serial_get = pg_serial_get,
	.sms_get = pg_sms_get,
	.sms_put = pg_sms_put,
	.sms_queued = pg_sms_queued,
	.stale = pg_stale,
	.stats = pg_stats,
	.unavailable = pg_unavailable,
	.window_get = pg_window_get,
	.window_put = pg_window_put,
	.window_prefetch = pg_window_prefetch,
};

/* The PostgreSQL engine's maintenance: pruning, statistics, backup with
 * pg_dump, schema migration, and the dump and load of copy-store. */
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


/* --- Maintenance ---------------------------------------------------- */

int
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

int
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
int
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
int
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

int
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

int
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

/* The PostgreSQL engine's pipeline: statement parameters and results,
 * commands queued on the connection in pipeline mode and their results
 * read back, the rows a transaction has seen (for conditional updates),
 * and how failures are told apart (conflicts, outages, corruption). */
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

void
p_str(struct params *p, const char *s)
{
	p->v[p->n] = s;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

void
p_num(struct params *p, long long v)
{
	snprintf(p->num[p->n], sizeof(p->num[p->n]), "%lld", v);
	p_str(p, p->num[p->n]);
}

void
p_bytes(struct params *p, const void *b, size_t n)
{
	p->v[p->n] = n == 0 ? "" : b;
	p->len[p->n] = (int)n;
	p->fmt[p->n++] = 1;
}

void
p_null(struct params *p)
{
	p->v[p->n] = NULL;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

/* Binary result values. */
long long
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

/* Copy a text or bytea value into dst of size octets; -1 when it does not
 * fit (strings need their NUL too). */
int
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


/* Note a failed command: a conflict to retry, the database gone, or
 * another error. */
void
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
void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
pg_sent(struct store *st, enum cmd cmd, enum stmt s)
{
	st->sent[st->nsent].cmd = cmd;
	st->sent[st->nsent].slot = -1;
	st->sent[st->nsent].gen = 0;
	st->sent[st->nsent++].stmt = s;
	return 0;
}

int
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
	else if ((c->cmd == CMD_NONCE || c->cmd == CMD_WINDOW ||
	    c->cmd == CMD_ORDER || c->cmd == CMD_PLATFORM) &&
	    s == PGRES_TUPLES_OK)
		pg_answer(st, c, r);
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
		if (st->sent[i].cmd != CMD_SQL && st->sent[i].cmd != CMD_PREPARE)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " s%d",
			    (int)st->sent[i].stmt);
		else if (st->sent[i].cmd == CMD_SQL)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " sql");
	log_info("store: round trip %lu:%s", st->trips, line);
}

/* Send a sync and read the results of every queued command; the last
 * one's result goes to *last when wanted and good. */
int
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
int
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
PGresult *
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
int
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
long long
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
void
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

/* A statement that returns at most one row: STORE_OK with *res,
 * STORE_NOTFOUND, or STORE_ERR. */
int
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
int
pg_corrupt(struct store *st, PGresult *r, const char *what)
{
	log_err("%s: a row that does not fit its record", what);
	PQclear(r);
	st->failed = 1;
	return STORE_ERR;
}

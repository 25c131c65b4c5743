/* The PostgreSQL engine's short-lived records: used nonces, the SMS
 * outbox and its retry index, counters, metadata, limit windows. */
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


/* --- Nonces, the outbox, counters ----------------------------------- */

int
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

/* The spend goes with the next read (BEGIN, the spend, the account). */
int
pg_nonce_start(struct store *st, const unsigned char *n, size_t len,
    int64_t expires)
{
	struct params	 p = { .n = 0 };

	if (len != NONCE_RAW_LEN || !st->intx)
		return STORE_ERR;
	memcpy(st->nonce, n, len);
	p_bytes(&p, st->nonce, len);
	p_num(&p, expires);
	st->nonce_rc = STORE_ERR;
	st->nonce_state = 1;
	if (pg_queue(st, S_NONCE_USE, &p, CMD_NONCE) == -1) {
		st->nonce_state = 0;
		return STORE_ERR;
	}
	return STORE_OK;
}

/* Its outcome (a round trip only if no read took the spend along); a
 * spend not kept is taken back with what comes next. */
int
pg_nonce_end(struct store *st, int keep)
{
	struct params	 p = { .n = 0 };
	int		 rc;

	if (st->nonce_state == 0)
		return STORE_ERR;
	if (st->nonce_state == 1 && pg_flush(st, NULL) == -1) {
		st->nonce_state = 0;
		return STORE_ERR;
	}
	rc = st->nonce_state == 2 ? st->nonce_rc : STORE_ERR;
	st->nonce_state = 0;
	if (keep || rc != STORE_OK)
		return keep ? rc : STORE_OK;
	p_bytes(&p, st->nonce, NONCE_RAW_LEN);
	return pg_write(st, S_NONCE_DEL, &p, CMD_EXEC);
}

int
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

int
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

int
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

int
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

int
pg_due_add(struct store *st, int64_t when, const char *id)
{
	struct params	 p = { .n = 0 };

	if (strlen(id) >= SMS_ID_MAX)
		return STORE_ERR;
	p_num(&p, when);
	p_str(&p, id);
	return pg_write(st, S_DUE_ADD, &p, CMD_EXEC);
}

int
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
int
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

int
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
int
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
		if (value != NULL)
			*value = c->value;
		return pg_write(st, S_COUNT_ADD, &p, CMD_EXEC);
	}
	if (value == NULL) {
		/* The sum is not wanted: a write like a put. */
		if (c != NULL)
			c->window_end = INT64_MIN;
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

int
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

int
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

/* The row of a window from column col on; -1 when it is not one of
 * WINDOW_SLOTS slots. */
int
pg_row_window_at(const PGresult *r, int i, int col, char *key, size_t ksize,
    struct window *w)
{
	int64_t	 n[WINDOW_SLOTS], last[WINDOW_SLOTS];
	int	 j;

	memset(w, 0, sizeof(*w));
	if (r_copy(r, i, col, key, ksize, 1, NULL) == -1 ||
	    r_array(r, i, col + 3, n, WINDOW_SLOTS) == -1 ||
	    r_array(r, i, col + 4, last, WINDOW_SLOTS) == -1)
		return -1;
	for (j = 0; j < WINDOW_SLOTS; j++) {
		if (n[j] < 0 || n[j] > UINT32_MAX || last[j] < 0 ||
		    last[j] > UINT16_MAX)
			return -1;
		w->n[j] = (uint32_t)n[j];
		w->last[j] = (uint16_t)last[j];
	}
	w->expires = r_num(r, i, col + 1);
	w->slot = r_num(r, i, col + 2);
	return 0;
}

int
pg_row_window(const PGresult *r, int i, char *key, size_t ksize,
    struct window *w)
{
	return pg_row_window_at(r, i, 0, key, ksize, w);
}

/* The window of key as the transaction knows it, or NULL. */
static struct wknown *
pg_wknown(struct store *st, const char *key)
{
	int	 i;

	for (i = 0; i < st->nwins; i++)
		if (strcmp(st->wins[i].key, key) == 0)
			return &st->wins[i];
	return NULL;
}

/* A new entry for key (not known yet), or NULL when there is no room. */
static struct wknown *
pg_wknown_add(struct store *st, const char *key, enum wstate state)
{
	struct wknown	*k;

	if (!st->intx || st->nwins == PG_WINDOWS_MAX ||
	    strlen(key) >= STORE_KEY_MAX)
		return NULL;
	k = &st->wins[st->nwins++];
	strcpy(k->key, key);
	k->state = state;
	k->gen = ++st->wgen;
	memset(&k->w, 0, sizeof(k->w));
	return k;
}

/* The answer of a command whose result the store keeps (pg_pipe.c). */
void
pg_answer(struct store *st, const struct sent *c, const PGresult *r)
{
	struct wknown	*k;
	char		 key[STORE_KEY_MAX];

	if (c->cmd == CMD_NONCE) {
		st->nonce_rc = PQntuples(r) == 1 ? STORE_OK : STORE_EXISTS;
		st->nonce_state = 2;
		return;
	}
	if (c->cmd == CMD_ORDER) {	/* S_SERIAL_ORDER's row */
		if (!st->intx || PQntuples(r) != 1 ||
		    PQgetlength(r, 0, 0) != ID_LEN)
			return;
		pg_ahead_put(st, r, 0, 0);
		pg_ahead_put(st, r, 0, PG_ORDER_NCOLS + 1);
		pg_ahead_put(st, r, 0, 2 * PG_ORDER_NCOLS + 1);
		R_STR(r, 0, 0, st->repl_cert);
		st->repl_by[0] = '\0';
		if (!PQgetisnull(r, 0, PG_ORDER_NCOLS) &&
		    R_STR(r, 0, PG_ORDER_NCOLS, st->repl_by) == -1)
			st->repl_cert[0] = '\0';
		return;
	}
	if (c->cmd == CMD_PLATFORM) {
		pg_platform_answer(st, c, r);
		return;
	}
	if (c->slot < 0 || c->slot >= st->nwins)
		return;
	k = &st->wins[c->slot];
	if (k->gen != c->gen || k->state != W_PENDING)
		return;		/* written since, or undone by a savepoint */
	k->state = W_NONE;
	if (PQntuples(r) == 1 && pg_row_window(r, 0, key, sizeof(key),
	    &k->w) == 0)
		k->state = W_FOUND;
	else
		memset(&k->w, 0, sizeof(k->w));
}

/*
 * Windows read ahead: each one's read is queued, to go with the next
 * round trip, and its answer kept (pg_answer); store_window_get then
 * costs nothing. The limits of a request read several windows and
 * then add to them: one round trip for all, and the adds are writes
 * queued to the commit.
 */
int
pg_window_prefetch(struct store *st, const char *const *keys, int n)
{
	struct params	 p;
	struct wknown	*k;
	int		 i;

	if (!st->intx || n < 0)
		return STORE_ERR;
	for (i = 0; i < n; i++) {
		if (pg_wknown(st, keys[i]) != NULL ||
		    (k = pg_wknown_add(st, keys[i], W_PENDING)) == NULL)
			continue;
		p.n = 0;
		p_str(&p, k->key);
		if (pg_queue(st, S_WINDOW_GET, &p, CMD_WINDOW) == -1)
			return STORE_ERR;
		st->sent[st->nsent - 1].slot = (int)(k - st->wins);
		st->sent[st->nsent - 1].gen = k->gen;
	}
	return STORE_OK;
}

/* No record, or one of another slot count: *w zeroed, STORE_NOTFOUND
 * (as on Berkeley DB, where its size differs). A window the transaction
 * knows (read ahead, read or written) costs no round trip. */
int
pg_window_get(struct store *st, const char *key, struct window *w)
{
	struct params	 p = { .n = 0 };
	struct wknown	*k = st->intx ? pg_wknown(st, key) : NULL;
	char		 kk[STORE_KEY_MAX];
	PGresult	*r;
	int		 rc;

	if (k != NULL && k->state == W_PENDING && pg_flush(st, NULL) == -1)
		return STORE_ERR;
	if (k != NULL && k->state != W_PENDING) {
		*w = k->w;
		return k->state == W_FOUND ? STORE_OK : STORE_NOTFOUND;
	}
	p_str(&p, key);
	rc = pg_one(st, S_WINDOW_GET, &p, &r);
	if (rc == STORE_OK && pg_row_window(r, 0, kk, sizeof(kk), w) == -1)
		rc = STORE_NOTFOUND;
	PQclear(r);
	if (rc == STORE_NOTFOUND)
		memset(w, 0, sizeof(*w));
	if (rc != STORE_ERR && (k != NULL ||
	    (k = pg_wknown_add(st, key, W_NONE)) != NULL)) {
		k->state = rc == STORE_OK ? W_FOUND : W_NONE;
		k->w = *w;
	}
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
int
pg_window_put(struct store *st, const char *key, const struct window *w)
{
	struct params	 p = { .n = 0 };
	struct wknown	*k;
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
	if (pg_write(st, S_WINDOW_PUT, &p, CMD_EXEC) != STORE_OK)
		return STORE_ERR;
	if (st->intx && ((k = pg_wknown(st, key)) != NULL ||
	    (k = pg_wknown_add(st, key, W_FOUND)) != NULL)) {
		k->state = W_FOUND;
		k->w = *w;
	}
	return STORE_OK;
}

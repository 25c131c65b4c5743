/* The Berkeley DB engine's short-lived records: used nonces, the SMS
 * outbox and its retry index, limit windows and counters, metadata. */
#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "bdbint.h"


struct sms_walk {
	int	(*fn)(void *, struct sms *);
	void	*arg;
};

/* Used nonces: the key is the nonce from its random part on (so that
 * concurrent inserts spread over the tree instead of all landing on its
 * last page), the data its expiry. */
int
bdb_nonce_use(struct store *st, const unsigned char *n, size_t len,
    int64_t expires)
{
	unsigned char	 key[NONCE_RAW_LEN], exp[8];
	uint64_t	 t = (uint64_t)expires;
	int		 i;

	if (len != NONCE_RAW_LEN)
		return STORE_ERR;
	memcpy(key, n + 4, len - 4);
	memcpy(key + len - 4, n, 4);
	for (i = 7; i >= 0; i--, t >>= 8)
		exp[i] = (unsigned char)t;
	return store_put(st, DB_NONCES, key, len, exp, sizeof(exp),
	    DB_NOOVERWRITE);
}

/* Kept aside until its end: spent then, in the order of old. */
int
bdb_nonce_start(struct store *st, const unsigned char *n, size_t len,
    int64_t expires)
{
	if (len != NONCE_RAW_LEN || st->txn == NULL)
		return STORE_ERR;
	memcpy(st->nonce, n, len);
	st->nonce_expires = expires;
	st->nonce_on = 1;
	return STORE_OK;
}

int
bdb_nonce_end(struct store *st, int keep)
{
	if (!st->nonce_on)
		return STORE_ERR;
	st->nonce_on = 0;
	return keep ? bdb_nonce_use(st, st->nonce, NONCE_RAW_LEN,
	    st->nonce_expires) : STORE_OK;
}

int
bdb_sms_put(struct store *st, const struct sms *m)
{
	struct sms	 r = *m;

	r.version = RECORD_VERSION;
	return store_put(st, DB_OUTBOX, r.id, strlen(r.id), &r, sizeof(r), 0);
}

int
bdb_sms_get(struct store *st, const char *id, struct sms *m)
{
	return store_record(st, DB_OUTBOX, id, m, sizeof(*m),
	    (int (*)(const void *))store_sms_ok);
}

static int
store_sms_one(struct store *st, DBT *key, DBT *data, void *arg)
{
	struct sms_walk	*w = arg;
	struct sms	 m;

	(void)st;
	(void)key;
	if (data->size != sizeof(m))
		return 0;
	memcpy(&m, data->data, sizeof(m));
	if (!store_sms_ok(&m) || m.state != OUTBOX_QUEUED)
		return 0;
	return w->fn(w->arg, &m);
}

int
bdb_sms_queued(struct store *st, int (*fn)(void *, struct sms *), void *arg)
{
	struct sms_walk	 w = { fn, arg };

	return store_walk(st, DB_OUTBOX, store_sms_one, &w);
}

/* The retry index: time (big-endian) then the message id, so that the
 * due ones come first. Every queued message has an entry at or after
 * the time it is due (its lease, or its next try after a failure). */
static void
store_due_key(unsigned char *key, int64_t when, const char *id, size_t n)
{
	uint64_t	 t = (uint64_t)when;
	int		 i;

	for (i = 7; i >= 0; i--, t >>= 8)
		key[i] = (unsigned char)t;
	memcpy(key + 8, id, n);
}

int
bdb_due_add(struct store *st, int64_t when, const char *id)
{
	unsigned char	 key[8 + SMS_ID_MAX];
	size_t		 n = strlen(id);

	if (n >= SMS_ID_MAX)
		return STORE_ERR;
	store_due_key(key, when, id, n);
	return store_put(st, DB_DUE, key, 8 + n, "", 0, 0);
}

int
bdb_due_take(struct store *st, int64_t now, char ids[][SMS_ID_MAX],
    int max)
{
	DBC	*c = NULL;
	DBT	 key, data;
	int	 rc, n = 0;

	if (st->deadlock || st->failed)
		return STORE_ERR;
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	if ((rc = st->db[DB_DUE]->cursor(st->db[DB_DUE], st->txn, &c, 0)) != 0)
		goto err;
	while (n < max && (rc = c->get(c, &key, &data, DB_NEXT)) == 0) {
		if (key.size <= 8 || key.size >= 8 + SMS_ID_MAX ||
		    store_be64(key.data) > now)
			break;
		memcpy(ids[n], (char *)key.data + 8, key.size - 8);
		ids[n++][key.size - 8] = '\0';
		if ((rc = c->del(c, 0)) != 0)
			goto err;
	}
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_cursor_fail(st, c, rc, __func__);
	c->close(c);
	return n;
err:
	return store_cursor_fail(st, c, rc, __func__);
}

int
bdb_due_peek(struct store *st, int64_t now, char ids[][SMS_ID_MAX],
    int64_t *when, int max)
{
	DBC	*c = NULL;
	DBT	 key, data;
	int	 rc, n = 0;

	if (st->txn != NULL && (st->deadlock || st->failed))
		return STORE_ERR;
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	if ((rc = st->db[DB_DUE]->cursor(st->db[DB_DUE], st->txn, &c, 0)) != 0)
		goto err;
	while (n < max && (rc = c->get(c, &key, &data, DB_NEXT)) == 0) {
		if (key.size <= 8 || key.size >= 8 + SMS_ID_MAX)
			continue;
		if ((when[n] = store_be64(key.data)) > now)
			break;
		memcpy(ids[n], (char *)key.data + 8, key.size - 8);
		ids[n++][key.size - 8] = '\0';
	}
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_cursor_fail(st, c, rc, __func__);
	c->close(c);
	return n;
err:
	return store_cursor_fail(st, c, rc, __func__);
}

int
bdb_due_del(struct store *st, int64_t when, const char *id)
{
	unsigned char	 key[8 + SMS_ID_MAX];
	size_t		 n = strlen(id);

	if (n >= SMS_ID_MAX)
		return STORE_ERR;
	store_due_key(key, when, id, n);
	return store_del(st, DB_DUE, key, 8 + n);
}

int
bdb_window_get(struct store *st, const char *key, struct window *w)
{
	size_t	 got;
	int	 rc;

	rc = store_get(st, DB_COUNTERS, key, strlen(key), w, sizeof(*w), &got);
	if (rc == STORE_OK && got != sizeof(*w))
		rc = STORE_NOTFOUND;
	if (rc == STORE_NOTFOUND)
		memset(w, 0, sizeof(*w));
	return rc;
}

/* Reads here cost no round trip: nothing to read ahead. */
int
bdb_window_prefetch(struct store *st, const char *const *keys, int n)
{
	(void)keys;
	return st->txn == NULL || n < 0 ? STORE_ERR : STORE_OK;
}

int
bdb_window_put(struct store *st, const char *key, const struct window *w)
{
	return store_put(st, DB_COUNTERS, key, strlen(key), w, sizeof(*w), 0);
}

int
bdb_count(struct store *st, const char *key, int64_t window_end, int n,
    long *value)
{
	struct counter	 c;
	size_t		 got;
	int		 rc;

	rc = store_get(st, DB_COUNTERS, key, strlen(key), &c, sizeof(c), &got);
	if (rc == STORE_ERR)
		return rc;
	if (rc == STORE_NOTFOUND || got != sizeof(c) ||
	    c.window_end != window_end) {
		c.window_end = window_end;
		c.value = 0;
	}
	c.value += n;
	if (value != NULL)
		*value = c.value;
	if (n == 0)
		return STORE_OK;
	return store_put(st, DB_COUNTERS, key, strlen(key), &c, sizeof(c), 0);
}

int
bdb_meta_above(struct store *st, const char *key, uint64_t floor,
    uint64_t *value)
{
	uint64_t	 v = 0;
	size_t		 got;
	int		 rc;

	rc = store_get(st, DB_META, key, strlen(key), &v, sizeof(v), &got);
	if (rc == STORE_ERR)
		return rc;
	if (rc == STORE_NOTFOUND || got != sizeof(v))
		v = 0;
	if (++v < floor)
		v = floor;
	*value = v;
	return store_put(st, DB_META, key, strlen(key), &v, sizeof(v), 0);
}

int
bdb_meta_next(struct store *st, const char *key, uint64_t *value)
{
	return bdb_meta_above(st, key, 0, value);
}

int64_t
store_be64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

/* The Berkeley DB engine's records of the protocol: accounts and their
 * keys, orders and the accounts' order lists, certificates, serials,
 * revocations, replacements, platforms; each checked when read. */
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


struct platform_walk {
	int	(*fn)(void *, const struct platform *);
	void	*arg;
	int	 n;
};

struct revoked_walk {
	int	(*fn)(void *, const struct cert *);
	void	*arg;
};

struct orders_walk {
	int	(*fn)(void *, const struct order *);
	void	*arg;
};

/* 1 when the char array s of size n is NUL-terminated. */
static int
store_terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/* Record checks: a record read back must be what store_*_put wrote. */
int
store_account_ok(const struct account *a)
{
	return a->version == ACCOUNT_VERSION && a->status < ACCT__MAX &&
	    TERMINATED(a, id) && TERMINATED(a, thumb) && TERMINATED(a, key) &&
	    TERMINATED(a, contact) && TERMINATED(a, platform);
}

int
store_platform_ok(const struct platform *p)
{
	size_t	 i;

	for (i = 0; i < PLATFORM_HASHES_MAX; i++)
		if (!TERMINATED(p, hashes[i]))
			return 0;
	for (i = 0; i < PLATFORM_PREFIXES_MAX; i++)
		if (!TERMINATED(p, prefixes[i]))
			return 0;
	for (i = 0; i < GUARD_HELD_MAX; i++)
		if (!TERMINATED(p, held[i].prefix))
			return 0;
	return p->version == RECORD_VERSION && p->status < PLATFORM__MAX &&
	    p->nhashes <= PLATFORM_HASHES_MAX &&
	    p->nprefixes <= PLATFORM_PREFIXES_MAX && TERMINATED(p, name) &&
	    TERMINATED(p, shown) && TERMINATED(p, origin) &&
	    TERMINATED(p, kid) && p->sealedlen <= sizeof(p->sealed);
}

int
store_order_ok(const struct order *o)
{
	return o->version == ORDER_VERSION && o->status < ORDER__MAX &&
	    o->authz < AUTHZ__MAX && o->chall < CHALL__MAX &&
	    TERMINATED(o, id) && TERMINATED(o, acct) && TERMINATED(o, ident) &&
	    TERMINATED(o, tn) && TERMINATED(o, token) &&
	    TERMINATED(o, detail) && TERMINATED(o, profile) &&
	    TERMINATED(o, replaces) && TERMINATED(o, proof);
}

/*
 * An order as stored, vlen octets at v: version 2, or version 1 (the
 * record of the code before version 2, shorter: it reads as version 2
 * with no profile, replacement or reused proof). 0, or -1 when it is
 * neither.
 */
int
store_order_decode(const void *v, size_t vlen, struct order *o)
{
	uint32_t	 version;

	if (vlen < sizeof(version))
		return -1;
	memcpy(&version, v, sizeof(version));
	memset(o, 0, sizeof(*o));
	if (version == 1 && vlen == ORDER_V1_SIZE) {
		memcpy(o, v, vlen);
		o->version = ORDER_VERSION;
	} else if (version == ORDER_VERSION && vlen == sizeof(*o))
		memcpy(o, v, vlen);
	else
		return -1;
	return store_order_ok(o) ? 0 : -1;
}

int
store_cert_ok(const struct cert *c)
{
	return c->version == RECORD_VERSION && TERMINATED(c, id) &&
	    TERMINATED(c, acct) && c->derlen <= sizeof(c->der);
}

int
store_sms_ok(const struct sms *m)
{
	return m->version == RECORD_VERSION && m->state < OUTBOX__MAX &&
	    TERMINATED(m, id) && TERMINATED(m, order) && TERMINATED(m, acct) &&
	    TERMINATED(m, to) && TERMINATED(m, msgid) &&
	    TERMINATED(m, error) && m->sealedlen <= sizeof(m->sealed);
}

/* Get a fixed-size record and check it. */
int
store_record(struct store *st, enum dbname d, const char *id, void *rec,
    size_t size, int (*ok)(const void *))
{
	int	 rc;

	rc = store_get(st, d, id, strlen(id), rec, size, NULL);
	if (rc == STORE_OK && !ok(rec)) {
		log_err("%s: %s: %s: corrupt record", __func__, st->files[d],
		    id);
		st->failed = 1;
		return STORE_ERR;
	}
	return rc;
}

int
bdb_account_get(struct store *st, const char *id, struct account *a)
{
	size_t	 got, off = offsetof(struct account, platform);
	int	 rc;

	rc = store_get(st, DB_ACCOUNTS, id, strlen(id), a, sizeof(*a), &got);
	if (rc != STORE_OK)
		return rc;
	/* A version 1 record: the same fields, without the platform. */
	if (got == ACCOUNT_V1_SIZE && a->version == RECORD_VERSION) {
		memset((char *)a + off, 0, sizeof(*a) - off);
		a->version = ACCOUNT_VERSION;
	} else if (got != sizeof(*a))
		a->version = 0;
	if (!store_account_ok(a)) {
		log_err("%s: %s: corrupt record", __func__, id);
		st->failed = 1;
		return STORE_ERR;
	}
	return STORE_OK;
}

int
bdb_account_put(struct store *st, const struct account *a)
{
	struct account	 r = *a;

	r.version = ACCOUNT_VERSION;
	return store_put(st, DB_ACCOUNTS, r.id, strlen(r.id), &r, sizeof(r),
	    0);
}

int
bdb_key_get(struct store *st, const char *thumb, char *id)
{
	size_t	 n;
	int	 rc;

	rc = store_get(st, DB_KEYS, thumb, strlen(thumb), id, ID_LEN, &n);
	if (rc == STORE_OK) {
		if (n != ID_LEN) {
			st->failed = 1;
			return STORE_ERR;
		}
		id[ID_LEN] = '\0';
	}
	return rc;
}

int
bdb_key_put(struct store *st, const char *thumb, const char *id)
{
	return store_put(st, DB_KEYS, thumb, strlen(thumb), id, ID_LEN,
	    DB_NOOVERWRITE);
}

int
bdb_key_del(struct store *st, const char *thumb)
{
	return store_del(st, DB_KEYS, thumb, strlen(thumb));
}

int
bdb_order_get(struct store *st, const char *id, struct order *o)
{
	struct order	 raw;
	size_t		 got;
	int		 rc;

	rc = store_get(st, DB_ORDERS, id, strlen(id), &raw, sizeof(raw),
	    &got);
	if (rc == STORE_OK && store_order_decode(&raw, got, o) == -1) {
		log_err("%s: %s: corrupt record", __func__, id);
		st->failed = 1;
		return STORE_ERR;
	}
	return rc;
}

static int
store_proof_key(const char *acct, const char *ident, char key[PROOF_KEY_MAX])
{
	int	 n = snprintf(key, PROOF_KEY_MAX, "%s%s/%s", PROOF_PREFIX, acct,
	    ident);

	return n < 0 || (size_t)n >= PROOF_KEY_MAX ? -1 : 0;
}

/* Keep o in the proof index when it is an SMS proof no older than the
 * one there. */
static int
store_proof_note(struct store *st, const struct order *o)
{
	char		 key[PROOF_KEY_MAX];
	unsigned char	 v[8 + ID_LEN];
	uint64_t	 t = (uint64_t)o->validated;
	size_t		 got;
	int		 rc, i;

	if (o->authz != AUTHZ_VALID || o->proof[0] != '\0' ||
	    o->validated <= 0 || store_proof_key(o->acct, o->ident, key) == -1)
		return STORE_OK;
	rc = store_get(st, DB_META, key, strlen(key), v, sizeof(v), &got);
	if (rc == STORE_ERR)
		return rc;
	if (rc == STORE_OK && got == sizeof(v) && (store_be64(v) >
	    o->validated || (store_be64(v) == o->validated &&
	    memcmp(v + 8, o->id, ID_LEN) == 0)))
		return STORE_OK;
	for (i = 7; i >= 0; i--, t >>= 8)
		v[i] = (unsigned char)t;
	memcpy(v + 8, o->id, ID_LEN);
	return store_put(st, DB_META, key, strlen(key), v, sizeof(v), 0);
}

int
bdb_order_put(struct store *st, const struct order *o)
{
	struct order	 r = *o;
	int		 rc;

	r.version = ORDER_VERSION;
	rc = store_put(st, DB_ORDERS, r.id, strlen(r.id), &r, sizeof(r), 0);
	return rc == STORE_OK ? store_proof_note(st, &r) : rc;
}

int
bdb_acct_proof(struct store *st, const char *acct, const char *ident,
    char *id)
{
	char		 key[PROOF_KEY_MAX];
	unsigned char	 v[8 + ID_LEN];
	size_t		 got;
	int		 rc;

	rc = store_get(st, DB_META, PROOF_INDEXED, strlen(PROOF_INDEXED), v,
	    sizeof(v), &got);
	if (rc != STORE_OK)
		return rc == STORE_NOTFOUND ? STORE_UNKNOWN : rc;
	if (store_proof_key(acct, ident, key) == -1)
		return STORE_UNKNOWN;
	rc = store_get(st, DB_META, key, strlen(key), v, sizeof(v), &got);
	if (rc != STORE_OK)
		return rc;
	if (got != sizeof(v))
		return STORE_UNKNOWN;
	memcpy(id, v + 8, ID_LEN);
	id[ID_LEN] = '\0';
	return STORE_OK;
}

static int
store_proof_one(struct store *st, DBT *key, DBT *data, void *arg)
{
	struct order	 o;

	(void)key;
	(void)arg;
	if (store_order_decode(data->data, data->size, &o) == -1)
		return 0;
	return store_proof_note(st, &o) == STORE_OK ? 0 : -1;
}

/* Put every order written before the proof index into it, once. */
int
store_proof_index(struct store *st)
{
	unsigned char	 v[8], buf[8 + ID_LEN];
	size_t		 got;
	int		 rc;

	if (bdb_begin(st) != STORE_OK)
		return STORE_ERR;
	rc = store_get(st, DB_META, PROOF_INDEXED, strlen(PROOF_INDEXED), buf,
	    sizeof(buf), &got);
	if (rc == STORE_NOTFOUND) {
		memset(v, 0, sizeof(v));
		rc = store_walk(st, DB_ORDERS, store_proof_one, NULL);
		if (rc == STORE_OK)
			rc = store_put(st, DB_META, PROOF_INDEXED,
			    strlen(PROOF_INDEXED), v, sizeof(v), 0);
	}
	if (rc != STORE_OK) {
		bdb_abort(st);
		return STORE_ERR;
	}
	return bdb_commit(st, 1);
}

/* The acct_orders entry of an order: creation time (big-endian, so the
 * duplicates sort by time) then the id. */
void
store_order_ref(const struct order *o, unsigned char ref[8 + ID_LEN])
{
	uint64_t	 t = (uint64_t)o->created;
	int		 i;

	for (i = 7; i >= 0; i--, t >>= 8)
		ref[i] = (unsigned char)t;
	memcpy(ref + 8, o->id, ID_LEN);
}

int
bdb_acct_order_add(struct store *st, const struct order *o)
{
	unsigned char	 ref[8 + ID_LEN];

	store_order_ref(o, ref);
	return store_put(st, DB_ACCT_ORDERS, o->acct, strlen(o->acct), ref,
	    sizeof(ref), 0);
}

/* Position cursor c at the first reference after `after` (or the first
 * of acct). Returns the DB code. */
static int
store_orders_seek(struct store *st, DBC *c, const char *acct,
    const char *after, DBT *key, DBT *data, unsigned char *ref)
{
	struct order	 o;
	int		 rc;

	key->data = (void *)acct;
	key->size = (u_int32_t)strlen(acct);
	if (after == NULL)
		return c->get(c, key, data, DB_SET);
	if ((rc = bdb_order_get(st, after, &o)) != STORE_OK ||
	    strcmp(o.acct, acct) != 0)
		return DB_NOTFOUND;
	store_order_ref(&o, ref);
	data->data = ref;
	data->size = 8 + ID_LEN;
	if ((rc = c->get(c, key, data, DB_GET_BOTH)) != 0)
		return rc;
	return c->get(c, key, data, DB_NEXT_DUP);
}

int
bdb_acct_orders(struct store *st, const char *acct, const char *after,
    int max, int *more, int (*fn)(void *, const struct order *), void *arg)
{
	DBC		*c = NULL;
	DBT		 key, data;
	unsigned char	 ref[8 + ID_LEN];
	char		 id[ID_LEN + 1];
	struct order	 o;
	int		 rc, n = 0;

	*more = 0;
	if (st->deadlock || st->failed)
		return STORE_ERR;
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	if ((rc = st->db[DB_ACCT_ORDERS]->cursor(st->db[DB_ACCT_ORDERS],
	    st->txn, &c, 0)) != 0)
		goto err;
	rc = store_orders_seek(st, c, acct, after, &key, &data, ref);
	for (; rc == 0; rc = c->get(c, &key, &data, DB_NEXT_DUP)) {
		if (data.size != 8 + ID_LEN)
			continue;
		memcpy(id, (char *)data.data + 8, ID_LEN);
		id[ID_LEN] = '\0';
		if (bdb_order_get(st, id, &o) != STORE_OK)
			continue;
		if (n == max) {
			*more = 1;
			break;
		}
		n += fn(arg, &o);
	}
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_cursor_fail(st, c, rc, __func__);
	c->close(c);
	return bdb_failed(st) ? STORE_ERR : n;
err:
	return store_cursor_fail(st, c, rc, __func__);
}

int
bdb_cert_get(struct store *st, const char *id, struct cert *c)
{
	return store_record(st, DB_CERTS, id, c, sizeof(*c),
	    (int (*)(const void *))store_cert_ok);
}

int
bdb_cert_put(struct store *st, const struct cert *c)
{
	struct cert	 r = *c;
	int		 rc;

	r.version = RECORD_VERSION;
	rc = store_put(st, DB_CERTS, r.id, strlen(r.id), &r, sizeof(r), 0);
	if (rc == STORE_OK)
		rc = store_put(st, DB_SERIALS, r.serial, SERIAL_LEN, r.id,
		    ID_LEN, 0);
	if (rc == STORE_OK && r.revoked)
		rc = store_put(st, DB_REVOKED, r.serial, SERIAL_LEN, r.id,
		    ID_LEN, 0);
	return rc;
}

int
bdb_serial_get(struct store *st, const unsigned char *serial, char *id)
{
	size_t	 n;
	int	 rc;

	rc = store_get(st, DB_SERIALS, serial, SERIAL_LEN, id, ID_LEN, &n);
	if (rc == STORE_OK)
		id[n < ID_LEN ? n : ID_LEN] = '\0';
	return rc;
}

static int
store_orders_one(struct store *st, DBT *key, DBT *data, void *arg)
{
	struct orders_walk	*w = arg;
	struct order		 o;

	(void)st;
	(void)key;
	if (store_order_decode(data->data, data->size, &o) == -1)
		return 0;
	return w->fn(w->arg, &o) == -1 ? -1 : 0;
}

int
bdb_orders_walk(struct store *st, int (*fn)(void *, const struct order *),
    void *arg)
{
	struct orders_walk	 w = { fn, arg };

	return store_walk(st, DB_ORDERS, store_orders_one, &w);
}

/* The meta key of a certificate's replacement. */
static int
store_replaced_key(const char *cert, char *key, size_t size)
{
	int	 n = snprintf(key, size, "%s%s", REPLACED_PREFIX, cert);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
bdb_replaced_by(struct store *st, const char *cert, char *order)
{
	char	 key[sizeof(REPLACED_PREFIX) + ID_LEN];
	size_t	 n;
	int	 rc;

	if (store_replaced_key(cert, key, sizeof(key)) == -1)
		return STORE_NOTFOUND;
	rc = store_get(st, DB_META, key, strlen(key), order, ID_LEN, &n);
	if (rc == STORE_OK)
		order[n < ID_LEN ? n : ID_LEN] = '\0';
	return rc;
}

/* DB_NOOVERWRITE makes the first writer win: a second transaction
 * waits on the page lock, then finds the key (or deadlocks and runs
 * again, and then finds it). */
int
bdb_replace(struct store *st, const char *cert, const char *order,
    const char *prev)
{
	char	 key[sizeof(REPLACED_PREFIX) + ID_LEN], cur[ID_LEN + 1];
	int	 rc;

	if (store_replaced_key(cert, key, sizeof(key)) == -1 ||
	    strlen(order) != ID_LEN)
		return STORE_ERR;
	if (prev == NULL)
		return store_put(st, DB_META, key, strlen(key), order, ID_LEN,
		    DB_NOOVERWRITE);
	if ((rc = bdb_replaced_by(st, cert, cur)) == STORE_NOTFOUND)
		return STORE_EXISTS;
	if (rc != STORE_OK)
		return rc;
	if (strcmp(cur, prev) != 0)
		return STORE_EXISTS;
	return store_put(st, DB_META, key, strlen(key), order, ID_LEN, 0);
}

/* A copied replacement record, written over what is there. */
int
store_replaced_load(struct store *st, const char *cert, const char *order)
{
	char	 key[sizeof(REPLACED_PREFIX) + ID_LEN];

	if (store_replaced_key(cert, key, sizeof(key)) == -1 ||
	    strlen(order) != ID_LEN)
		return STORE_ERR;
	return store_put(st, DB_META, key, strlen(key), order, ID_LEN, 0);
}

static int
store_revoked_one(struct store *st, DBT *key, DBT *data, void *arg)
{
	struct revoked_walk	*w = arg;
	struct cert		 c;
	char			 id[ID_LEN + 1];

	(void)key;
	if (data->size != ID_LEN)
		return 0;
	memcpy(id, data->data, ID_LEN);
	id[ID_LEN] = '\0';
	if (bdb_cert_get(st, id, &c) != STORE_OK)
		return -1;
	return w->fn(w->arg, &c);
}

int
bdb_revoked(struct store *st, int (*fn)(void *, const struct cert *),
    void *arg)
{
	struct revoked_walk	 w = { fn, arg };

	return store_walk(st, DB_REVOKED, store_revoked_one, &w);
}

int
bdb_platform_get(struct store *st, const char *name, struct platform *p)
{
	return store_record(st, DB_PLATFORMS, name, p, sizeof(*p),
	    (int (*)(const void *))store_platform_ok);
}

int
bdb_platform_put(struct store *st, const struct platform *p)
{
	struct platform	 r = *p;

	r.version = RECORD_VERSION;
	return store_put(st, DB_PLATFORMS, r.name, strlen(r.name), &r,
	    sizeof(r), 0);
}

/* Reads here cost no round trip: nothing to read ahead. */
int
bdb_platform_prefetch(struct store *st, const char *name)
{
	(void)name;
	return st->txn == NULL ? STORE_ERR : STORE_OK;
}

static int
store_platform_one(struct store *st, DBT *key, DBT *data, void *arg)
{
	struct platform_walk	*w = arg;
	struct platform		 p;

	(void)key;
	if (data->size != sizeof(p)) {
		st->failed = 1;
		return -1;
	}
	memcpy(&p, data->data, sizeof(p));
	if (!store_platform_ok(&p)) {
		log_err("store_platforms: corrupt record");
		st->failed = 1;
		return -1;
	}
	if (w->n++ >= PLATFORMS_MAX)
		return -1;
	return w->fn(w->arg, &p) == 0 ? -1 : 0;
}

int
bdb_platforms(struct store *st, int (*fn)(void *, const struct platform *),
    void *arg)
{
	struct platform_walk	 w = { fn, arg, 0 };

	return store_walk(st, DB_PLATFORMS, store_platform_one, &w);
}

struct platform_list {
	struct platform	*p;
	int		 n;
};

static int
store_platform_keep(void *arg, const struct platform *p)
{
	struct platform_list	*l = arg;

	l->p[l->n++] = *p;
	return l->n < PLATFORMS_MAX;
}

/* The platforms, then each one's window: reads here cost no round trip,
 * and no cursor stays open across the window reads. */
int
bdb_platforms_windows(struct store *st, const char *pre, const char *post,
    int (*fn)(void *, const struct platform *, const struct window *),
    void *arg)
{
	struct platform_list	 l = { NULL, 0 };
	struct window		 w;
	char			 k[STORE_KEY_MAX];
	int			 i, n, rc;

	if ((l.p = calloc(PLATFORMS_MAX, sizeof(*l.p))) == NULL)
		return STORE_ERR;
	rc = bdb_platforms(st, store_platform_keep, &l);
	for (i = 0; i < l.n && rc == STORE_OK; i++) {
		n = snprintf(k, sizeof(k), "%s%s%s", pre, l.p[i].name, post);
		if (n < 0 || (size_t)n >= sizeof(k))
			rc = STORE_ERR;
		else if ((rc = bdb_window_get(st, k, &w)) == STORE_NOTFOUND)
			rc = STORE_OK;
		if (rc == STORE_OK && fn(arg, &l.p[i], &w) == 0)
			break;
	}
	free(l.p);
	return rc;
}

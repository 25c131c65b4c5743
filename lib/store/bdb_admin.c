/* The Berkeley DB engine's maintenance: pruning, statistics, hot
 * backup, and the dump and load that copy-store uses. */
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


struct tally {
	long	*accounts, *orders, *sms, *certs;
};

/* Prune callbacks (store_kv_prune): arg points to the time now. */
static int
store_nonce_expired(struct store *st, const void *k, size_t klen,
    const void *v, size_t vlen, void *arg)
{
	(void)st;
	(void)k;
	(void)klen;
	return vlen != 8 || store_be64(v) < *(const int64_t *)arg;
}

static int
store_counter_expired(struct store *st, const void *k, size_t klen,
    const void *v, size_t vlen, void *arg)
{
	int64_t	 end;

	(void)st;
	(void)k;
	(void)klen;
	/* A fixed-window counter or a sliding window: both start with the
	 * time they live until. */
	if (vlen != sizeof(struct counter) && vlen != sizeof(struct window))
		return 1;
	memcpy(&end, v, sizeof(end));
	return end < *(const int64_t *)arg;
}

/* Orders that can no longer lead to a certificate, a day after expiry,
 * and their reference in the account's list. */
static int
store_order_expired(struct store *st, const void *k, size_t klen,
    const void *v, size_t vlen, void *arg)
{
	struct order	 o;
	unsigned char	 ref[8 + ID_LEN];
	DBC		*c = NULL;
	DBT		 key, data;

	(void)k;
	(void)klen;
	if (store_order_decode(v, vlen, &o) == -1 || o.status == ORDER_VALID ||
	    o.expires > *(const int64_t *)arg - 86400)
		return 0;
	store_order_ref(&o, ref);
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	key.data = o.acct;
	key.size = (u_int32_t)strlen(o.acct);
	data.data = ref;
	data.size = sizeof(ref);
	if (st->db[DB_ACCT_ORDERS]->cursor(st->db[DB_ACCT_ORDERS], st->txn,
	    &c, 0) == 0) {
		if (c->get(c, &key, &data, DB_GET_BOTH) == 0)
			c->del(c, 0);
		c->close(c);
	}
	return 1;
}

static int
store_sms_expired(struct store *st, const void *k, size_t klen,
    const void *v, size_t vlen, void *arg)
{
	struct sms	 m;

	(void)st;
	(void)k;
	(void)klen;
	if (vlen != sizeof(m))
		return 0;
	memcpy(&m, v, sizeof(m));
	/* Compared this way round so a corrupt time cannot overflow. */
	return m.state != OUTBOX_QUEUED && m.created <
	    *(const int64_t *)arg - 86400;
}

int
bdb_prune(struct store *st, int64_t now, long *removed)
{
	*removed = 0;
	if (bdb_begin(st) != STORE_OK)
		return STORE_ERR;
	if (bdb_kv_prune(st, DB_NONCES, LONG_MAX, removed,
	    store_nonce_expired, &now) != STORE_OK ||
	    bdb_kv_prune(st, DB_COUNTERS, LONG_MAX, removed,
	    store_counter_expired, &now) != STORE_OK ||
	    bdb_kv_prune(st, DB_ORDERS, LONG_MAX, removed,
	    store_order_expired, &now) != STORE_OK ||
	    bdb_kv_prune(st, DB_OUTBOX, LONG_MAX, removed,
	    store_sms_expired, &now) != STORE_OK) {
		bdb_abort(st);
		return STORE_ERR;
	}
	return bdb_commit(st, 1);
}

static int
store_tally(struct store *st, DBT *k, DBT *d, void *arg)
{
	struct tally	*t = arg;
	struct order	 o;
	struct sms	 m;

	(void)st;
	(void)k;
	if (t->orders != NULL) {
		if (store_order_decode(d->data, d->size, &o) == 0)
			t->orders[o.status]++;
	} else if (t->sms != NULL && d->size == sizeof(m)) {
		memcpy(&m, d->data, sizeof(m));
		if (m.state < OUTBOX__MAX)
			t->sms[m.state]++;
	} else if (t->accounts != NULL)
		(*t->accounts)++;
	else if (t->certs != NULL)
		(*t->certs)++;
	return 0;
}

int
bdb_stats(struct store *st, long *accounts, long orders[ORDER__MAX],
    long sms[OUTBOX__MAX], long *certs)
{
	struct tally	 t[4] = {
		{ accounts, NULL, NULL, NULL }, { NULL, orders, NULL, NULL },
		{ NULL, NULL, sms, NULL }, { NULL, NULL, NULL, certs },
	};
	static const enum dbname which[4] = { DB_ACCOUNTS, DB_ORDERS,
	    DB_OUTBOX, DB_CERTS };
	int	 i, rc = STORE_OK;

	*accounts = *certs = 0;
	memset(orders, 0, sizeof(long) * ORDER__MAX);
	memset(sms, 0, sizeof(long) * OUTBOX__MAX);
	if (bdb_begin(st) != STORE_OK)
		return STORE_ERR;
	for (i = 0; i < 4 && rc == STORE_OK; i++)
		rc = store_walk(st, which[i], store_tally, &t[i]);
	bdb_abort(st);
	return rc;
}

/* Hot backup (Berkeley DB's documented order): checkpoint, copy the
 * databases, then the logs, then run catastrophic recovery on the copy
 * so that it is consistent on its own. */
int
bdb_backup(struct store *st, const char *todir)
{
	char	 **logs = NULL, **p, from[1024], to[1024];
	const char *home;
	DB_ENV	*env = NULL;
	int	 i, rc;

	if (mkdir(todir, 0700) == -1 && errno != EEXIST)
		return STORE_ERR;
	st->env->get_home(st->env, &home);
	if ((rc = st->env->txn_checkpoint(st->env, 0, 0, DB_FORCE)) != 0)
		goto err;
	for (i = 0; i < (int)st->ndb; i++) {
		snprintf(from, sizeof(from), "%s/%s", home, st->files[i]);
		snprintf(to, sizeof(to), "%s/%s", todir, st->files[i]);
		if (file_copy(from, to, 0) == -1)
			return STORE_ERR;
	}
	if ((rc = st->env->log_archive(st->env, &logs, DB_ARCH_LOG)) != 0)
		goto err;
	for (p = logs; p != NULL && *p != NULL; p++) {
		snprintf(from, sizeof(from), "%s/%s", home, *p);
		snprintf(to, sizeof(to), "%s/%s", todir, *p);
		if (file_copy(from, to, 0) == -1) {
			free(logs);
			return STORE_ERR;
		}
	}
	free(logs);
	if ((rc = db_env_create(&env, 0)) != 0 ||
	    (rc = env->open(env, todir, DB_CREATE | DB_INIT_TXN |
	    DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_RECOVER_FATAL,
	    0600)) != 0)
		goto err;
	env->close(env, 0);
	return STORE_OK;
err:
	log_err("%s: %s", __func__, db_strerror(rc));
	if (env != NULL)
		env->close(env, 0);
	return STORE_ERR;
}

/* The records carry their version; the proof index is built once. */
int
bdb_migrate(struct store *st, int *from, int *to)
{
	*from = *to = RECORD_VERSION;
	if (st->files != ca_files)
		return STORE_OK;
	return store_proof_index(st);
}

struct dump {
	int	(*fn)(void *, const struct store_rec *);
	void	*arg;
	enum store_kind kind;
	struct store_rec r;
};

/* Copy a key of at most size - 1 octets as a string. */
static int
store_keystr(char *dst, size_t size, const DBT *k)
{
	if (k->size >= size)
		return -1;
	memcpy(dst, k->data, k->size);
	dst[k->size] = '\0';
	return 0;
}

/* The records of the fixed-layout databases, checked. */
static int
store_dump_fixed(struct dump *d, const DBT *v)
{
	static const size_t sizes[SK__MAX] = {
		[SK_ACCOUNT] = sizeof(struct account),
		[SK_ORDER] = sizeof(struct order),
		[SK_CERT] = sizeof(struct cert),
		[SK_SMS] = sizeof(struct sms),
		[SK_PLATFORM] = sizeof(struct platform),
	};
	struct account	*a = &d->r.u.a;

	/* Records of an earlier version read as the current one. */
	if (d->kind == SK_ORDER)
		return store_order_decode(v->data, v->size, &d->r.u.o) == -1;
	if (d->kind == SK_ACCOUNT && v->size == ACCOUNT_V1_SIZE) {
		memcpy(a, v->data, v->size);
		if (a->version != RECORD_VERSION)
			return 1;
		a->version = ACCOUNT_VERSION;
		return !store_account_ok(a);
	}
	if (v->size != sizes[d->kind])
		return 1;
	memcpy(&d->r.u, v->data, v->size);
	switch (d->kind) {
	case SK_ACCOUNT:
		return !store_account_ok(a);
	case SK_CERT:
		return !store_cert_ok(&d->r.u.c);
	case SK_PLATFORM:
		return !store_platform_ok(&d->r.u.p);
	default:
		return !store_sms_ok(&d->r.u.m);
	}
}

/* Meta holds the replacement records too (REPLACED_PREFIX): 1 when k is
 * one. */
static int
store_is_replaced(const DBT *k)
{
	size_t	 n = sizeof(REPLACED_PREFIX) - 1;

	return k->size >= n && memcmp(k->data, REPLACED_PREFIX, n) == 0;
}

/* A replacement record: the certificate's id after the prefix, the
 * order's id as the value. */
static int
store_dump_replaced(struct store_rec *r, const DBT *k, const DBT *v)
{
	size_t	 n = sizeof(REPLACED_PREFIX) - 1;

	if (!store_is_replaced(k))
		return -1;	/* a meta counter: SK_META */
	if (v->size != ID_LEN || k->size - n > ID_LEN)
		return 1;
	memcpy(r->u.repl.cert, (char *)k->data + n, k->size - n);
	memcpy(r->u.repl.order, v->data, ID_LEN);
	return 0;
}

/* The key-value databases: keys, account lists, nonces, the retry index,
 * counters and windows (one database), meta. 1: not a record of the
 * kind; -1: a record of the other kind of its database. */
static int
store_dump_kv(struct dump *d, const DBT *k, const DBT *v)
{
	struct store_rec *r = &d->r;
	struct counter	 c;

	switch (d->kind) {
	case SK_KEY:
		if (v->size != ID_LEN || store_keystr(r->u.key.thumb,
		    sizeof(r->u.key.thumb), k) == -1)
			return 1;
		memcpy(r->u.key.id, v->data, ID_LEN);
		return 0;
	case SK_ACCT_ORDER:
		if (v->size != 8 + ID_LEN || store_keystr(r->u.o.acct,
		    sizeof(r->u.o.acct), k) == -1)
			return 1;
		r->u.o.created = store_be64(v->data);
		memcpy(r->u.o.id, (char *)v->data + 8, ID_LEN);
		return 0;
	case SK_NONCE:
		if (k->size != NONCE_RAW_LEN || v->size != 8)
			return 1;
		memcpy(r->u.nonce.n, (char *)k->data + NONCE_RAW_LEN - 4, 4);
		memcpy(r->u.nonce.n + 4, k->data, NONCE_RAW_LEN - 4);
		r->u.nonce.expires = store_be64(v->data);
		return 0;
	case SK_DUE:
		if (k->size <= 8 || k->size >= 8 + SMS_ID_MAX)
			return 1;
		r->u.due.when = store_be64(k->data);
		memcpy(r->u.due.id, (char *)k->data + 8, k->size - 8);
		return 0;
	case SK_COUNTER:
		if (v->size == sizeof(r->u.win.w))
			return -1;	/* a window: SK_WINDOW */
		if (v->size != sizeof(c) || store_keystr(r->u.ctr.key,
		    sizeof(r->u.ctr.key), k) == -1)
			return 1;
		memcpy(&c, v->data, sizeof(c));
		r->u.ctr.window_end = c.window_end;
		r->u.ctr.value = c.value;
		return 0;
	case SK_WINDOW:
		if (v->size == sizeof(c))
			return -1;	/* a counter: SK_COUNTER */
		if (v->size != sizeof(r->u.win.w) || store_keystr(r->u.win.key,
		    sizeof(r->u.win.key), k) == -1)
			return 1;
		memcpy(&r->u.win.w, v->data, sizeof(r->u.win.w));
		return 0;
	case SK_REPLACED:
		return store_dump_replaced(r, k, v);
	default:
		if (store_is_replaced(k))
			return -1;	/* SK_REPLACED */
		if (v->size != 8 || store_keystr(r->u.ctr.key,
		    sizeof(r->u.ctr.key), k) == -1)
			return 1;
		memcpy(&r->u.ctr.meta, v->data, 8);
		return 0;
	}
}

static int
store_dump_one(struct store *st, DBT *k, DBT *v, void *arg)
{
	struct dump	*d = arg;
	int		 skip;

	(void)st;
	/* The proof index is derived from the orders (order_put). */
	if (d->kind == SK_META && k->size >= strlen(PROOF_PREFIX) &&
	    memcmp(k->data, PROOF_PREFIX, strlen(PROOF_PREFIX)) == 0)
		return 0;
	memset(&d->r, 0, sizeof(d->r));
	d->r.kind = d->kind;
	if (d->kind == SK_ACCOUNT || d->kind == SK_ORDER ||
	    d->kind == SK_CERT || d->kind == SK_SMS || d->kind == SK_PLATFORM)
		skip = store_dump_fixed(d, v);
	else
		skip = store_dump_kv(d, k, v);
	if (skip > 0)
		log_warn("store_dump: %s: a record that does not pass its "
		    "checks is left out", store_kinds[d->kind]);
	if (skip != 0)
		return 0;
	return d->fn(d->arg, &d->r) == -1 ? -1 : 0;
}

int
bdb_dump(struct store *st, int (*fn)(void *, const struct store_rec *),
    void *arg)
{
	static const enum dbname dbs[SK__MAX] = {
		[SK_ACCOUNT] = DB_ACCOUNTS, [SK_KEY] = DB_KEYS,
		[SK_ORDER] = DB_ORDERS, [SK_ACCT_ORDER] = DB_ACCT_ORDERS,
		[SK_CERT] = DB_CERTS, [SK_NONCE] = DB_NONCES,
		[SK_SMS] = DB_OUTBOX, [SK_DUE] = DB_DUE,
		[SK_COUNTER] = DB_COUNTERS, [SK_META] = DB_META,
		[SK_WINDOW] = DB_COUNTERS, [SK_PLATFORM] = DB_PLATFORMS,
		[SK_REPLACED] = DB_META,
	};
	struct dump	*d;
	int		 k, rc = STORE_OK;

	if (st->files != ca_files || (d = calloc(1, sizeof(*d))) == NULL)
		return STORE_ERR;
	d->fn = fn;
	d->arg = arg;
	for (k = 0; k < SK__MAX && rc == STORE_OK; k++) {
		d->kind = (enum store_kind)k;
		rc = store_walk(st, dbs[k], store_dump_one, d);
	}
	free(d);
	return rc;
}

int
bdb_load(struct store *st, const struct store_rec *r)
{
	struct counter	 c;
	unsigned char	 v[8];
	int		 rc;

	switch (r->kind) {
	case SK_ACCOUNT:
		return bdb_account_put(st, &r->u.a);
	case SK_KEY:
		return store_put(st, DB_KEYS, r->u.key.thumb,
		    strlen(r->u.key.thumb), r->u.key.id, ID_LEN, 0);
	case SK_ORDER:
		return bdb_order_put(st, &r->u.o);
	case SK_ACCT_ORDER:
		rc = bdb_acct_order_add(st, &r->u.o);
		return rc == STORE_EXISTS ? STORE_OK : rc;
	case SK_CERT:
		return bdb_cert_put(st, &r->u.c);
	case SK_NONCE:
		rc = bdb_nonce_use(st, r->u.nonce.n, NONCE_RAW_LEN,
		    r->u.nonce.expires);
		return rc == STORE_EXISTS ? STORE_OK : rc;
	case SK_SMS:
		return bdb_sms_put(st, &r->u.m);
	case SK_DUE:
		return bdb_due_add(st, r->u.due.when, r->u.due.id);
	case SK_COUNTER:
		memset(&c, 0, sizeof(c));
		c.window_end = r->u.ctr.window_end;
		c.value = r->u.ctr.value;
		return store_put(st, DB_COUNTERS, r->u.ctr.key,
		    strlen(r->u.ctr.key), &c, sizeof(c), 0);
	case SK_META:
		memcpy(v, &r->u.ctr.meta, 8);
		return store_put(st, DB_META, r->u.ctr.key,
		    strlen(r->u.ctr.key), v, 8, 0);
	case SK_WINDOW:
		return bdb_window_put(st, r->u.win.key, &r->u.win.w);
	case SK_PLATFORM:
		return bdb_platform_put(st, &r->u.p);
	case SK_REPLACED:
		return store_replaced_load(st, r->u.repl.cert, r->u.repl.order);
	default:
		return STORE_ERR;
	}
}

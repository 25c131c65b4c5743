/* The Berkeley DB environment: one transactional environment shared by
 * every program and process (DB_REGISTER + DB_RECOVER: the next opener
 * recovers after a process died mid-transaction), one transaction per
 * request, deadlocks detected and reported for a retry. */
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

#include <db.h>

#include "file.h"
#include "log.h"
#include "engine.h"
#include "store.h"

#define RECORD_VERSION	1
#define ORDER_VERSION	2	/* profile, replaces and proof */
/* The size of a version 1 order: the struct up to its detail member,
 * rounded up to the struct's alignment, as the compiler laid it out. */
#define ORDER_V1_SIZE	((offsetof(struct order, detail) + DETAIL_MAX + \
	_Alignof(struct order) - 1) / _Alignof(struct order) * \
	_Alignof(struct order))
#define REPLACED_PREFIX	"replaced/"	/* meta keys: cert id -> order id */
/* Meta keys "proof/ACCT/IDENT": the latest SMS proof (validated time,
 * big-endian, then the order id), kept by every order_put; derived from
 * the orders, so neither dumped nor loaded. PROOF_INDEXED says that the
 * orders written before the index existed are in it too. */
#define PROOF_PREFIX	"proof/"
#define PROOF_INDEXED	PROOF_PREFIX "indexed"
#define PROOF_KEY_MAX	(sizeof(PROOF_PREFIX) + ID_LEN + IDENT_VALUE_MAX + 2)
#define ACCOUNT_VERSION	2	/* version 2 added the platform */
#define CHECKPOINT_EVERY 64	/* commits of a process between checks */
#define CHECKPOINT_MIN	5	/* minutes between checkpoints */

enum dbname { DB_ACCOUNTS, DB_KEYS, DB_ORDERS, DB_ACCT_ORDERS, DB_CERTS,
	DB_SERIALS, DB_REVOKED, DB_NONCES, DB_OUTBOX, DB_COUNTERS, DB_META,
	DB_DUE, DB_PLATFORMS, DB__MAX };

/* The CA's databases; acct_orders holds sorted duplicates. */
static const char *const ca_files[DB__MAX] = {
	"accounts.db", "keys.db", "orders.db", "acct_orders.db", "certs.db",
	"serials.db", "revoked.db", "nonces.db", "outbox.db", "counters.db",
	"meta.db", "due.db", "platforms.db",
};

struct store {
	const struct store_engine *eng;	/* first: see engine.h */
	DB_ENV	*env;
	DB	*db[DB__MAX];
	const char *const *files;	/* the databases of this environment */
	size_t	 ndb;
	DB_TXN	*txn;
	DB_TXN	*outer;		/* while a nested transaction runs */
	int	 deadlock;	/* the transaction hit a deadlock */
	int	 failed;	/* ... or another error */
	int	 panic;		/* the environment needs recovery: reopen */
	unsigned long commits, checked;
	char	 dir[1024];
};

#define LOCK_WAIT_US	2000000		/* 2 s */

static int64_t	store_be64(const unsigned char *);
static int	store_walk(struct store *, enum dbname,
		    int (*)(struct store *, DBT *, DBT *, void *), void *);
static void	bdb_abort(struct store *st);
static int	bdb_account_get(struct store *st, const char *id,
		    struct account *a);
static int	bdb_account_put(struct store *st, const struct account *a);
static int	bdb_acct_order_add(struct store *st, const struct order *o);
static int	bdb_acct_orders(struct store *st, const char *acct,
		    const char *after, int max, int *more, int (*fn)(void *,
		    const struct order *), void *arg);
static int	bdb_backup(struct store *st, const char *todir);
static int	bdb_begin(struct store *st);
static int	bdb_cert_get(struct store *st, const char *id, struct cert *c);
static int	bdb_cert_put(struct store *st, const struct cert *c);
static void	bdb_close(struct store *st);
static int	bdb_commit(struct store *st, int durable);
static int	bdb_count(struct store *st, const char *key,
		    int64_t window_end, int n, long *value);
static int	bdb_due_add(struct store *st, int64_t when, const char *id);
static int	bdb_due_take(struct store *st, int64_t now,
		    char ids[][SMS_ID_MAX], int max);
static void	bdb_fail(struct store *st);
static int	bdb_failed(const struct store *st);
static void	bdb_idle(struct store *st);
static int	bdb_key_del(struct store *st, const char *thumb);
static int	bdb_key_get(struct store *st, const char *thumb, char *id);
static int	bdb_key_put(struct store *st, const char *thumb,
		    const char *id);
static int	bdb_kv_del(struct store *st, int d, const void *k,
		    size_t klen);
static int	bdb_kv_get(struct store *st, int d, const void *k, size_t klen,
		    void *buf, size_t size, size_t *got);
static int	bdb_kv_prune(struct store *st, int d, long max, long *removed,
		    int (*due)(struct store *, const void *k, size_t klen,
		    const void *v, size_t vlen, void *arg), void *arg);
static int	bdb_kv_put(struct store *st, int d, const void *k, size_t klen,
		    const void *v, size_t vlen);
static int	bdb_due_peek(struct store *st, int64_t now,
		    char ids[][SMS_ID_MAX], int64_t *when, int max);
static int	bdb_due_del(struct store *st, int64_t when, const char *id);
static int	bdb_window_get(struct store *st, const char *key,
		    struct window *w);
static int	bdb_window_put(struct store *st, const char *key,
		    const struct window *w);
static int	bdb_nest_begin(struct store *st);
static int	bdb_nest_end(struct store *st, int keep);
static int	bdb_meta_above(struct store *st, const char *key, uint64_t floor,
		    uint64_t *value);
static int	bdb_meta_next(struct store *st, const char *key,
		    uint64_t *value);
static int	bdb_nonce_use(struct store *st, const unsigned char *n,
		    size_t len, int64_t expires);
static int	bdb_order_get(struct store *st, const char *id,
		    struct order *o);
static int	bdb_order_put(struct store *st, const struct order *o);
static int	bdb_orders_walk(struct store *st, int (*fn)(void *,
		    const struct order *), void *arg);
static int	bdb_replace(struct store *st, const char *cert,
		    const char *order, const char *prev);
static int	bdb_replaced_by(struct store *st, const char *cert,
		    char *order);
static int	bdb_panicked(const struct store *st);
static int	bdb_prune(struct store *st, int64_t now, long *removed);
static int	bdb_reopen(struct store **stp);
static int	bdb_retry(const struct store *st);
static int	bdb_revoked(struct store *st, int (*fn)(void *,
		    const struct cert *), void *arg);
static int	bdb_serial_get(struct store *st, const unsigned char *serial,
		    char *id);
static int	bdb_sms_get(struct store *st, const char *id, struct sms *m);
static int	bdb_sms_put(struct store *st, const struct sms *m);
static int	bdb_sms_queued(struct store *st, int (*fn)(void *,
		    struct sms *), void *arg);
static int	bdb_stats(struct store *st, long *accounts,
		    long orders[ORDER__MAX], long sms[OUTBOX__MAX],
		    long *certs);
static const struct store_engine bdb_engine;

/* A counter record. */
struct counter {
	int64_t	 window_end;
	long	 value;
};

static void
store_note(struct store *st, const char *fn, int rc)
{
	if (rc == DB_LOCK_DEADLOCK || rc == DB_LOCK_NOTGRANTED)
		st->deadlock = 1;
	else if (rc == DB_RUNRECOVERY) {
		log_warn("%s: the environment needs recovery", fn);
		st->panic = st->failed = 1;
	} else {
		log_err("%s: %s", fn, db_strerror(rc));
		st->failed = 1;
	}
}

static int
store_open_dbs(struct store *st, int create)
{
	DB_TXN	*txn = NULL;
	int	 i = (int)st->ndb, rc;

	if ((rc = st->env->txn_begin(st->env, NULL, &txn, 0)) != 0)
		goto err;
	for (i = 0; i < (int)st->ndb; i++) {
		if ((rc = db_create(&st->db[i], st->env, 0)) != 0)
			goto err;
		if (st->files == ca_files && i == DB_ACCT_ORDERS &&
		    (rc = st->db[i]->set_flags(st->db[i], DB_DUP |
		    DB_DUPSORT)) != 0)
			goto err;
		/* platforms.db is newer than some environments. */
		if ((rc = st->db[i]->open(st->db[i], txn, st->files[i], NULL,
		    DB_BTREE, create || (st->files == ca_files &&
		    i == DB_PLATFORMS) ? DB_CREATE : 0, 0600)) != 0)
			goto err;
	}
	return txn->commit(txn, 0) == 0 ? 0 : -1;
err:
	log_err("%s: %s: %s", __func__, i < (int)st->ndb ? st->files[i] : "",
	    db_strerror(rc));
	if (txn != NULL)
		txn->abort(txn);
	return -1;
}

/* Open (create) an environment in dir holding the n databases named. */
static struct store *
store_open_files(const char *dir, const char *const *files, size_t n,
    int create)
{
	struct store	*st;
	int		 rc;
	u_int32_t	 flags = DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG |
	    DB_INIT_MPOOL | DB_REGISTER | DB_RECOVER | DB_CREATE;

	if (n > DB__MAX || (st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->eng = &bdb_engine;
	st->files = files;
	st->ndb = n;
	if (strlen(dir) >= sizeof(st->dir)) {
		free(st);
		return NULL;
	}
	strcpy(st->dir, dir);
	if (create && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_err("%s: mkdir %s: %s", __func__, dir, strerror(errno));
		free(st);
		return NULL;
	}
	if ((rc = db_env_create(&st->env, 0)) != 0)
		goto err;
	st->env->set_errfile(st->env, stderr);
	st->env->set_errpfx(st->env, "idprover-store");
	st->env->set_cachesize(st->env, 0, 4 * 1024 * 1024, 1);
	st->env->set_lk_detect(st->env, DB_LOCK_DEFAULT);
	/* A lock held by a process that was killed is never released until
	 * the next opener recovers the environment: a waiter gives up after
	 * LOCK_WAIT_US (as a deadlock: the request runs again, on the
	 * recovered environment) instead of waiting for the watchdog. */
	st->env->set_timeout(st->env, LOCK_WAIT_US, DB_SET_LOCK_TIMEOUT);
	st->env->set_lg_bsize(st->env, 256 * 1024);
	st->env->set_lg_max(st->env, 4 * 1024 * 1024);
	st->env->log_set_config(st->env, DB_LOG_AUTO_REMOVE, 1);
	/* Log files written whole with zeros when made: a commit's flush
	 * then overwrites blocks the file already has, and fdatasync need
	 * not also write the file's new size (~25% less commit latency
	 * here, bench/RESULTS.md), for one 4 MiB write per log file. */
	st->env->log_set_config(st->env, DB_LOG_ZERO, 1);
	if ((rc = st->env->open(st->env, dir, flags, 0600)) != 0)
		goto err;
	if (store_open_dbs(st, create) == -1) {
		bdb_close(st);
		return NULL;
	}
	return st;
err:
	log_err("%s: %s: %s", __func__, dir, db_strerror(rc));
	if (st->env != NULL)
		st->env->close(st->env, 0);
	free(st);
	return NULL;
}

struct store *
bdb_open(const char *dir, int create)
{
	return store_open_files(dir, ca_files, DB__MAX, create);
}

struct store *
bdb_open_kv(const char *dir, const char *const *files, size_t n)
{
	return store_open_files(dir, files, n, 1);
}

static void
bdb_close(struct store *st)
{
	int	 i;

	if (st == NULL)
		return;
	if (st->txn != NULL)
		bdb_abort(st);
	for (i = 0; i < (int)st->ndb; i++)
		if (st->db[i] != NULL)
			st->db[i]->close(st->db[i], 0);
	if (st->env != NULL) {
		st->env->txn_checkpoint(st->env, 0, 0, 0);
		st->env->close(st->env, 0);
	}
	free(st);
}

static int
bdb_begin(struct store *st)
{
	int	 rc;

	st->deadlock = st->failed = 0;
	if ((rc = st->env->txn_begin(st->env, NULL, &st->txn, 0)) != 0) {
		store_note(st, __func__, rc);
		st->txn = NULL;
		return STORE_ERR;
	}
	return STORE_OK;
}

/* Test hook: while the named file exists, hold the transaction open
 * before commit so that a test can kill the process mid-write. */
static void
store_crash_hook(void)
{
	const char	*f = getenv("IDPROVER_CRASH_HOOK");
	int		 i;

	for (i = 0; f != NULL && i < 300 && access(f, F_OK) == 0; i++)
		usleep(100000);
}

static int
bdb_commit(struct store *st, int durable)
{
	int	 rc;

	if (st->txn == NULL)
		return STORE_ERR;
	if (st->deadlock || st->failed || st->outer != NULL) {
		bdb_abort(st);
		return STORE_ERR;
	}
	if (durable)
		store_crash_hook();
	/*
	 * Commit without waiting for the disk, so the transaction's locks
	 * are released at once, then flush the log before anyone is told:
	 * a transaction that saw this one's writes can only reach the disk
	 * after it (the log is sequential), and concurrent flushes from all
	 * processes share one write. Durable, without holding locks across
	 * the fdatasync.
	 */
	rc = st->txn->commit(st->txn, DB_TXN_NOSYNC);
	st->txn = NULL;
	if (rc == 0 && durable)
		rc = st->env->log_flush(st->env, NULL);
	if (rc != 0) {
		store_note(st, __func__, rc);
		return STORE_ERR;
	}
	st->commits++;
	return STORE_OK;
}

/* Between requests, after the answer went out: now and then a
 * checkpoint, so that recovery stays short; it writes the cache's dirty
 * pages, which takes long enough that no client should wait for it. */
static void
bdb_idle(struct store *st)
{
	if (st->commits < st->checked + CHECKPOINT_EVERY)
		return;
	st->checked = st->commits;
	st->env->txn_checkpoint(st->env, 0, CHECKPOINT_MIN, 0);
}

static void
bdb_abort(struct store *st)
{
	if (st->outer != NULL) {
		if (st->txn != NULL)
			st->txn->abort(st->txn);
		st->txn = st->outer;
		st->outer = NULL;
	}
	if (st->txn != NULL)
		st->txn->abort(st->txn);
	st->txn = NULL;
}

static int
bdb_nest_begin(struct store *st)
{
	DB_TXN	*child;
	int	 rc;

	if (st->txn == NULL || st->outer != NULL || st->deadlock ||
	    st->failed)
		return STORE_ERR;
	if ((rc = st->env->txn_begin(st->env, st->txn, &child, 0)) != 0) {
		store_note(st, __func__, rc);
		return STORE_ERR;
	}
	st->outer = st->txn;
	st->txn = child;
	return STORE_OK;
}

static int
bdb_nest_end(struct store *st, int keep)
{
	DB_TXN	*child = st->txn;
	int	 rc;

	if (st->outer == NULL || child == NULL)
		return STORE_ERR;
	st->txn = st->outer;
	st->outer = NULL;
	if (!keep || st->deadlock || st->failed) {
		child->abort(child);
		return st->deadlock || st->failed ? STORE_ERR : STORE_OK;
	}
	if ((rc = child->commit(child, 0)) != 0) {
		store_note(st, __func__, rc);
		return STORE_ERR;
	}
	return STORE_OK;
}

static int
bdb_panicked(const struct store *st)
{
	return st->panic;
}

static int
bdb_reopen(struct store **stp)
{
	struct store	*st = *stp, *nst;
	const char *const *st_files = st->files;
	size_t		 st_ndb = st->ndb;
	char		 dir[sizeof(st->dir)];

	strcpy(dir, st->dir);
	bdb_close(st);
	*stp = NULL;
	if ((nst = store_open_files(dir, st_files, st_ndb, 0)) == NULL)
		return STORE_ERR;
	*stp = nst;
	return STORE_OK;
}

static int
bdb_retry(const struct store *st)
{
	return st->deadlock && !st->failed;
}

static int
bdb_failed(const struct store *st)
{
	return st->deadlock || st->failed;
}

/* Read key into buf of exactly size octets (records) or up to size. */
static int
store_get(struct store *st, enum dbname d, const void *k, size_t klen,
    void *buf, size_t size, size_t *got)
{
	DBT	 key, data;
	int	 rc;

	if (st->deadlock || st->failed)
		return STORE_ERR;
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	key.data = (void *)k;
	key.size = (u_int32_t)klen;
	data.data = buf;
	data.ulen = (u_int32_t)size;
	data.flags = DB_DBT_USERMEM;
	rc = st->db[d]->get(st->db[d], st->txn, &key, &data,
	    st->txn != NULL ? DB_RMW : 0);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc == DB_BUFFER_SMALL) {
		log_err("%s: %s: record too large", __func__, st->files[d]);
		st->failed = 1;
		return STORE_ERR;
	}
	if (rc != 0) {
		store_note(st, __func__, rc);
		return STORE_ERR;
	}
	if (got != NULL)
		*got = data.size;
	else if (data.size != size) {
		log_err("%s: %s: record of the wrong size", __func__,
		    st->files[d]);
		st->failed = 1;
		return STORE_ERR;
	}
	return STORE_OK;
}

static int
store_put(struct store *st, enum dbname d, const void *k, size_t klen,
    const void *v, size_t vlen, u_int32_t flags)
{
	DBT	 key, data;
	int	 rc;

	if (st->deadlock || st->failed)
		return STORE_ERR;
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	key.data = (void *)k;
	key.size = (u_int32_t)klen;
	data.data = (void *)v;
	data.size = (u_int32_t)vlen;
	rc = st->db[d]->put(st->db[d], st->txn, &key, &data, flags);
	if (rc == DB_KEYEXIST)
		return STORE_EXISTS;
	if (rc != 0) {
		store_note(st, __func__, rc);
		return STORE_ERR;
	}
	return STORE_OK;
}

static int
store_del(struct store *st, enum dbname d, const void *k, size_t klen)
{
	DBT	 key;
	int	 rc;

	if (st->deadlock || st->failed)
		return STORE_ERR;
	memset(&key, 0, sizeof(key));
	key.data = (void *)k;
	key.size = (u_int32_t)klen;
	rc = st->db[d]->del(st->db[d], st->txn, &key, 0);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc != 0) {
		store_note(st, __func__, rc);
		return STORE_ERR;
	}
	return STORE_OK;
}

/* 1 when the char array s of size n is NUL-terminated. */
static int
store_terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

#define TERMINATED(r, m)	store_terminated((r)->m, sizeof((r)->m))

/* Record checks: a record read back must be what store_*_put wrote. */
static int
store_account_ok(const struct account *a)
{
	return a->version == ACCOUNT_VERSION && a->status < ACCT__MAX &&
	    TERMINATED(a, id) && TERMINATED(a, thumb) && TERMINATED(a, key) &&
	    TERMINATED(a, contact) && TERMINATED(a, platform);
}

static int
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

static int
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
static int
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

static int
store_cert_ok(const struct cert *c)
{
	return c->version == RECORD_VERSION && TERMINATED(c, id) &&
	    TERMINATED(c, acct) && c->derlen <= sizeof(c->der);
}

static int
store_sms_ok(const struct sms *m)
{
	return m->version == RECORD_VERSION && m->state < OUTBOX__MAX &&
	    TERMINATED(m, id) && TERMINATED(m, order) && TERMINATED(m, acct) &&
	    TERMINATED(m, to) && TERMINATED(m, msgid) &&
	    TERMINATED(m, error) && m->sealedlen <= sizeof(m->sealed);
}

/* Get a fixed-size record and check it. */
static int
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

/* The size of a version 1 account record: the fields before platform,
 * padded as the struct was. */
#define ACCOUNT_V1_SIZE	((offsetof(struct account, platform) + 7) & ~(size_t)7)

static int
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

static int
bdb_account_put(struct store *st, const struct account *a)
{
	struct account	 r = *a;

	r.version = ACCOUNT_VERSION;
	return store_put(st, DB_ACCOUNTS, r.id, strlen(r.id), &r, sizeof(r),
	    0);
}

static int
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

static int
bdb_key_put(struct store *st, const char *thumb, const char *id)
{
	return store_put(st, DB_KEYS, thumb, strlen(thumb), id, ID_LEN,
	    DB_NOOVERWRITE);
}

static int
bdb_key_del(struct store *st, const char *thumb)
{
	return store_del(st, DB_KEYS, thumb, strlen(thumb));
}

static int
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

static int
bdb_order_put(struct store *st, const struct order *o)
{
	struct order	 r = *o;
	int		 rc;

	r.version = ORDER_VERSION;
	rc = store_put(st, DB_ORDERS, r.id, strlen(r.id), &r, sizeof(r), 0);
	return rc == STORE_OK ? store_proof_note(st, &r) : rc;
}

static int
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
static int
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
static void
store_order_ref(const struct order *o, unsigned char ref[8 + ID_LEN])
{
	uint64_t	 t = (uint64_t)o->created;
	int		 i;

	for (i = 7; i >= 0; i--, t >>= 8)
		ref[i] = (unsigned char)t;
	memcpy(ref + 8, o->id, ID_LEN);
}

static int
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

static int
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
		goto err;
	c->close(c);
	return bdb_failed(st) ? STORE_ERR : n;
err:
	store_note(st, __func__, rc);
	if (c != NULL)
		c->close(c);
	return STORE_ERR;
}

static int
bdb_cert_get(struct store *st, const char *id, struct cert *c)
{
	return store_record(st, DB_CERTS, id, c, sizeof(*c),
	    (int (*)(const void *))store_cert_ok);
}

static int
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

static int
bdb_serial_get(struct store *st, const unsigned char *serial, char *id)
{
	size_t	 n;
	int	 rc;

	rc = store_get(st, DB_SERIALS, serial, SERIAL_LEN, id, ID_LEN, &n);
	if (rc == STORE_OK)
		id[n < ID_LEN ? n : ID_LEN] = '\0';
	return rc;
}

/* Walk every record of a database, handing fn the key and data. */
static int
store_walk(struct store *st, enum dbname d,
    int (*fn)(struct store *, DBT *, DBT *, void *), void *arg)
{
	DBC	*c = NULL;
	DBT	 key, data;
	int	 rc;

	if (st->deadlock || st->failed)
		return STORE_ERR;
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	if ((rc = st->db[d]->cursor(st->db[d], st->txn, &c, 0)) != 0)
		goto err;
	while ((rc = c->get(c, &key, &data, DB_NEXT)) == 0)
		if (fn(st, &key, &data, arg) == -1)
			break;
	if (rc != 0 && rc != DB_NOTFOUND)
		goto err;
	c->close(c);
	return bdb_failed(st) ? STORE_ERR : STORE_OK;
err:
	store_note(st, __func__, rc);
	if (c != NULL)
		c->close(c);
	return STORE_ERR;
}

struct orders_walk {
	int	(*fn)(void *, const struct order *);
	void	*arg;
};

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

static int
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

static int
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
static int
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

struct revoked_walk {
	int	(*fn)(void *, const struct cert *);
	void	*arg;
};

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

static int
bdb_revoked(struct store *st, int (*fn)(void *, const struct cert *),
    void *arg)
{
	struct revoked_walk	 w = { fn, arg };

	return store_walk(st, DB_REVOKED, store_revoked_one, &w);
}

/* Used nonces: the key is the nonce from its random part on (so that
 * concurrent inserts spread over the tree instead of all landing on its
 * last page), the data its expiry. */
static int
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

static int
bdb_sms_put(struct store *st, const struct sms *m)
{
	struct sms	 r = *m;

	r.version = RECORD_VERSION;
	return store_put(st, DB_OUTBOX, r.id, strlen(r.id), &r, sizeof(r), 0);
}

static int
bdb_sms_get(struct store *st, const char *id, struct sms *m)
{
	return store_record(st, DB_OUTBOX, id, m, sizeof(*m),
	    (int (*)(const void *))store_sms_ok);
}

struct sms_walk {
	int	(*fn)(void *, struct sms *);
	void	*arg;
};

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

static int
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

static int
bdb_due_add(struct store *st, int64_t when, const char *id)
{
	unsigned char	 key[8 + SMS_ID_MAX];
	size_t		 n = strlen(id);

	if (n >= SMS_ID_MAX)
		return STORE_ERR;
	store_due_key(key, when, id, n);
	return store_put(st, DB_DUE, key, 8 + n, "", 0, 0);
}

static int
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
		goto err;
	c->close(c);
	return n;
err:
	store_note(st, __func__, rc);
	if (c != NULL)
		c->close(c);
	return STORE_ERR;
}

static int
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
		goto err;
	c->close(c);
	return n;
err:
	store_note(st, __func__, rc);
	if (c != NULL)
		c->close(c);
	return STORE_ERR;
}

static int
bdb_due_del(struct store *st, int64_t when, const char *id)
{
	unsigned char	 key[8 + SMS_ID_MAX];
	size_t		 n = strlen(id);

	if (n >= SMS_ID_MAX)
		return STORE_ERR;
	store_due_key(key, when, id, n);
	return store_del(st, DB_DUE, key, 8 + n);
}

static int
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

static int
bdb_window_put(struct store *st, const char *key, const struct window *w)
{
	return store_put(st, DB_COUNTERS, key, strlen(key), w, sizeof(*w), 0);
}

static int
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
	*value = c.value;
	if (n == 0)
		return STORE_OK;
	return store_put(st, DB_COUNTERS, key, strlen(key), &c, sizeof(c), 0);
}

static int
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

static int
bdb_meta_next(struct store *st, const char *key, uint64_t *value)
{
	return bdb_meta_above(st, key, 0, value);
}

static int64_t
store_be64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

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

static int
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

struct tally {
	long	*accounts, *orders, *sms, *certs;
};

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

static int
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
static int
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

/*
 * Plain key-value access to the databases of an environment opened with
 * store_open_kv: for stores of other modules (the relay's sessions),
 * which bring their own record checks.
 */
static int
bdb_kv_get(struct store *st, int d, const void *k, size_t klen, void *buf,
    size_t size, size_t *got)
{
	if (d < 0 || (size_t)d >= st->ndb)
		return STORE_ERR;
	return store_get(st, (enum dbname)d, k, klen, buf, size, got);
}

static int
bdb_kv_put(struct store *st, int d, const void *k, size_t klen,
    const void *v, size_t vlen)
{
	if (d < 0 || (size_t)d >= st->ndb)
		return STORE_ERR;
	return store_put(st, (enum dbname)d, k, klen, v, vlen, 0);
}

static int
bdb_kv_del(struct store *st, int d, const void *k, size_t klen)
{
	if (d < 0 || (size_t)d >= st->ndb)
		return STORE_ERR;
	return store_del(st, (enum dbname)d, k, klen);
}

static void
bdb_fail(struct store *st)
{
	st->failed = 1;
}

static int
bdb_kv_prune(struct store *st, int d, long max, long *removed,
    int (*due)(struct store *, const void *k, size_t klen, const void *v,
    size_t vlen, void *arg), void *arg)
{
	DBC	*c = NULL;
	DBT	 key, data;
	int	 rc;

	if (d < 0 || (size_t)d >= st->ndb || st->deadlock || st->failed)
		return STORE_ERR;
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	if ((rc = st->db[d]->cursor(st->db[d], st->txn, &c, 0)) != 0)
		goto err;
	while (*removed < max && (rc = c->get(c, &key, &data, DB_NEXT)) == 0) {
		if (!due(st, key.data, key.size, data.data, data.size, arg))
			continue;
		if ((rc = c->del(c, 0)) != 0)
			goto err;
		(*removed)++;
	}
	if (rc != 0 && rc != DB_NOTFOUND)
		goto err;
	c->close(c);
	return bdb_failed(st) ? STORE_ERR : STORE_OK;
err:
	store_note(st, __func__, rc);
	if (c != NULL)
		c->close(c);
	return STORE_ERR;
}

static int
bdb_unavailable(const struct store *st)
{
	(void)st;
	return 0;
}

/* The records carry their version; the proof index is built once. */
static int
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
	};

	if (v->size != sizes[d->kind])
		return 1;
	memcpy(&d->r.u, v->data, v->size);
	switch (d->kind) {
	case SK_ACCOUNT:
		return !store_account_ok(&d->r.u.a);
	case SK_ORDER:
		return !store_order_ok(&d->r.u.o);
	case SK_CERT:
		return !store_cert_ok(&d->r.u.c);
	default:
		return !store_sms_ok(&d->r.u.m);
	}
}

/* The key-value databases: keys, account lists, nonces, the retry index,
 * counters, meta. 1: not a record of the kind. */
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
		if (v->size != sizeof(c) || store_keystr(r->u.ctr.key,
		    sizeof(r->u.ctr.key), k) == -1)
			return 1;
		memcpy(&c, v->data, sizeof(c));
		r->u.ctr.window_end = c.window_end;
		r->u.ctr.value = c.value;
		return 0;
	default:
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
	    d->kind == SK_CERT || d->kind == SK_SMS)
		skip = store_dump_fixed(d, v);
	else
		skip = store_dump_kv(d, k, v);
	if (skip) {
		log_warn("store_dump: %s: a record that does not pass its "
		    "checks is left out", store_kinds[d->kind]);
		return 0;
	}
	return d->fn(d->arg, &d->r) == -1 ? -1 : 0;
}

static int
bdb_dump(struct store *st, int (*fn)(void *, const struct store_rec *),
    void *arg)
{
	static const enum dbname dbs[SK__MAX] = {
		[SK_ACCOUNT] = DB_ACCOUNTS, [SK_KEY] = DB_KEYS,
		[SK_ORDER] = DB_ORDERS, [SK_ACCT_ORDER] = DB_ACCT_ORDERS,
		[SK_CERT] = DB_CERTS, [SK_NONCE] = DB_NONCES,
		[SK_SMS] = DB_OUTBOX, [SK_DUE] = DB_DUE,
		[SK_COUNTER] = DB_COUNTERS, [SK_META] = DB_META,
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

static int
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
	default:
		return STORE_ERR;
	}
}

static int
bdb_platform_get(struct store *st, const char *name, struct platform *p)
{
	return store_record(st, DB_PLATFORMS, name, p, sizeof(*p),
	    (int (*)(const void *))store_platform_ok);
}

static int
bdb_platform_put(struct store *st, const struct platform *p)
{
	struct platform	 r = *p;

	r.version = RECORD_VERSION;
	return store_put(st, DB_PLATFORMS, r.name, strlen(r.name), &r,
	    sizeof(r), 0);
}

struct platform_walk {
	int	(*fn)(void *, const struct platform *);
	void	*arg;
	int	 n;
};

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

static int
bdb_platforms(struct store *st, int (*fn)(void *, const struct platform *),
    void *arg)
{
	struct platform_walk	 w = { fn, arg, 0 };

	return store_walk(st, DB_PLATFORMS, store_platform_one, &w);
}

/* The Berkeley DB engine behind store.h. */
static const struct store_engine bdb_engine = {
	.name = "bdb",
	.abort = bdb_abort,
	.account_get = bdb_account_get,
	.account_put = bdb_account_put,
	.acct_order_add = bdb_acct_order_add,
	.acct_orders = bdb_acct_orders,
	.backup = bdb_backup,
	.begin = bdb_begin,
	.cert_get = bdb_cert_get,
	.cert_put = bdb_cert_put,
	.close = bdb_close,
	.commit = bdb_commit,
	.count = bdb_count,
	.due_add = bdb_due_add,
	.due_take = bdb_due_take,
	.dump = bdb_dump,
	.fail = bdb_fail,
	.failed = bdb_failed,
	.idle = bdb_idle,
	.key_del = bdb_key_del,
	.key_get = bdb_key_get,
	.key_put = bdb_key_put,
	.kv_del = bdb_kv_del,
	.kv_get = bdb_kv_get,
	.kv_prune = bdb_kv_prune,
	.kv_put = bdb_kv_put,
	.load = bdb_load,
	.meta_next = bdb_meta_next,
	.meta_above = bdb_meta_above,
	.nest_begin = bdb_nest_begin,
	.due_peek = bdb_due_peek,
	.due_del = bdb_due_del,
	.window_get = bdb_window_get,
	.window_put = bdb_window_put,
	.nest_end = bdb_nest_end,
	.migrate = bdb_migrate,
	.nonce_use = bdb_nonce_use,
	.order_get = bdb_order_get,
	.order_put = bdb_order_put,
	.orders_walk = bdb_orders_walk,
	.acct_proof = bdb_acct_proof,
	.replace = bdb_replace,
	.replaced_by = bdb_replaced_by,
	.panicked = bdb_panicked,
	.platform_get = bdb_platform_get,
	.platform_put = bdb_platform_put,
	.platforms = bdb_platforms,
	.prune = bdb_prune,
	.reopen = bdb_reopen,
	.retry = bdb_retry,
	.revoked = bdb_revoked,
	.serial_get = bdb_serial_get,
	.sms_get = bdb_sms_get,
	.sms_put = bdb_sms_put,
	.sms_queued = bdb_sms_queued,
	.stats = bdb_stats,
	.unavailable = bdb_unavailable,
};

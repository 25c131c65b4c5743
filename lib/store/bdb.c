/* The Berkeley DB environment: one transactional environment shared by
 * every program and process (DB_REGISTER + DB_RECOVER: the next opener
 * recovers after a process died mid-transaction), one transaction per
 * request, deadlocks detected and reported for a retry; plain records and
 * the key-value calls; the engine's table. */
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


const char *const ca_files[DB__MAX] = {
	"accounts.db", "keys.db", "orders.db", "acct_orders.db", "certs.db",
	"serials.db", "revoked.db", "nonces.db", "outbox.db", "counters.db",
	"meta.db", "due.db", "platforms.db",
};

void
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

/* Note which first region file the environment has now. */
static void
bdb_note_region(struct store *st)
{
	struct stat	 sb;

	if (snprintf(st->region, sizeof(st->region), "%s/__db.001",
	    st->dir) >= (int)sizeof(st->region) ||
	    stat(st->region, &sb) == -1) {
		st->region[0] = '\0';	/* never stale, then */
		return;
	}
	st->region_dev = sb.st_dev;
	st->region_ino = sb.st_ino;
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
	/* Room for the mutexes of many processes' handles (a process that
	 * dies leaves its own behind until the next recovery). */
	st->env->mutex_set_increment(st->env, MUTEX_EXTRA);
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
	bdb_note_region(st);
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

void
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

int
bdb_begin(struct store *st)
{
	int	 rc;

	st->deadlock = st->failed = 0;
	st->nonce_on = 0;
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

int
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
void
bdb_idle(struct store *st)
{
	if (st->commits < st->checked + CHECKPOINT_EVERY)
		return;
	st->checked = st->commits;
	st->env->txn_checkpoint(st->env, 0, CHECKPOINT_MIN, 0);
}

void
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

int
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

int
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

int
bdb_panicked(const struct store *st)
{
	return st->panic;
}

int
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

/* Recovery removes an environment's region files and makes them anew;
 * a handle whose first region file is no longer the one it opened lives
 * in the old, abandoned environment. Only stat(2): async-signal-safe. */
int
bdb_stale(const struct store *st)
{
	struct stat	 sb;

	if (st->region[0] == '\0')
		return 0;
	if (stat(st->region, &sb) == -1)
		return errno == ENOENT;
	return sb.st_dev != st->region_dev || sb.st_ino != st->region_ino;
}

int
bdb_retry(const struct store *st)
{
	return st->deadlock && !st->failed;
}

int
bdb_failed(const struct store *st)
{
	return st->deadlock || st->failed;
}

/* Read key into buf of exactly size octets (records) or up to size. */
int
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

int
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

int
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

/* A cursor operation failed with rc: note it as fn's, close c (when
 * open) and return STORE_ERR. */
int
store_cursor_fail(struct store *st, DBC *c, int rc, const char *fn)
{
	store_note(st, fn, rc);
	if (c != NULL)
		c->close(c);
	return STORE_ERR;
}

/* Walk every record of a database, handing fn the key and data. */
int
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
		return store_cursor_fail(st, c, rc, __func__);
	c->close(c);
	return bdb_failed(st) ? STORE_ERR : STORE_OK;
err:
	return store_cursor_fail(st, c, rc, __func__);
}

/*
 * Plain key-value access to the databases of an environment opened with
 * store_open_kv: for stores of other modules (the relay's sessions),
 * which bring their own record checks.
 */
int
bdb_kv_get(struct store *st, int d, const void *k, size_t klen, void *buf,
    size_t size, size_t *got)
{
	if (d < 0 || (size_t)d >= st->ndb)
		return STORE_ERR;
	return store_get(st, (enum dbname)d, k, klen, buf, size, got);
}

int
bdb_kv_put(struct store *st, int d, const void *k, size_t klen,
    const void *v, size_t vlen)
{
	if (d < 0 || (size_t)d >= st->ndb)
		return STORE_ERR;
	return store_put(st, (enum dbname)d, k, klen, v, vlen, 0);
}

int
bdb_kv_del(struct store *st, int d, const void *k, size_t klen)
{
	if (d < 0 || (size_t)d >= st->ndb)
		return STORE_ERR;
	return store_del(st, (enum dbname)d, k, klen);
}

void
bdb_fail(struct store *st)
{
	st->failed = 1;
}

int
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
		return store_cursor_fail(st, c, rc, __func__);
	c->close(c);
	return bdb_failed(st) ? STORE_ERR : STORE_OK;
err:
	return store_cursor_fail(st, c, rc, __func__);
}

int
bdb_unavailable(const struct store *st)
{
	(void)st;
	return 0;
}

/* The Berkeley DB engine behind store.h. */
const struct store_engine bdb_engine = {
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
	.window_prefetch = bdb_window_prefetch,
	.window_put = bdb_window_put,
	.nest_end = bdb_nest_end,
	.migrate = bdb_migrate,
	.nonce_use = bdb_nonce_use,
	.nonce_start = bdb_nonce_start,
	.nonce_end = bdb_nonce_end,
	.order_get = bdb_order_get,
	.order_put = bdb_order_put,
	.orders_walk = bdb_orders_walk,
	.acct_proof = bdb_acct_proof,
	.replace = bdb_replace,
	.replaced_by = bdb_replaced_by,
	.panicked = bdb_panicked,
	.platform_get = bdb_platform_get,
	.platform_put = bdb_platform_put,
	.platform_prefetch = bdb_platform_prefetch,
	.platforms = bdb_platforms,
	.platforms_windows = bdb_platforms_windows,
	.prune = bdb_prune,
	.reopen = bdb_reopen,
	.retry = bdb_retry,
	.revoked = bdb_revoked,
	.serial_get = bdb_serial_get,
	.sms_get = bdb_sms_get,
	.sms_put = bdb_sms_put,
	.sms_queued = bdb_sms_queued,
	.stale = bdb_stale,
	.stats = bdb_stats,
	.unavailable = bdb_unavailable,
};

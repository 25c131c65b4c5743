/* What the files of the Berkeley DB engine share (bdb.c: environment,
 * transactions and plain records; bdb_records.c: accounts, orders,
 * certificates, platforms; bdb_queue.c: nonces, the outbox, counters;
 * bdb_admin.c: prune, stats, backup, dump and load). Only they include
 * it, and only they include db.h. */
#ifndef STORE_BDBINT_H
#define STORE_BDBINT_H
#include <stddef.h>
#include <stdint.h>

#include <db.h>

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
	char	 region[1040];	/* the environment's first region file */
	dev_t	 region_dev;	/* ... as it was when this handle opened */
	ino_t	 region_ino;
	unsigned char nonce[NONCE_RAW_LEN];	/* store_nonce_start's */
	int64_t	 nonce_expires;
	int	 nonce_on;
};

#define LOCK_WAIT_US	2000000		/* 2 s */
#define MUTEX_EXTRA	8192		/* mutexes beyond the computed need */

/* A counter record. */
struct counter {
	int64_t	 window_end;
	long	 value;
};

#define TERMINATED(r, m)	store_terminated((r)->m, sizeof((r)->m))

/* The size of a version 1 account record: the fields before platform,
 * padded as the struct was. */
#define ACCOUNT_V1_SIZE	((offsetof(struct account, platform) + 7) & ~(size_t)7)

/* The CA's databases; acct_orders holds sorted duplicates. */
extern const char *const ca_files[DB__MAX];
extern const struct store_engine bdb_engine;

void	bdb_abort(struct store *st);
int	bdb_begin(struct store *st);
void	bdb_close(struct store *st);
int	bdb_commit(struct store *st, int durable);
void	bdb_fail(struct store *st);
int	bdb_failed(const struct store *st);
void	bdb_idle(struct store *st);
int	bdb_kv_del(struct store *st, int d, const void *k, size_t klen);
int	bdb_kv_get(struct store *st, int d, const void *k, size_t klen,
		    void *buf, size_t size, size_t *got);
int	bdb_kv_prune(struct store *st, int d, long max, long *removed,
		    int (*due)(struct store *, const void *k, size_t klen,
		    const void *v, size_t vlen, void *arg), void *arg);
int	bdb_kv_put(struct store *st, int d, const void *k, size_t klen,
		    const void *v, size_t vlen);
int	bdb_nest_begin(struct store *st);
int	bdb_nest_end(struct store *st, int keep);
int	bdb_panicked(const struct store *st);
int	bdb_reopen(struct store **stp);
int	bdb_stale(const struct store *st);
int	bdb_retry(const struct store *st);
int	bdb_stale(const struct store *st);
int	bdb_unavailable(const struct store *st);
int	store_del(struct store *st, enum dbname d, const void *k, size_t klen);
int	store_get(struct store *st, enum dbname d, const void *k, size_t klen,
		    void *buf, size_t size, size_t *got);
void	store_note(struct store *st, const char *fn, int rc);
int	store_put(struct store *st, enum dbname d, const void *k, size_t klen,
		    const void *v, size_t vlen, u_int32_t flags);
int	store_walk(struct store *st, enum dbname d, int (*fn)(struct store *,
		    DBT *, DBT *, void *), void *arg);
int	bdb_account_get(struct store *st, const char *id, struct account *a);
int	bdb_account_put(struct store *st, const struct account *a);
int	bdb_acct_order_add(struct store *st, const struct order *o);
int	bdb_acct_orders(struct store *st, const char *acct, const char *after,
		    int max, int *more, int (*fn)(void *,
		    const struct order *), void *arg);
int	bdb_cert_get(struct store *st, const char *id, struct cert *c);
int	bdb_cert_put(struct store *st, const struct cert *c);
int	bdb_key_del(struct store *st, const char *thumb);
int	bdb_key_get(struct store *st, const char *thumb, char *id);
int	bdb_key_put(struct store *st, const char *thumb, const char *id);
int	bdb_order_get(struct store *st, const char *id, struct order *o);
int	bdb_order_put(struct store *st, const struct order *o);
int	bdb_orders_walk(struct store *st, int (*fn)(void *,
		    const struct order *), void *arg);
int	bdb_platform_get(struct store *st, const char *name,
		    struct platform *p);
int	bdb_platform_put(struct store *st, const struct platform *p);
int	bdb_platform_prefetch(struct store *st, const char *name);
int	bdb_platforms(struct store *st, int (*fn)(void *,
		    const struct platform *), void *arg);
int	bdb_platforms_windows(struct store *st, const char *pre,
		    const char *post, int (*fn)(void *,
		    const struct platform *, const struct window *),
		    void *arg);
int	bdb_replace(struct store *st, const char *cert, const char *order,
		    const char *prev);
int	bdb_replaced_by(struct store *st, const char *cert, char *order);
int	bdb_revoked(struct store *st, int (*fn)(void *, const struct cert *),
		    void *arg);
int	bdb_serial_get(struct store *st, const unsigned char *serial,
		    char *id);
int	store_account_ok(const struct account *a);
int	store_cert_ok(const struct cert *c);
int	store_order_ok(const struct order *o);
int	store_order_decode(const void *v, size_t vlen, struct order *o);
void	store_order_ref(const struct order *o, unsigned char ref[8 + ID_LEN]);
int	store_platform_ok(const struct platform *p);
int	store_record(struct store *st, enum dbname d, const char *id,
		    void *rec, size_t size, int (*ok)(const void *));
int	store_replaced_load(struct store *st, const char *cert,
		    const char *order);
int	store_sms_ok(const struct sms *m);
int	bdb_count(struct store *st, const char *key, int64_t window_end, int n,
		    long *value);
int	bdb_due_add(struct store *st, int64_t when, const char *id);
int	bdb_due_del(struct store *st, int64_t when, const char *id);
int	bdb_due_peek(struct store *st, int64_t now, char ids[][SMS_ID_MAX],
		    int64_t *when, int max);
int	bdb_due_take(struct store *st, int64_t now, char ids[][SMS_ID_MAX],
		    int max);
int	bdb_meta_above(struct store *st, const char *key, uint64_t floor,
		    uint64_t *value);
int	bdb_meta_next(struct store *st, const char *key, uint64_t *value);
int	bdb_nonce_use(struct store *st, const unsigned char *n, size_t len,
		    int64_t expires);
int	bdb_sms_get(struct store *st, const char *id, struct sms *m);
int	bdb_sms_put(struct store *st, const struct sms *m);
int	bdb_sms_queued(struct store *st, int (*fn)(void *, struct sms *),
		    void *arg);
int	bdb_window_get(struct store *st, const char *key, struct window *w);
int	bdb_window_prefetch(struct store *st, const char *const *keys, int n);
int	bdb_nonce_start(struct store *st, const unsigned char *n, size_t len,
	    int64_t expires);
int	bdb_nonce_end(struct store *st, int keep);
int	bdb_window_put(struct store *st, const char *key,
		    const struct window *w);
int64_t	store_be64(const unsigned char *p);
int	bdb_backup(struct store *st, const char *todir);
int	bdb_dump(struct store *st, int (*fn)(void *, const struct store_rec *),
		    void *arg);
int	bdb_load(struct store *st, const struct store_rec *r);
int	bdb_migrate(struct store *st, int *from, int *to);
int	bdb_prune(struct store *st, int64_t now, long *removed);
int	bdb_stats(struct store *st, long *accounts, long orders[ORDER__MAX],
		    long sms[OUTBOX__MAX], long *certs);

/* The proof index (bdb_records.c): the latest SMS proof of an account
 * for an identifier, and the one pass that indexes older orders. */
int	bdb_acct_proof(struct store *st, const char *acct, const char *ident,
	    char *id);
int	store_proof_index(struct store *st);

/* Note a failed cursor operation, close the cursor: STORE_ERR. */
int	store_cursor_fail(struct store *st, DBC *c, int rc, const char *fn);

#endif

/* What a storage engine provides behind store.h: one function per call of
 * the contract, with the same meaning, and a constructor. Each engine's
 * struct store begins with a pointer to its engine, which is how the
 * calls of store.c find it. Only store.c and the engines include this. */
#ifndef STORE_ENGINE_H
#define STORE_ENGINE_H
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Every member after name is a call (store_engine_complete walks them). */
struct store_engine {
	const char	*name;
	void	(*abort)(struct store *st);
	int	(*account_get)(struct store *st, const char *id,
		    struct account *a);
	int	(*account_put)(struct store *st, const struct account *a);
	int	(*acct_order_add)(struct store *st, const struct order *o);
	/* May be NULL: store_acct_proof answers STORE_UNKNOWN. */
	int	(*acct_proof)(struct store *st, const char *acct,
		    const char *ident, char *id);
	int	(*acct_orders)(struct store *st, const char *acct,
		    const char *after, int max, int *more, int (*fn)(void *,
		    const struct order *), void *arg);
	int	(*backup)(struct store *st, const char *todir);
	int	(*begin)(struct store *st);
	int	(*cert_get)(struct store *st, const char *id, struct cert *c);
	int	(*cert_put)(struct store *st, const struct cert *c);
	void	(*close)(struct store *st);
	int	(*commit)(struct store *st, int durable);
	int	(*count)(struct store *st, const char *key, int64_t window_end,
		    int n, long *value);
	int	(*due_add)(struct store *st, int64_t when, const char *id);
	int	(*dump)(struct store *st, int (*fn)(void *,
		    const struct store_rec *), void *arg);
	int	(*due_take)(struct store *st, int64_t now,
		    char ids[][SMS_ID_MAX], int max);
	void	(*fail)(struct store *st);
	int	(*failed)(const struct store *st);
	void	(*idle)(struct store *st);
	int	(*key_del)(struct store *st, const char *thumb);
	int	(*key_get)(struct store *st, const char *thumb, char *id);
	int	(*key_put)(struct store *st, const char *thumb,
		    const char *id);
	int	(*kv_del)(struct store *st, int d, const void *k, size_t klen);
	int	(*kv_get)(struct store *st, int d, const void *k, size_t klen,
		    void *buf, size_t size, size_t *got);
	int	(*kv_prune)(struct store *st, int d, long max, long *removed,
		    int (*due)(struct store *, const void *k, size_t klen,
		    const void *v, size_t vlen, void *arg), void *arg);
	int	(*kv_put)(struct store *st, int d, const void *k, size_t klen,
		    const void *v, size_t vlen);
	int	(*meta_above)(struct store *st, const char *key, uint64_t floor,
		    uint64_t *value);
	int	(*nest_begin)(struct store *st);
	int	(*due_peek)(struct store *st, int64_t now, char ids[][SMS_ID_MAX],
		    int64_t *when, int max);
	int	(*due_del)(struct store *st, int64_t when, const char *id);
	int	(*window_get)(struct store *st, const char *key, struct window *w);
	int	(*window_put)(struct store *st, const char *key,
		    const struct window *w);
	int	(*window_prefetch)(struct store *st, const char *const *keys,
		    int n);
	int	(*nest_end)(struct store *st, int keep);
	int	(*load)(struct store *st, const struct store_rec *r);
	int	(*meta_next)(struct store *st, const char *key,
		    uint64_t *value);
	int	(*migrate)(struct store *st, int *from, int *to);
	int	(*nonce_use)(struct store *st, const unsigned char *n,
		    size_t len, int64_t expires);
	int	(*nonce_start)(struct store *st, const unsigned char *n,
		    size_t len, int64_t expires);
	int	(*nonce_end)(struct store *st, int keep);
	int	(*order_get)(struct store *st, const char *id,
		    struct order *o);
	int	(*order_put)(struct store *st, const struct order *o);
	int	(*orders_walk)(struct store *st, int (*fn)(void *,
		    const struct order *), void *arg);
	int	(*replace)(struct store *st, const char *cert,
		    const char *order, const char *prev);
	int	(*replaced_by)(struct store *st, const char *cert,
		    char *order);
	int	(*panicked)(const struct store *st);
	int	(*platform_get)(struct store *st, const char *name,
		    struct platform *p);
	int	(*platform_put)(struct store *st, const struct platform *p);
	int	(*platform_prefetch)(struct store *st, const char *name);
	int	(*platforms)(struct store *st, int (*fn)(void *,
		    const struct platform *), void *arg);
	int	(*platforms_windows)(struct store *st, const char *pre,
		    const char *post, int (*fn)(void *,
		    const struct platform *, const struct window *),
		    void *arg);
	int	(*prune)(struct store *st, int64_t now, long *removed);
	int	(*reopen)(struct store **stp);
	int	(*retry)(const struct store *st);
	int	(*revoked)(struct store *st, int (*fn)(void *,
		    const struct cert *), void *arg);
	int	(*serial_get)(struct store *st, const unsigned char *serial,
		    char *id);
	int	(*sms_get)(struct store *st, const char *id, struct sms *m);
	int	(*sms_put)(struct store *st, const struct sms *m);
	int	(*sms_queued)(struct store *st, int (*fn)(void *,
		    struct sms *), void *arg);
	int	(*stale)(const struct store *st);
	int	(*stats)(struct store *st, long *accounts,
		    long orders[ORDER__MAX], long sms[OUTBOX__MAX],
		    long *certs);
	int	(*unavailable)(const struct store *st);
};

/* The engine of an open store: the first member of every engine's
 * struct store. */
static inline const struct store_engine *
store_engine_of(const struct store *st)
{
	return *(const struct store_engine *const *)(const void *)st;
}

/* Berkeley DB (bdb.c): an environment in dir, and another module's
 * key-value environment (the relay's). */
struct store	*bdb_open(const char *dir, int create);
struct store	*bdb_open_kv(const char *dir, const char *const *files,
		    size_t n);
/* PostgreSQL (pg.c): the database of a libpq URI; check: refuse a schema
 * other than the program's. */
struct store	*pg_open(const char *uri, int check);
struct store	*pg_open_kv(const char *uri, const char *const *files,
		    size_t n);

#endif

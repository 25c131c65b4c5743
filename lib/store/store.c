/* The store's calls (store.h), each handed to the engine of the store it
 * is given. The engine is chosen when the store is opened. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "crypt.h"
#include "engine.h"
#include "store.h"

const char *const store_kinds[SK__MAX] = {
	"accounts", "keys", "orders", "account_orders", "certificates",
	"nonces", "sms", "sms_due", "counters", "meta", "windows",
	"platforms", "replacements",
};

int
store_is_uri(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 ||
	    strncmp(where, "postgres://", 11) == 0;
}

struct store *
store_open(const char *where, int create)
{
	if (store_is_uri(where))
		return pg_open(where, !create);
	return bdb_open(where, create);
}

struct store *
store_open_kv(const char *where, const char *const *files, size_t n)
{
	if (store_is_uri(where))
		return pg_open_kv(where, files, n);
	return bdb_open_kv(where, files, n);
}

void
store_abort(struct store *st)
{
	if (st != NULL)
		store_engine_of(st)->abort(st);
}

int
store_account_get(struct store *st, const char *id, struct account *a)
{
	return store_engine_of(st)->account_get(st, id, a);
}

int
store_account_put(struct store *st, const struct account *a)
{
	return store_engine_of(st)->account_put(st, a);
}

int
store_acct_order_add(struct store *st, const struct order *o)
{
	return store_engine_of(st)->acct_order_add(st, o);
}

int
store_acct_orders(struct store *st, const char *acct, const char *after,
	    int max, int *more, int (*fn)(void *, const struct order *),
	    void *arg)
{
	return store_engine_of(st)->acct_orders(st, acct, after, max, more, fn,
	    arg);
}

int
store_backup(struct store *st, const char *todir)
{
	return store_engine_of(st)->backup(st, todir);
}

int
store_begin(struct store *st)
{
	return store_engine_of(st)->begin(st);
}

int
store_cert_get(struct store *st, const char *id, struct cert *c)
{
	return store_engine_of(st)->cert_get(st, id, c);
}

int
store_cert_put(struct store *st, const struct cert *c)
{
	return store_engine_of(st)->cert_put(st, c);
}

void
store_close(struct store *st)
{
	if (st != NULL)
		store_engine_of(st)->close(st);
}

int
store_commit(struct store *st, int durable)
{
	return store_engine_of(st)->commit(st, durable);
}

int
store_count(struct store *st, const char *key, int64_t window_end, int n,
	    long *value)
{
	if (value == NULL && n <= 0)
		return STORE_ERR;
	return store_engine_of(st)->count(st, key, window_end, n, value);
}

int
store_dump(struct store *st, int (*fn)(void *, const struct store_rec *),
	    void *arg)
{
	return store_engine_of(st)->dump(st, fn, arg);
}

int
store_due_add(struct store *st, int64_t when, const char *id)
{
	return store_engine_of(st)->due_add(st, when, id);
}

int
store_due_take(struct store *st, int64_t now, char ids[][SMS_ID_MAX], int max)
{
	return store_engine_of(st)->due_take(st, now, ids, max);
}

void
store_fail(struct store *st)
{
	if (st != NULL)
		store_engine_of(st)->fail(st);
}

int
store_failed(const struct store *st)
{
	return store_engine_of(st)->failed(st);
}

void
store_idle(struct store *st)
{
	if (st != NULL)
		store_engine_of(st)->idle(st);
}

int
store_key_del(struct store *st, const char *thumb)
{
	return store_engine_of(st)->key_del(st, thumb);
}

int
store_key_get(struct store *st, const char *thumb, char *id)
{
	return store_engine_of(st)->key_get(st, thumb, id);
}

int
store_key_put(struct store *st, const char *thumb, const char *id)
{
	return store_engine_of(st)->key_put(st, thumb, id);
}

int
store_kv_del(struct store *st, int d, const void *k, size_t klen)
{
	return store_engine_of(st)->kv_del(st, d, k, klen);
}

int
store_kv_get(struct store *st, int d, const void *k, size_t klen, void *buf,
	    size_t size, size_t *got)
{
	return store_engine_of(st)->kv_get(st, d, k, klen, buf, size, got);
}

int
store_kv_prune(struct store *st, int d, long max, long *removed,
	    int (*due)(struct store *, const void *k, size_t klen,
	    const void *v, size_t vlen, void *arg), void *arg)
{
	return store_engine_of(st)->kv_prune(st, d, max, removed, due, arg);
}

int
store_kv_put(struct store *st, int d, const void *k, size_t klen,
	    const void *v, size_t vlen)
{
	return store_engine_of(st)->kv_put(st, d, k, klen, v, vlen);
}

int
store_load(struct store *st, const struct store_rec *r)
{
	return store_engine_of(st)->load(st, r);
}

int
store_meta_next(struct store *st, const char *key, uint64_t *value)
{
	return store_engine_of(st)->meta_next(st, key, value);
}

int
store_migrate(struct store *st, int *from, int *to)
{
	return store_engine_of(st)->migrate(st, from, to);
}

int
store_nonce_use(struct store *st, const unsigned char *n, size_t len,
	    int64_t expires)
{
	return store_engine_of(st)->nonce_use(st, n, len, expires);
}

int
store_nonce_start(struct store *st, const unsigned char *n, size_t len,
	    int64_t expires)
{
	return store_engine_of(st)->nonce_start(st, n, len, expires);
}

int
store_nonce_end(struct store *st, int keep)
{
	return store_engine_of(st)->nonce_end(st, keep);
}

int
store_order_get(struct store *st, const char *id, struct order *o)
{
	return store_engine_of(st)->order_get(st, id, o);
}

int
store_order_put(struct store *st, const struct order *o)
{
	return store_engine_of(st)->order_put(st, o);
}

int
store_orders_walk(struct store *st, int (*fn)(void *, const struct order *),
    void *arg)
{
	return store_engine_of(st)->orders_walk(st, fn, arg);
}

int
store_acct_proof(struct store *st, const char *acct, const char *ident,
    char id[ID_LEN + 1])
{
	if (store_engine_of(st)->acct_proof == NULL)
		return STORE_UNKNOWN;
	return store_engine_of(st)->acct_proof(st, acct, ident, id);
}

int
store_replace(struct store *st, const char *cert, const char *order,
    const char *prev)
{
	return store_engine_of(st)->replace(st, cert, order, prev);
}

int
store_replaced_by(struct store *st, const char *cert, char *order)
{
	return store_engine_of(st)->replaced_by(st, cert, order);
}

int
store_panicked(const struct store *st)
{
	return store_engine_of(st)->panicked(st);
}

int
store_prune(struct store *st, int64_t now, long *removed)
{
	return store_engine_of(st)->prune(st, now, removed);
}

int
store_reopen(struct store **stp)
{
	return store_engine_of((*stp))->reopen(stp);
}

int
store_stale(const struct store *st)
{
	return store_engine_of(st)->stale(st);
}

int
store_retry(const struct store *st)
{
	return store_engine_of(st)->retry(st);
}

int
store_revoked(struct store *st, int (*fn)(void *, const struct cert *),
	    void *arg)
{
	return store_engine_of(st)->revoked(st, fn, arg);
}

int
store_serial_get(struct store *st, const unsigned char *serial, char *id)
{
	return store_engine_of(st)->serial_get(st, serial, id);
}

int
store_sms_get(struct store *st, const char *id, struct sms *m)
{
	return store_engine_of(st)->sms_get(st, id, m);
}

int
store_sms_put(struct store *st, const struct sms *m)
{
	return store_engine_of(st)->sms_put(st, m);
}

int
store_sms_queued(struct store *st, int (*fn)(void *, struct sms *), void *arg)
{
	return store_engine_of(st)->sms_queued(st, fn, arg);
}

int
store_stats(struct store *st, long *accounts, long orders[ORDER__MAX],
	    long sms[OUTBOX__MAX], long *certs)
{
	return store_engine_of(st)->stats(st, accounts, orders, sms, certs);
}

int
store_meta_above(struct store *st, const char *key, uint64_t floor,
    uint64_t *value)
{
	return store_engine_of(st)->meta_above(st, key, floor, value);
}

int
store_nest_begin(struct store *st)
{
	return store_engine_of(st)->nest_begin(st);
}

int
store_nest_end(struct store *st, int keep)
{
	return store_engine_of(st)->nest_end(st, keep);
}

int
store_due_peek(struct store *st, int64_t now, char ids[][SMS_ID_MAX],
    int64_t *when, int max)
{
	return store_engine_of(st)->due_peek(st, now, ids, when, max);
}

int
store_due_del(struct store *st, int64_t when, const char *id)
{
	return store_engine_of(st)->due_del(st, when, id);
}

int
store_window_get(struct store *st, const char *key, struct window *w)
{
	return store_engine_of(st)->window_get(st, key, w);
}

int
store_window_prefetch(struct store *st, const char *const *keys, int n)
{
	return store_engine_of(st)->window_prefetch(st, keys, n);
}

int
store_window_put(struct store *st, const char *key, const struct window *w)
{
	return store_engine_of(st)->window_put(st, key, w);
}

int
store_unavailable(const struct store *st)
{
	return store_engine_of(st)->unavailable(st);
}

/* Every member of the engine's table after its name is a call, all of
 * one size: walk them as such. */
typedef void	(*store_call)(void);
_Static_assert((sizeof(struct store_engine) -
    offsetof(struct store_engine, abort)) % sizeof(store_call) == 0,
    "struct store_engine: only calls after its name");

int
store_engine_complete(const struct store *st)
{
	const struct store_engine *e = store_engine_of(st);
	store_call	 f;
	size_t		 off;

	for (off = offsetof(struct store_engine, abort);
	    off < sizeof(*e); off += sizeof(f)) {
		memcpy(&f, (const char *)e + off, sizeof(f));
		if (f == NULL)
			return 0;
	}
	return e->name != NULL;
}

/* The canonical form of a record's fields: strings up to their NUL,
 * numbers in decimal, octets in hex. */
static int
store_rec_hex(struct buf *b, const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (buf_printf(b, "%02x", p[i]) == -1)
			return -1;
	return buf_printf(b, "|");
}

static int
store_rec_order(struct buf *b, const struct order *o)
{
	if (buf_printf(b, "%s|%s|%d|%d|%d|%d|%d|%d|%d|%d|%lld|%lld|%lld|%lld|"
	    "%lld|%lld|%lld|%lld|%s|%s|%s|%s|", o->id, o->acct, o->status,
	    o->authz, o->chall, o->sends, o->tries, o->error, o->has_nb,
	    o->has_na, (long long)o->created, (long long)o->expires,
	    o->has_nb ? (long long)o->not_before : 0,
	    o->has_na ? (long long)o->not_after : 0,
	    (long long)o->authz_expires, (long long)o->validated,
	    (long long)o->code_expires, (long long)o->last_send, o->ident,
	    o->tn, o->token, o->detail) == -1 ||
	    buf_printf(b, "%s|%s|%s|", o->profile, o->replaces, o->proof) == -1)
		return -1;
	return store_rec_hex(b, o->code_mac, sizeof(o->code_mac));
}

/* A platform: its hashes and prefixes in use, its held slots (by index;
 * a free slot, until 0, is nothing). */
static int
store_rec_platform(struct buf *b, const struct platform *p)
{
	const struct guard_hold	*h;
	int			 i, rc;

	rc = buf_printf(b, "%s|%d|%lld|%lld|%lld|%lld|%s|%s|%s|%d|%d|",
	    p->name, p->status, (long long)p->created, (long long)p->rotated,
	    (long long)p->sms_hour, (long long)p->sms_day, p->shown, p->origin,
	    p->kid, p->nhashes, p->nprefixes);
	for (i = 0; i < p->nhashes && i < PLATFORM_HASHES_MAX; i++)
		rc |= buf_printf(b, "%s,", p->hashes[i]);
	rc |= buf_printf(b, "|");
	for (i = 0; i < p->nprefixes && i < PLATFORM_PREFIXES_MAX; i++)
		rc |= buf_printf(b, "%s,", p->prefixes[i]);
	rc |= buf_printf(b, "|");
	for (i = 0; i < GUARD_HELD_MAX; i++) {
		h = &p->held[i];
		if (h->until != 0)
			rc |= buf_printf(b, "%d:%s,%lld,%lld,%u,%u|", i,
			    h->prefix, (long long)h->since,
			    (long long)h->until, (unsigned)h->sent,
			    (unsigned)h->done);
	}
	if (p->sealedlen > sizeof(p->sealed))
		return -1;
	return rc | store_rec_hex(b, p->sealed, p->sealedlen);
}

static int
store_rec_window(struct buf *b, const char *key, const struct window *w)
{
	int	 i, rc;

	rc = buf_printf(b, "%s|%lld|%lld|", key, (long long)w->expires,
	    (long long)w->slot);
	for (i = 0; i < WINDOW_SLOTS; i++)
		rc |= buf_printf(b, "%u,%u|", (unsigned)w->n[i],
		    (unsigned)w->last[i]);
	return rc;
}

static int
store_rec_text(struct buf *b, const struct store_rec *r)
{
	const struct account	*a = &r->u.a;
	const struct cert	*c = &r->u.c;
	const struct sms	*m = &r->u.m;
	int			 rc;

	rc = buf_printf(b, "%s|", store_kinds[r->kind]);
	switch (r->kind) {
	case SK_ACCOUNT:
		rc |= buf_printf(b, "%s|%d|%d|%lld|%s|%s|%s|%s", a->id,
		    a->status, a->tos, (long long)a->created, a->thumb, a->key,
		    a->contact, a->platform);
		break;
	case SK_KEY:
		rc |= buf_printf(b, "%s|%s", r->u.key.thumb, r->u.key.id);
		break;
	case SK_ORDER:
		rc |= store_rec_order(b, &r->u.o);
		break;
	case SK_ACCT_ORDER:
		rc |= buf_printf(b, "%s|%lld|%s", r->u.o.acct,
		    (long long)r->u.o.created, r->u.o.id);
		break;
	case SK_CERT:
		rc |= buf_printf(b, "%s|%s|%d|%d|%lld|%lld|%lld|", c->id, c->acct,
		    c->revoked, c->reason, (long long)c->issued,
		    (long long)c->not_after, (long long)c->revoked_at);
		rc |= store_rec_hex(b, c->serial, SERIAL_LEN);
		rc |= store_rec_hex(b, c->der, c->derlen);
		break;
	case SK_NONCE:
		rc |= store_rec_hex(b, r->u.nonce.n, NONCE_RAW_LEN);
		rc |= buf_printf(b, "%lld", (long long)r->u.nonce.expires);
		break;
	case SK_SMS:
		rc |= buf_printf(b, "%s|%d|%d|%lld|%lld|%lld|%lld|%s|%s|%s|%s|%s|",
		    m->id, m->state, m->attempts, (long long)m->created,
		    (long long)m->next_try, (long long)m->expires,
		    (long long)m->sent_at, m->order, m->acct, m->to, m->msgid,
		    m->error);
		rc |= store_rec_hex(b, m->sealed, m->sealedlen);
		break;
	case SK_DUE:
		rc |= buf_printf(b, "%lld|%s", (long long)r->u.due.when,
		    r->u.due.id);
		break;
	case SK_COUNTER:
		rc |= buf_printf(b, "%s|%lld|%ld", r->u.ctr.key,
		    (long long)r->u.ctr.window_end, r->u.ctr.value);
		break;
	case SK_META:
		rc |= buf_printf(b, "%s|%llu", r->u.ctr.key,
		    (unsigned long long)r->u.ctr.meta);
		break;
	case SK_WINDOW:
		rc |= store_rec_window(b, r->u.win.key, &r->u.win.w);
		break;
	case SK_PLATFORM:
		rc |= store_rec_platform(b, &r->u.p);
		break;
	case SK_REPLACED:
		rc |= buf_printf(b, "%s|%s", r->u.repl.cert, r->u.repl.order);
		break;
	default:
		return -1;
	}
	return rc;
}

int
store_rec_digest(const struct store_rec *r, unsigned char out[32])
{
	struct buf	 b;
	int		 rc;

	if (r->kind >= SK__MAX)
		return -1;
	memset(&b, 0, sizeof(b));
	rc = store_rec_text(&b, r);
	if (rc != -1)
		rc = crypt_sha256(b.p, b.len, out);
	buf_free(&b);
	return rc;
}

int
store_platform_get(struct store *st, const char *name, struct platform *p)
{
	return store_engine_of(st)->platform_get(st, name, p);
}

int
store_platform_put(struct store *st, const struct platform *p)
{
	return store_engine_of(st)->platform_put(st, p);
}

int
store_platform_prefetch(struct store *st, const char *name)
{
	return store_engine_of(st)->platform_prefetch(st, name);
}

int
store_platforms(struct store *st, int (*fn)(void *, const struct platform *),
    void *arg)
{
	return store_engine_of(st)->platforms(st, fn, arg);
}

int
store_platforms_windows(struct store *st, const char *pre, const char *post,
    int (*fn)(void *, const struct platform *, const struct window *),
    void *arg)
{
	return store_engine_of(st)->platforms_windows(st, pre, post, fn, arg);
}

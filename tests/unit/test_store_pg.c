/* The store's contract on PostgreSQL: the engine-independent cases of
 * test_store.c run against the database named by IDP_PG_URI (a migrated,
 * disposable database: its tables are emptied before each case), plus
 * what only a shared database shows: two connections racing for one
 * order, one nonce and the outbox index, a Berkeley DB store copied and
 * read back with the same digests, and a request during an outage.
 * Without IDP_PG_URI every case is skipped (tests/integ/test_store_pg.sh
 * runs it against a private server). */
#include <time.h>

#include <libpq-fe.h>

int	store_bdb_main(void);
#define main store_bdb_main
#include "test_store.c"
#undef main

static const char *pg_uri;

static void
pg_empty(struct store *st)
{
	static const char *const tables =
	    "TRUNCATE accounts, account_keys, orders, account_orders, "
	    "certificates, used_nonces, sms_outbox, sms_due, counters, meta, "
	    "kv, rate_windows, replacements, platforms";
	PGconn	*c = PQconnectdb(pg_uri);
	PGresult *r;

	(void)st;
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, tables);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
}

static int
setup_pg(void **state)
{
	struct fx	*f;

	if (pg_uri == NULL)
		return 0;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	pg_empty(NULL);
	if ((f->st = store_open(pg_uri, 0)) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown_pg(void **state)
{
	struct fx	*f = *state;

	if (f == NULL)
		return 0;
	store_close(f->st);
	free(f);
	return 0;
}

/* Two nodes finalize the same order: the one that commits second loses
 * its conditional update and is told to run the request again. */
static void
test_pg_race(void **state)
{
	struct fx	*f = *state;
	struct store	*b;
	struct order	 o, oa, ob;

	b = store_open(pg_uri, 0);
	assert_non_null(b);
	mkorder(&o, "acct000000000001", 1, NOW);
	o.status = ORDER_READY;
	begin(f->st);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	commit(f->st);

	begin(f->st);
	begin(b);
	assert_int_equal(store_order_get(f->st, o.id, &oa), STORE_OK);
	assert_int_equal(store_order_get(b, o.id, &ob), STORE_OK);
	oa.status = ORDER_PROCESSING;
	ob.status = ORDER_INVALID;
	assert_int_equal(store_order_put(f->st, &oa), STORE_OK);
	assert_int_equal(store_commit(f->st, 1), STORE_OK);
	store_order_put(b, &ob);
	assert_int_equal(store_commit(b, 1), STORE_ERR);
	assert_true(store_retry(b));
	store_abort(b);
	/* The retry sees the winner's state. */
	begin(b);
	assert_int_equal(store_order_get(b, o.id, &ob), STORE_OK);
	assert_int_equal(ob.status, ORDER_PROCESSING);
	commit(b);
	store_close(b);
}

/* A nonce spent at two nodes at once: once only. */
static void
test_pg_nonce_race(void **state)
{
	struct fx	*f = *state;
	struct store	*b;
	unsigned char	 n[NONCE_RAW_LEN];
	int		 ra, rb;

	b = store_open(pg_uri, 0);
	assert_non_null(b);
	memset(n, 7, sizeof(n));
	begin(f->st);
	begin(b);
	ra = store_nonce_use(f->st, n, sizeof(n), NOW);
	assert_int_equal(ra, STORE_OK);
	assert_int_equal(store_commit(f->st, 1), STORE_OK);
	rb = store_nonce_use(b, n, sizeof(n), NOW);
	/* Seen as used, or a conflict whose retry sees it used. */
	if (rb != STORE_EXISTS) {
		assert_true(store_retry(b));
		store_abort(b);
		begin(b);
		rb = store_nonce_use(b, n, sizeof(n), NOW);
	}
	assert_int_equal(rb, STORE_EXISTS);
	store_abort(b);
	store_close(b);
}

/* Two nodes create an account for one key: each looked the key up and
 * found none; the second one's put (queued, unanswered) fails its
 * commit, and its retry finds the key taken. The same for a nonce spent
 * with store_nonce_start on both. */
static void
test_pg_key_race(void **state)
{
	struct fx	*f = *state;
	struct store	*b;
	unsigned char	 n[NONCE_RAW_LEN];
	char		 id[ID_LEN + 1];

	b = store_open(pg_uri, 0);
	assert_non_null(b);
	begin(f->st);
	begin(b);
	assert_int_equal(store_key_get(f->st, "thumb-race", id),
	    STORE_NOTFOUND);
	assert_int_equal(store_key_get(b, "thumb-race", id), STORE_NOTFOUND);
	assert_int_equal(store_key_put(f->st, "thumb-race",
	    "acct00000000000a"), STORE_OK);
	assert_int_equal(store_commit(f->st, 1), STORE_OK);
	if (store_key_put(b, "thumb-race", "acct00000000000b") == STORE_OK)
		assert_int_equal(store_commit(b, 1), STORE_ERR);
	else
		store_abort(b);
	assert_true(store_retry(b));
	begin(b);
	assert_int_equal(store_key_get(b, "thumb-race", id), STORE_OK);
	assert_string_equal(id, "acct00000000000a");
	commit(b);

	memset(n, 9, sizeof(n));
	begin(f->st);
	begin(b);
	assert_int_equal(store_nonce_start(f->st, n, sizeof(n), NOW + 60),
	    STORE_OK);
	assert_int_equal(store_nonce_end(f->st, 1), STORE_OK);
	assert_int_equal(store_commit(f->st, 1), STORE_OK);
	assert_int_equal(store_nonce_start(b, n, sizeof(n), NOW + 60),
	    STORE_OK);
	if (store_nonce_end(b, 1) != STORE_EXISTS) {
		assert_true(store_retry(b));
		store_abort(b);
		begin(b);
		assert_int_equal(store_nonce_start(b, n, sizeof(n), NOW + 60),
		    STORE_OK);
		assert_int_equal(store_nonce_end(b, 1), STORE_EXISTS);
	}
	store_abort(b);
	store_close(b);
}

/* Two senders take from the outbox index at once: SKIP LOCKED hands
 * each message to one of them. */
static void
test_pg_due_skip(void **state)
{
	struct fx	*f = *state;
	struct store	*b;
	char		 ia[4][SMS_ID_MAX], ib[4][SMS_ID_MAX];
	int		 na, nb, i, j;

	b = store_open(pg_uri, 0);
	assert_non_null(b);
	begin(f->st);
	assert_int_equal(store_due_add(f->st, NOW - 10, "aaaa.1"), STORE_OK);
	assert_int_equal(store_due_add(f->st, NOW - 5, "bbbb.1"), STORE_OK);
	assert_int_equal(store_due_add(f->st, NOW + 60, "cccc.1"), STORE_OK);
	commit(f->st);
	begin(f->st);
	begin(b);
	na = store_due_take(f->st, NOW, ia, 1);
	assert_int_equal(na, 1);
	assert_string_equal(ia[0], "aaaa.1");
	nb = store_due_take(b, NOW, ib, 4);
	assert_int_equal(nb, 1);
	assert_string_equal(ib[0], "bbbb.1");
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			assert_string_not_equal(ia[i], ib[j]);
	commit(f->st);
	commit(b);
	store_close(b);
}

/* Two nodes replace one certificate at once, each having seen no
 * replacement yet: exactly one claim holds, the other is told to run
 * again and then finds the winner (STORE_EXISTS). The same for two
 * taking the place of one failed replacement. */
static void
test_pg_replace_race(void **state)
{
	struct fx	*f = *state;
	struct store	*b;
	const char	*cert = "ord0000000000001";
	char		 by[ID_LEN + 1];
	int		 rc;

	b = store_open(pg_uri, 0);
	assert_non_null(b);
	begin(f->st);
	begin(b);
	assert_int_equal(store_replaced_by(f->st, cert, by), STORE_NOTFOUND);
	assert_int_equal(store_replaced_by(b, cert, by), STORE_NOTFOUND);
	assert_int_equal(store_replace(f->st, cert, "ord0000000000002", NULL),
	    STORE_OK);
	assert_int_equal(store_commit(f->st, 1), STORE_OK);
	rc = store_replace(b, cert, "ord0000000000003", NULL);
	if (rc != STORE_EXISTS) {
		assert_true(store_retry(b));
		store_abort(b);
		begin(b);
		rc = store_replace(b, cert, "ord0000000000003", NULL);
	}
	assert_int_equal(rc, STORE_EXISTS);
	/* The transaction goes on after STORE_EXISTS, as on Berkeley DB. */
	assert_int_equal(store_replaced_by(b, cert, by), STORE_OK);
	assert_string_equal(by, "ord0000000000002");
	commit(b);

	/* Both take the place of ...0002 (say it failed): one wins. */
	begin(f->st);
	begin(b);
	assert_int_equal(store_replaced_by(f->st, cert, by), STORE_OK);
	assert_int_equal(store_replaced_by(b, cert, by), STORE_OK);
	assert_int_equal(store_replace(f->st, cert, "ord0000000000004",
	    "ord0000000000002"), STORE_OK);
	assert_int_equal(store_commit(f->st, 1), STORE_OK);
	rc = store_replace(b, cert, "ord0000000000005", "ord0000000000002");
	if (rc != STORE_EXISTS) {
		assert_true(store_retry(b));
		store_abort(b);
		begin(b);
		rc = store_replace(b, cert, "ord0000000000005",
		    "ord0000000000002");
	}
	assert_int_equal(rc, STORE_EXISTS);
	commit(b);
	begin(f->st);
	assert_int_equal(store_replaced_by(f->st, cert, by), STORE_OK);
	assert_string_equal(by, "ord0000000000004");
	commit(f->st);
	store_close(b);
}

/* A platform with every field set, held slots spread out (a free slot
 * between them), and text that needs quoting in an array literal. */
static void
mkplatform(struct platform *p, const char *name, int n)
{
	size_t	 i;

	memset(p, 0, sizeof(*p));
	p->version = 1;
	p->status = PLATFORM_DISABLED;
	p->created = NOW + n;
	p->rotated = NOW + 100 + n;
	p->sms_hour = 40;
	p->sms_day = 400;
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->shown, sizeof(p->shown), "Chat \"%d\" \\ {x}, y", n);
	snprintf(p->origin, sizeof(p->origin), "app%d.example", n);
	p->nhashes = 2;
	snprintf(p->hashes[0], sizeof(p->hashes[0]), "FA+9qCX9VSu");
	snprintf(p->hashes[1], sizeof(p->hashes[1]), "b/%09d", n);
	p->nprefixes = 3;
	snprintf(p->prefixes[0], sizeof(p->prefixes[0]), "44");
	snprintf(p->prefixes[1], sizeof(p->prefixes[1]), "1202");
	snprintf(p->prefixes[2], sizeof(p->prefixes[2]), "4915");
	mkid(p->kid, "kid", n);
	p->sealedlen = EAB_SEALED_MAX;
	for (i = 0; i < p->sealedlen; i++)
		p->sealed[i] = (unsigned char)(i * 7 + n);
	p->held[0] = (struct guard_hold){ NOW, NOW + 3600, 12, 1, "4477" };
	p->held[5] = (struct guard_hold){ NOW - 60, -1, 4000000000u, 3,
	    "12025" };
	p->held[GUARD_HELD_MAX - 1] = (struct guard_hold){ NOW + 1,
	    NOW + 7200, 0, 0, "491" };
}

static int
platform_names(void *arg, const struct platform *p)
{
	char	*seen = arg;

	strcat(seen, p->name);
	strcat(seen, " ");
	return strcmp(p->name, "m") != 0;	/* stop after "m" */
}

/* Platforms: a roundtrip of every field, an update, the walk in name
 * order that fn stops, and one kid per platform. */
static void
test_pg_platform(void **state)
{
	struct fx	*f = *state;
	struct platform	 p, q;
	char		 seen[64] = "";

	mkplatform(&p, "zeta", 1);
	begin(f->st);
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_memory_equal(&p, &q, sizeof(p));
	/* An update: fewer hashes, a slot freed, another taken. */
	p.nhashes = 1;
	memset(p.hashes[1], 0, sizeof(p.hashes[1]));
	memset(&p.held[5], 0, sizeof(p.held[5]));
	p.held[2] = (struct guard_hold){ NOW, NOW + 60, 1, 1, "33" };
	p.status = PLATFORM_ENABLED;
	memset(p.origin, 0, sizeof(p.origin));
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_memory_equal(&p, &q, sizeof(p));
	assert_int_equal(store_platform_get(f->st, "none", &q),
	    STORE_NOTFOUND);
	mkplatform(&q, "a", 2);
	q.nhashes = q.nprefixes = 0;
	memset(q.hashes, 0, sizeof(q.hashes));
	memset(q.prefixes, 0, sizeof(q.prefixes));
	memset(q.held, 0, sizeof(q.held));
	assert_int_equal(store_platform_put(f->st, &q), STORE_OK);
	mkplatform(&q, "m", 3);
	assert_int_equal(store_platform_put(f->st, &q), STORE_OK);
	commit(f->st);
	/* Outside a transaction too. */
	assert_int_equal(store_platforms(f->st, platform_names, seen),
	    STORE_OK);
	assert_string_equal(seen, "a m ");
	begin(f->st);
	assert_int_equal(store_platform_get(f->st, "a", &p), STORE_OK);
	assert_int_equal(p.nhashes, 0);
	assert_int_equal(p.held[0].until, 0);
	commit(f->st);
	/* Another platform with zeta's key id: the constraint refuses. */
	mkplatform(&q, "other", 1);
	begin(f->st);
	assert_int_equal(store_platform_put(f->st, &q), STORE_OK);
	assert_int_equal(store_commit(f->st, 1), STORE_ERR);
	assert_false(store_retry(f->st));
}

/* Version 2 fields: the account's platform, the order's profile,
 * replaced certificate and reused proof, through insert, conditional
 * update and the account's list. */
static int
first_order(void *arg, const struct order *o)
{
	memcpy(arg, o, sizeof(*o));
	return 1;
}

static void
test_pg_v2_fields(void **state)
{
	struct fx	*f = *state;
	struct account	 a, b;
	struct order	 o, p;
	int		 more;

	mkaccount(&a, 1);
	a.version = 2;
	strcpy(a.platform, "acme-phones");
	mkorder(&o, a.id, 1, NOW);
	o.version = 2;
	strcpy(o.profile, "short-lived");
	mkid(o.replaces, "ord", 9);
	mkid(o.proof, "ord", 8);
	begin(f->st);
	assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_acct_order_add(f->st, &o), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(store_order_get(f->st, o.id, &p), STORE_OK);
	assert_memory_equal(&o, &p, sizeof(o));
	/* The conditional update carries them too. */
	memset(p.profile, 0, sizeof(p.profile));
	strcpy(p.profile, "classic");
	memset(p.proof, 0, sizeof(p.proof));
	p.status = ORDER_READY;
	assert_int_equal(store_order_put(f->st, &p), STORE_OK);
	b.platform[0] = '\0';
	assert_int_equal(store_account_put(f->st, &b), STORE_OK);
	commit(f->st);
	begin(f->st);
	memset(&o, 0, sizeof(o));
	assert_int_equal(store_acct_orders(f->st, a.id, NULL, 1, &more,
	    first_order, &o), 1);
	assert_memory_equal(&o, &p, sizeof(o));
	assert_int_equal(store_account_get(f->st, a.id, &a), STORE_OK);
	assert_string_equal(a.platform, "");
	commit(f->st);
}

struct walk {
	int	 n, stop_at;
	char	 last[ID_LEN + 1];
	int	 sorted;
};

static int
walk_one(void *arg, const struct order *o)
{
	struct walk	*w = arg;

	if (strcmp(o->id, w->last) <= 0)
		w->sorted = 0;
	strcpy(w->last, o->id);
	assert_int_equal(o->version, 2);
	return ++w->n == w->stop_at ? -1 : 0;
}

/* Every order once, across the engine's batches, and fn stops it. */
static void
test_pg_orders_walk(void **state)
{
	struct fx	*f = *state;
	struct order	 o;
	struct walk	 w;
	int		 i;

	begin(f->st);
	for (i = 1; i <= 600; i++) {
		mkorder(&o, "acct000000000001", 601 - i, NOW + i);
		assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	}
	commit(f->st);
	memset(&w, 0, sizeof(w));
	w.sorted = 1;
	begin(f->st);
	assert_int_equal(store_orders_walk(f->st, walk_one, &w), STORE_OK);
	commit(f->st);
	assert_int_equal(w.n, 600);
	assert_true(w.sorted);
	memset(&w, 0, sizeof(w));
	w.stop_at = 300;
	begin(f->st);
	assert_int_equal(store_orders_walk(f->st, walk_one, &w), STORE_OK);
	commit(f->st);
	assert_int_equal(w.n, 300);
}

struct digests {
	long		 n;
	unsigned char	 x[32];
};

static int
digest_sum(void *arg, const struct store_rec *r)
{
	struct digests	*d = arg;
	unsigned char	 h[32];
	int		 i;

	assert_int_equal(store_rec_digest(r, h), 0);
	for (i = 0; i < 32; i++)
		d->x[i] ^= h[i];
	d->n++;
	return 0;
}

static int
load_into(void *arg, const struct store_rec *r)
{
	return store_load(arg, r) == STORE_OK ? 0 : -1;
}

/* A Berkeley DB store with every kind of record, copied: the copy gives
 * the same digests, and copying again changes nothing. */
static void
test_pg_copy(void **state)
{
	struct fx	*f = *state, *bdb;
	struct digests	 from, to;
	struct account	 a;
	struct order	 o;
	struct cert	 c;
	struct sms	 m;
	struct window	 w, got;
	struct platform	 pl, plgot;
	struct order	 v1, v1got;
	struct account	 a1;
	char		 by[ID_LEN + 1];
	unsigned char	 n[NONCE_RAW_LEN];
	uint64_t	 v;
	long		 l;
	int		 i;

	assert_int_equal(setup((void **)&bdb), 0);
	begin(bdb->st);
	for (i = 1; i <= 3; i++) {
		mkaccount(&a, i);
		snprintf(a.platform, sizeof(a.platform), "p%d", i);
		assert_int_equal(store_account_put(bdb->st, &a), STORE_OK);
		assert_int_equal(store_key_put(bdb->st, a.thumb, a.id),
		    STORE_OK);
		mkorder(&o, a.id, i, NOW + i);
		snprintf(o.profile, sizeof(o.profile), "prof%d", i);
		mkid(o.replaces, "ord", 10 + i);
		mkid(o.proof, "ord", 20 + i);
		assert_int_equal(store_order_put(bdb->st, &o), STORE_OK);
		assert_int_equal(store_acct_order_add(bdb->st, &o), STORE_OK);
	}
	mkcert(&c, 1, 1);
	assert_int_equal(store_cert_put(bdb->st, &c), STORE_OK);
	mksms(&m, 1, OUTBOX_QUEUED, NOW);
	assert_int_equal(store_sms_put(bdb->st, &m), STORE_OK);
	assert_int_equal(store_due_add(bdb->st, NOW, m.id), STORE_OK);
	memset(n, 5, sizeof(n));
	assert_int_equal(store_nonce_use(bdb->st, n, sizeof(n), NOW), STORE_OK);
	assert_int_equal(store_count(bdb->st, "k/1", NOW, 3, &l), STORE_OK);
	assert_int_equal(store_meta_next(bdb->st, "crl", &v), STORE_OK);
	assert_int_equal(store_meta_next(bdb->st, "crl", &v), STORE_OK);
	mkwindow(&w, NOW + 3600, 4);
	assert_int_equal(store_window_put(bdb->st, "n:1/3600", &w), STORE_OK);
	mkplatform(&pl, "acme-phones", 1);
	assert_int_equal(store_platform_put(bdb->st, &pl), STORE_OK);
	assert_int_equal(store_replace(bdb->st, "ord0000000000001",
	    "ord0000000000002", NULL), STORE_OK);
	/* Records of the versions before: an order without profile,
	 * replacement and proof, an account without platform. */
	mkorder(&v1, "acct000000000001", 7, NOW);
	v1.version = 1;
	assert_int_equal(store_put(bdb->st, DB_ORDERS, v1.id, strlen(v1.id),
	    &v1, ORDER_V1_SIZE, 0), STORE_OK);
	mkaccount(&a1, 4);
	a1.version = 1;
	assert_int_equal(store_put(bdb->st, DB_ACCOUNTS, a1.id,
	    strlen(a1.id), &a1, ACCOUNT_V1_SIZE, 0), STORE_OK);
	commit(bdb->st);

	for (i = 0; i < 2; i++) {
		begin(bdb->st);
		begin(f->st);
		assert_int_equal(store_dump(bdb->st, load_into, f->st),
		    STORE_OK);
		commit(f->st);
		store_abort(bdb->st);
	}
	memset(&from, 0, sizeof(from));
	memset(&to, 0, sizeof(to));
	begin(bdb->st);
	assert_int_equal(store_dump(bdb->st, digest_sum, &from), STORE_OK);
	store_abort(bdb->st);
	begin(f->st);
	assert_int_equal(store_dump(f->st, digest_sum, &to), STORE_OK);
	store_abort(f->st);
	/* accounts, keys, orders, lists, certificate, nonce, sms, due,
	 * counter, meta, window, platform, replacement. */
	assert_int_equal(from.n, 4 + 3 + 4 + 3 + 1 + 1 + 1 + 1 + 1 + 1 + 1 +
	    1 + 1);
	assert_int_equal(to.n, from.n);
	assert_memory_equal(from.x, to.x, 32);
	/* The copy serves: the revoked certificate, the counter, meta. */
	begin(f->st);
	assert_int_equal(store_count(f->st, "k/1", NOW, 0, &l), STORE_OK);
	assert_int_equal(l, 3);
	assert_int_equal(store_meta_next(f->st, "crl", &v), STORE_OK);
	assert_int_equal(v, 3);
	assert_int_equal(store_nonce_use(f->st, n, sizeof(n), NOW),
	    STORE_EXISTS);
	assert_int_equal(store_window_get(f->st, "n:1/3600", &got), STORE_OK);
	assert_memory_equal(&got, &w, sizeof(w));
	assert_int_equal(store_platform_get(f->st, pl.name, &plgot), STORE_OK);
	assert_memory_equal(&plgot, &pl, sizeof(pl));
	assert_int_equal(store_replaced_by(f->st, "ord0000000000001", by),
	    STORE_OK);
	assert_string_equal(by, "ord0000000000002");
	assert_int_equal(store_order_get(f->st, "ord0000000000002", &o),
	    STORE_OK);
	assert_string_equal(o.profile, "prof2");
	assert_string_equal(o.replaces, "ord0000000000012");
	assert_string_equal(o.proof, "ord0000000000022");
	assert_int_equal(store_account_get(f->st, "acct000000000003", &a),
	    STORE_OK);
	assert_string_equal(a.platform, "p3");
	assert_int_equal(store_order_get(f->st, v1.id, &v1got), STORE_OK);
	assert_int_equal(v1got.version, 2);
	assert_string_equal(v1got.token, v1.token);
	assert_string_equal(v1got.profile, "");
	assert_int_equal(store_account_get(f->st, a1.id, &a), STORE_OK);
	assert_string_equal(a.contact, a1.contact);
	assert_string_equal(a.platform, "");
	commit(f->st);
	teardown((void **)&bdb);
}

/* A claim made from what the serial's read said (no replacement) is
 * queued; another process's claim committed since fails the commit, to
 * run again, and the run again finds the winner. */
static void
test_pg_claim_ahead_race(void **state)
{
	struct fx	*f = *state;
	struct store	*b;
	struct order	 o;
	struct cert	 c;
	char		 id[ID_LEN + 1], by[ID_LEN + 1];

	mkorder(&o, "acct000000000001", 1, NOW);
	mkcert(&c, 1, 0);
	begin(f->st);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_cert_put(f->st, &c), STORE_OK);
	commit(f->st);
	b = store_open(pg_uri, 0);
	assert_non_null(b);
	begin(f->st);
	begin(b);
	assert_int_equal(store_serial_get(f->st, c.serial, id), STORE_OK);
	assert_int_equal(store_replaced_by(f->st, id, by), STORE_NOTFOUND);
	assert_int_equal(store_replace(b, id, "ord0000000000002", NULL),
	    STORE_OK);
	assert_int_equal(store_commit(b, 1), STORE_OK);
	assert_int_equal(store_replace(f->st, id, "ord0000000000003", NULL),
	    STORE_OK);	/* queued */
	assert_int_not_equal(store_commit(f->st, 1), STORE_OK);
	assert_true(store_retry(f->st));
	store_abort(f->st);
	begin(f->st);
	assert_int_equal(store_serial_get(f->st, c.serial, id), STORE_OK);
	assert_int_equal(store_replace(f->st, id, "ord0000000000003", NULL),
	    STORE_EXISTS);
	assert_int_equal(store_replaced_by(f->st, id, by), STORE_OK);
	assert_string_equal(by, "ord0000000000002");
	commit(f->st);
	store_close(b);
}

/* A database that cannot be reached: the call fails at once, the store
 * says it is unavailable (503), and nothing hangs. */
static void
test_pg_down(void **state)
{
	struct store	*st;
	time_t		 t0 = time(NULL);

	(void)state;
	st = store_open("postgresql:///none?host=/nonexistent/socket-dir", 0);
	assert_non_null(st);
	assert_true(store_unavailable(st));
	assert_int_equal(store_begin(st), STORE_ERR);
	assert_true(store_unavailable(st));
	assert_false(store_retry(st));
	assert_true(time(NULL) - t0 < 5);
	store_close(st);
}

#define P(fn)	cmocka_unit_test_setup_teardown(fn, setup_pg, teardown_pg)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		P(test_account),
		P(test_key),
		P(test_order),
		P(test_cert),
		P(test_revoked),
		P(test_sms),
		P(test_nonce),
		P(test_abort_commit),
		P(test_nested),
		P(test_nested_undo),
		P(test_due_peek),
		P(test_window),
		P(test_nonce_start),
		P(test_window_prefetch),
		P(test_blind_writes),
		P(test_orders_paging),
		P(test_orders_same_second),
		P(test_counters),
		P(test_meta),
		P(test_prune),
		P(test_stats),
		P(test_pg_race),
		P(test_pg_nonce_race),
		P(test_pg_key_race),
		P(test_pg_due_skip),
		P(test_pg_copy),
		P(test_replace),
		P(test_pg_replace_race),
		P(test_pg_platform),
		P(test_platforms_windows),
		P(test_platform_prefetch),
		P(test_serial_ahead),
		P(test_pg_claim_ahead_race),
		P(test_pg_v2_fields),
		P(test_pg_orders_walk),
		P(test_pg_down),
	};

	if ((pg_uri = getenv("IDP_PG_URI")) == NULL || pg_uri[0] == '\0') {
		printf("test_store_pg: skipped: IDP_PG_URI names no database "
		    "(tests/integ/test_store_pg.sh gives one)\n");
		printf("[  PASSED  ] 0 test(s).\n");
		return 0;
	}
	return cmocka_run_group_tests_name("store_pg", tests, NULL, NULL);
}

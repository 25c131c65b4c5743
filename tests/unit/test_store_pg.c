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
	    "kv, rate_windows";
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
	unsigned char	 n[NONCE_RAW_LEN];
	uint64_t	 v;
	long		 l;
	int		 i;

	assert_int_equal(setup((void **)&bdb), 0);
	begin(bdb->st);
	for (i = 1; i <= 3; i++) {
		mkaccount(&a, i);
		assert_int_equal(store_account_put(bdb->st, &a), STORE_OK);
		assert_int_equal(store_key_put(bdb->st, a.thumb, a.id),
		    STORE_OK);
		mkorder(&o, a.id, i, NOW + i);
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
	assert_int_equal(from.n, 3 + 3 + 3 + 3 + 1 + 1 + 1 + 1 + 1 + 1 + 1);
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
	commit(f->st);
	teardown((void **)&bdb);
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
		P(test_orders_paging),
		P(test_orders_same_second),
		P(test_counters),
		P(test_meta),
		P(test_prune),
		P(test_stats),
		P(test_pg_race),
		P(test_pg_nonce_race),
		P(test_pg_due_skip),
		P(test_pg_copy),
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

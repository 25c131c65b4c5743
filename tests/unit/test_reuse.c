/* Unit tests of authorization reuse (lib/acme/acme_order.c) through the
 * store's index of SMS proofs (store_acct_proof, Berkeley DB) and without
 * it (the walk of the account's orders): the same order is reused either
 * way, the latest proof, never a deactivated one nor one older than the
 * profile's window, never another number's or another account's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define TN	"12025550111"
#define DAY	86400

static int
setup(void **state)
{
	*state = hx_new(HX_ACCT, NULL);
	return 0;
}

static int
setup_indexed(void **state)
{
	struct hx	*h = hx_new(HX_ACCT, NULL);
	int		 from, to;

	assert_int_equal(store_migrate(h->srv.st, &from, &to), STORE_OK);
	*state = h;
	return 0;
}

static int
teardown(void **state)
{
	hx_free(*state);
	return 0;
}

/* A proof of tn by acct, validated age seconds ago. */
static void
proof(struct hx *h, const char *acct, const char *tn, long age,
    struct order *o)
{
	hx_order_make(h, acct, tn, o);
	o->status = ORDER_READY;
	o->authz = AUTHZ_VALID;
	o->chall = CHALL_VALID;
	o->validated = h->now - age;
	o->authz_expires = h->now + 30L * DAY;
	hx_order_put(h, o);
}

/* A new order for tn; the proof it reuses ("" for none) into got. */
static void
order_for(struct hx *h, const char *tn, char got[ID_LEN + 1])
{
	struct req	 r;
	struct order	 o;
	char		 ident[IDENT_VALUE_MAX + 1], pl[512], loc[256];
	const char	*id;

	hx_ident(tn, ident, sizeof(ident));
	snprintf(pl, sizeof(pl), "{\"identifiers\": [{\"type\": "
	    "\"TNAuthList\", \"value\": \"%s\"}]}", ident);
	assert_int_equal(hx_post(h, &r, "/new-order", pl, acme_order_new),
	    PROB_NONE);
	hx_header(&r, "Location", loc, sizeof(loc));
	assert_non_null(id = strrchr(loc, '/'));
	assert_int_equal(hx_order_get(h, id + 1, &o), STORE_OK);
	assert_int_equal(o.status, o.proof[0] != '\0' ? ORDER_READY :
	    ORDER_PENDING);
	snprintf(got, ID_LEN + 1, "%s", o.proof);
	hx_req_free(&r);
}

static void
reuse(struct hx *h, int indexed)
{
	struct order	 old, newer, other, theirs, stale;
	char		 got[ID_LEN + 1], id[ID_LEN + 1];

	order_for(h, TN, got);
	assert_string_equal(got, "");
	proof(h, h->acct.id, TN, 2 * DAY, &stale);	/* outside the window */
	order_for(h, TN, got);
	assert_string_equal(got, "");
	proof(h, h->acct.id, TN, 600, &old);
	order_for(h, TN, got);
	assert_string_equal(got, old.id);
	proof(h, h->acct.id, TN, 60, &newer);
	proof(h, h->acct.id, "12025550112", 10, &other);
	proof(h, "AAAAAAAAAAAAAAAA", TN, 5, &theirs);
	order_for(h, TN, got);
	assert_string_equal(got, newer.id);
	/* The latest proof deactivated: the one before it stands. */
	newer.authz = AUTHZ_DEACTIVATED;
	newer.status = ORDER_INVALID;
	hx_order_put(h, &newer);
	order_for(h, TN, got);
	assert_string_equal(got, old.id);
	old.authz = AUTHZ_REVOKED;
	hx_order_put(h, &old);
	order_for(h, TN, got);
	assert_string_equal(got, "");
	order_for(h, "12025550112", got);
	assert_string_equal(got, other.id);
	/* Which way it went: by the index once it is built, else the walk. */
	assert_int_equal(store_begin(h->srv.st), STORE_OK);
	assert_int_equal(store_acct_proof(h->srv.st, h->acct.id, other.ident,
	    id), indexed ? STORE_OK : STORE_UNKNOWN);
	if (indexed)
		assert_string_equal(id, other.id);
	store_abort(h->srv.st);
}

static void
test_walk(void **state)
{
	reuse(*state, 0);
}

/* idprover-admin init and migrate build the index. */
static void
test_indexed(void **state)
{
	reuse(*state, 1);
}

/* Proofs written before the index existed are put into it by migrate. */
static void
test_migrate_builds(void **state)
{
	struct hx	*h = *state;
	struct order	 o, older;
	char		 id[ID_LEN + 1];
	int		 from, to;

	proof(h, h->acct.id, TN, 60, &o);
	proof(h, h->acct.id, TN, 120, &older);
	assert_int_equal(store_begin(h->srv.st), STORE_OK);
	assert_int_equal(store_acct_proof(h->srv.st, h->acct.id, o.ident, id),
	    STORE_UNKNOWN);
	store_abort(h->srv.st);
	assert_int_equal(store_migrate(h->srv.st, &from, &to), STORE_OK);
	assert_int_equal(store_migrate(h->srv.st, &from, &to), STORE_OK);
	assert_int_equal(store_begin(h->srv.st), STORE_OK);
	assert_int_equal(store_acct_proof(h->srv.st, h->acct.id, o.ident, id),
	    STORE_OK);
	assert_string_equal(id, o.id);
	assert_int_equal(store_acct_proof(h->srv.st, h->acct.id,
	    "AAAA", id), STORE_NOTFOUND);
	store_abort(h->srv.st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indexed, setup_indexed,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_builds, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("reuse", tests, NULL, NULL);
}

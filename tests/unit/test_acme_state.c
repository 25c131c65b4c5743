/* Unit tests of lib/acme/acme_state.c: the clock applied on load (an
 * expired code, order or authorization, stored), access control, the
 * invalid cascade and the JSON views. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static int
setup(void **state)
{
	*state = hx_new(HX_ACCT, NULL);
	return 0;
}

static int
teardown(void **state)
{
	hx_free(*state);
	return 0;
}

/* Load o through order_load in a committed transaction. */
static enum prob
load(struct hx *h, const char *id, struct order *o)
{
	struct req	 r;
	enum prob	 p;

	hx_req(h, &r, METHOD_POST, "/order/x");
	r.acct = h->acct;
	r.has_acct = 1;
	assert_int_equal(store_begin(h->srv.st), STORE_OK);
	p = order_load(&r, id, o);
	assert_int_equal(store_commit(h->srv.st, 0), STORE_OK);
	hx_req_free(&r);
	return p;
}

static void
test_expiry(void **state)
{
	static const struct {
		uint8_t		 status, authz, chall;
		int64_t		 expires, authz_expires, code_expires;
		uint8_t		 want_status, want_authz, want_chall;
		enum prob	 want_error;
	} cases[] = {
		/* Nothing due. */
		{ ORDER_PENDING, AUTHZ_PENDING, CHALL_PROCESSING, 100, 0, 100,
		    ORDER_PENDING, AUTHZ_PENDING, CHALL_PROCESSING, PROB_NONE },
		/* The code expired. */
		{ ORDER_PENDING, AUTHZ_PENDING, CHALL_PROCESSING, 100, 0, -1,
		    ORDER_INVALID, AUTHZ_INVALID, CHALL_INVALID,
		    PROB_INCORRECT_RESPONSE },
		/* The pending order expired. */
		{ ORDER_PENDING, AUTHZ_PENDING, CHALL_PENDING, -1, 0, 0,
		    ORDER_INVALID, AUTHZ_INVALID, CHALL_INVALID,
		    PROB_MALFORMED },
		/* A ready order expired: its authorization too. */
		{ ORDER_READY, AUTHZ_VALID, CHALL_VALID, -1, 100, 0,
		    ORDER_INVALID, AUTHZ_EXPIRED, CHALL_VALID, PROB_MALFORMED },
		/* The authorization expired before the order. */
		{ ORDER_READY, AUTHZ_VALID, CHALL_VALID, 100, -1, 0,
		    ORDER_INVALID, AUTHZ_EXPIRED, CHALL_VALID, PROB_MALFORMED },
		/* A valid order keeps everything. */
		{ ORDER_VALID, AUTHZ_VALID, CHALL_VALID, -1, -1, 0,
		    ORDER_VALID, AUTHZ_VALID, CHALL_VALID, PROB_NONE },
	};
	struct hx	*h = *state;
	struct order	 o, got;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hx_order_make(h, h->acct.id, "12025550123", &o);
		o.status = cases[i].status;
		o.authz = cases[i].authz;
		o.chall = cases[i].chall;
		o.expires = h->now + cases[i].expires;
		o.authz_expires = h->now + cases[i].authz_expires;
		o.code_expires = h->now + cases[i].code_expires;
		hx_order_put(h, &o);
		assert_int_equal(load(h, o.id, &got), PROB_NONE);
		/* What was loaded is what is stored now. */
		assert_int_equal(hx_order_get(h, o.id, &o), STORE_OK);
		assert_memory_equal(&o, &got, sizeof(o));
		if (got.status != cases[i].want_status ||
		    got.authz != cases[i].want_authz ||
		    got.chall != cases[i].want_chall ||
		    got.error != cases[i].want_error)
			fail_msg("case %zu: %d %d %d %d", i, got.status,
			    got.authz, got.chall, got.error);
	}
}

static void
test_access(void **state)
{
	struct hx	*h = *state;
	struct order	 o, got;
	struct account	 a;
	struct signer	*k;

	assert_int_equal(load(h, "AAAAAAAAAAAAAAAA", &got), PROB_NOT_FOUND);
	assert_non_null(k = signer_generate(JWK_ES256));
	hx_account(h, k, ACCT_VALID, &a);
	hx_order_make(h, a.id, "12025550123", &o);
	o.expires = h->now - 1;
	hx_order_put(h, &o);
	assert_int_equal(load(h, o.id, &got), PROB_UNAUTHORIZED);
	/* Another account's expired order is left as it was. */
	assert_int_equal(hx_order_get(h, o.id, &got), STORE_OK);
	assert_int_equal(got.status, ORDER_PENDING);
	signer_free(k);
}

static void
test_fail(void **state)
{
	struct order	 o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.status = ORDER_PENDING;
	o.authz = AUTHZ_VALID;
	o.chall = CHALL_PROCESSING;
	memset(o.code_mac, 0xaa, sizeof(o.code_mac));
	order_fail(&o, PROB_CONNECTION, "gone");
	assert_int_equal(o.status, ORDER_INVALID);
	assert_int_equal(o.authz, AUTHZ_VALID);	/* only pending ones */
	assert_int_equal(o.chall, CHALL_INVALID);
	assert_int_equal(o.error, PROB_CONNECTION);
	assert_string_equal(o.detail, "gone");
	assert_int_equal(o.code_mac[0] | o.code_mac[31], 0);
}

static void
test_views(void **state)
{
	struct hx	*h = *state;
	struct req	 r;
	struct order	 o;
	json_object	*j, *v, *e;
	char		 url[URL_MAX * 2];

	hx_order_make(h, h->acct.id, "12025550123", &o);
	hx_req(h, &r, METHOD_POST, "/order/x");
	o.status = ORDER_VALID;
	o.has_nb = 1;
	o.not_before = 0;
	assert_non_null(j = order_json(&r, &o));
	assert_true(json_object_object_get_ex(j, "certificate", &v));
	snprintf(url, sizeof(url), "%s/cert/%s", HX_BASE, o.id);
	assert_string_equal(json_object_get_string(v), url);
	assert_true(json_object_object_get_ex(j, "notBefore", &v));
	assert_string_equal(json_object_get_string(v), "1970-01-01T00:00:00Z");
	assert_false(json_object_object_get_ex(j, "notAfter", &v));
	json_object_put(j);

	order_fail(&o, PROB_INCORRECT_RESPONSE, "too many");
	assert_non_null(j = order_json(&r, &o));
	assert_false(json_object_object_get_ex(j, "certificate", &v));
	assert_false(json_object_object_get_ex(j, "expires", &v));
	assert_true(json_object_object_get_ex(j, "error", &e));
	assert_true(json_object_object_get_ex(e, "type", &v));
	assert_string_equal(json_object_get_string(v),
	    "urn:ietf:params:acme:error:incorrectResponse");
	json_object_put(j);
	assert_non_null(j = chall_json(&r, &o));
	assert_true(json_object_object_get_ex(j, "status", &v));
	assert_string_equal(json_object_get_string(v), "invalid");
	assert_true(json_object_object_get_ex(j, "error", &e));
	json_object_put(j);

	assert_int_equal(account_json(&r, &h->acct, &j), 0);
	assert_true(json_object_object_get_ex(j, "termsOfServiceAgreed", &v));
	assert_false(json_object_object_get_ex(j, "contact", &v));
	json_object_put(j);
	hx_req_free(&r);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_expiry),
		T(test_access),
		cmocka_unit_test(test_fail),
		T(test_views),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

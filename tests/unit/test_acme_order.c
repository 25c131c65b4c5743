/* Unit tests of lib/acme/acme_order.c: newOrder for one TNAuthList
 * identifier (RFC 8555 7.4, RFC 9448), the order URL and its access
 * control, with a real store. Refused orders leave no record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define TN	"12025550123"

static int
setup(void **state)
{
	*state = hx_new(HX_ACCT, "\"allowed_prefixes\": [\"1\", \"44\"], "
	    "\"limit_orders_hour\": 3");
	return 0;
}

static int
teardown(void **state)
{
	hx_free(*state);
	return 0;
}

static int
count_one(void *arg, const struct order *o)
{
	(void)o;
	(*(int *)arg)++;
	return 1;
}

/* The number of orders in the account's list. */
static int
orders_of(struct hx *h, const char *acct)
{
	int	 n = 0, more;

	assert_int_equal(store_begin(h->srv.st), STORE_OK);
	assert_true(store_acct_orders(h->srv.st, acct, NULL, 1000, &more,
	    count_one, &n) >= 0);
	store_abort(h->srv.st);
	return n;
}

static enum prob
new_order(struct hx *h, struct req *r, const char *tn, const char *extra)
{
	char	 ident[IDENT_VALUE_MAX + 1], pl[512];

	hx_ident(tn, ident, sizeof(ident));
	snprintf(pl, sizeof(pl), "{\"identifiers\": [{\"type\": "
	    "\"TNAuthList\", \"value\": \"%s\"}]%s}", ident, extra);
	return hx_post(h, r, "/new-order", pl, acme_order_new);
}

static void
test_create(void **state)
{
	struct hx	*h = *state;
	struct req	 r;
	struct order	 o;
	char		 loc[URL_MAX * 2], url[URL_MAX * 2], id[ID_LEN + 1];
	char		 buf[URL_MAX * 2], ident[IDENT_VALUE_MAX + 1];

	assert_int_equal(new_order(h, &r, TN, ""), PROB_NONE);
	assert_int_equal(r.status, 201);
	assert_true(r.durable);
	hx_header(&r, "Location", loc, sizeof(loc));
	assert_int_equal(strlen(loc), strlen(HX_BASE "/order/") + ID_LEN);
	memcpy(id, loc + strlen(HX_BASE "/order/"), ID_LEN + 1);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "pending");
	snprintf(url, sizeof(url), "%s/finalize/%s", HX_BASE, id);
	assert_string_equal(hx_body_str(&r, "finalize", buf, sizeof(buf)),
	    url);
	hx_req_free(&r);

	assert_int_equal(hx_order_get(h, id, &o), STORE_OK);
	assert_string_equal(o.acct, h->acct.id);
	assert_string_equal(o.tn, TN);
	hx_ident(TN, ident, sizeof(ident));
	assert_string_equal(o.ident, ident);
	assert_int_equal(o.status, ORDER_PENDING);
	assert_int_equal(o.authz, AUTHZ_PENDING);
	assert_int_equal(o.chall, CHALL_PENDING);
	assert_int_equal(strlen(o.token), TOKEN_LEN);
	assert_int_equal(o.expires, h->now + 24 * 3600);
	assert_false(o.has_nb);
	assert_int_equal(orders_of(h, h->acct.id), 1);
}

static void
test_validity(void **state)
{
	struct hx	*h = *state;
	struct req	 r;
	struct order	 o;
	char		 extra[256], nb[40], na[40], loc[URL_MAX * 2];

	time_fmt(h->now + 86400, nb, sizeof(nb));
	time_fmt(h->now + 86400 * 8, na, sizeof(na));
	snprintf(extra, sizeof(extra), ", \"notBefore\": \"%s\", "
	    "\"notAfter\": \"%s\"", nb, na);
	assert_int_equal(new_order(h, &r, TN, extra), PROB_NONE);
	hx_header(&r, "Location", loc, sizeof(loc));
	hx_req_free(&r);
	assert_int_equal(hx_order_get(h, loc + strlen(HX_BASE "/order/"),
	    &o), STORE_OK);
	assert_true(o.has_nb && o.has_na);
	assert_int_equal(o.not_before, h->now + 86400);
	assert_int_equal(o.not_after, h->now + 86400 * 8);
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*payload;
		enum prob	 want;
	} cases[] = {
		{ "{}", PROB_MALFORMED },
		{ "{\"identifiers\": []}", PROB_MALFORMED },
		{ "{\"identifiers\": [{\"type\": \"dns\", \"value\": "
		    "\"example.com\"}]}", PROB_UNSUPPORTED_IDENTIFIER },
		{ "{\"identifiers\": [{\"type\": \"TNAuthList\"}]}",
		    PROB_MALFORMED },
		{ "{\"identifiers\": [{\"type\": \"TNAuthList\", \"value\": "
		    "\"!!\"}]}", PROB_MALFORMED },
		{ "[]", PROB_MALFORMED },
		{ "", PROB_MALFORMED },
	};
	struct hx	*h = *state;
	struct req	 r;
	char		 extra[256], t[40];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (hx_post(h, &r, "/new-order", cases[i].payload,
		    acme_order_new) != cases[i].want)
			fail_msg("%s: prob %d (%s)", cases[i].payload, r.prob,
			    r.detail);
		hx_req_free(&r);
	}
	/* Two identifiers. */
	hx_ident(TN, t, sizeof(t));
	snprintf(extra, sizeof(extra), "{\"identifiers\": [{\"type\": "
	    "\"TNAuthList\", \"value\": \"%s\"}, {\"type\": \"TNAuthList\", "
	    "\"value\": \"%s\"}]}", t, t);
	assert_int_equal(hx_post(h, &r, "/new-order", extra, acme_order_new),
	    PROB_MALFORMED);
	hx_req_free(&r);
	/* A country code outside allowed_prefixes. */
	assert_int_equal(new_order(h, &r, "33123456789", ""),
	    PROB_REJECTED_IDENTIFIER);
	hx_req_free(&r);
	/* Times: not RFC 3339, too long, ending before they start. */
	assert_int_equal(new_order(h, &r, TN, ", \"notBefore\": \"soon\""),
	    PROB_MALFORMED);
	hx_req_free(&r);
	time_fmt(h->now + 86400 * 200, t, sizeof(t));
	snprintf(extra, sizeof(extra), ", \"notAfter\": \"%s\"", t);
	assert_int_equal(new_order(h, &r, TN, extra), PROB_MALFORMED);
	hx_req_free(&r);
	time_fmt(h->now - 86400, t, sizeof(t));
	snprintf(extra, sizeof(extra), ", \"notAfter\": \"%s\"", t);
	assert_int_equal(new_order(h, &r, TN, extra), PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(orders_of(h, h->acct.id), 0);
}

static void
test_limit(void **state)
{
	struct hx	*h = *state;
	struct req	 r;
	int		 i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(new_order(h, &r, TN, ""), PROB_NONE);
		hx_req_free(&r);
	}
	assert_int_equal(new_order(h, &r, TN, ""), PROB_RATE_LIMITED);
	assert_int_equal(r.status, 429);
	assert_true(r.retry_after > 0 && r.retry_after <= 3600);
	hx_req_free(&r);
	assert_int_equal(orders_of(h, h->acct.id), 3);
}

static void
test_get(void **state)
{
	struct hx	*h = *state;
	struct req	 r;
	struct order	 o, theirs;
	struct account	 a;
	struct signer	*k;
	char		 path[64], buf[URL_MAX * 2];

	hx_order_make(h, h->acct.id, TN, &o);
	snprintf(path, sizeof(path), "/order/%s", o.id);
	assert_int_equal(hx_post(h, &r, path, NULL, acme_order_post),
	    PROB_NONE);
	assert_int_equal(r.status, 200);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "pending");
	hx_req_free(&r);
	/* Only POST-as-GET. */
	assert_int_equal(hx_post(h, &r, path, "{}", acme_order_post),
	    PROB_MALFORMED);
	hx_req_free(&r);
	/* Unknown, and under another path. */
	assert_int_equal(hx_post(h, &r, "/order/AAAAAAAAAAAAAAAA", NULL,
	    acme_order_post), PROB_NOT_FOUND);
	assert_int_equal(r.status, 404);
	hx_req_free(&r);
	snprintf(path, sizeof(path), "/order/%s/x", o.id);
	assert_int_equal(hx_post(h, &r, path, NULL, acme_order_post),
	    PROB_NOT_FOUND);
	hx_req_free(&r);
	/* Another account's order. */
	assert_non_null(k = signer_generate(JWK_ES256));
	hx_account(h, k, ACCT_VALID, &a);
	hx_order_make(h, a.id, TN, &theirs);
	snprintf(path, sizeof(path), "/order/%s", theirs.id);
	assert_int_equal(hx_post(h, &r, path, NULL, acme_order_post),
	    PROB_UNAUTHORIZED);
	assert_int_equal(r.status, 403);
	hx_req_free(&r);
	signer_free(k);
	/* Processing: Retry-After. */
	o.status = ORDER_PROCESSING;
	hx_order_put(h, &o);
	snprintf(path, sizeof(path), "/order/%s", o.id);
	assert_int_equal(hx_post(h, &r, path, NULL, acme_order_post),
	    PROB_NONE);
	assert_int_equal(r.retry_after, 1);
	hx_req_free(&r);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create),
		T(test_validity),
		T(test_refused),
		T(test_limit),
		T(test_get),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

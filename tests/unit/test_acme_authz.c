/* Unit tests of lib/acme/acme_authz.c (RFC 8555 7.5): POST-as-GET of an
 * authorization, deactivation (7.5.2) and access control, with a real
 * store. */
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

static void
test_get(void **state)
{
	struct hx	*h = *state;
	struct req	 r;
	struct order	 o;
	json_object	*body, *ch, *c0, *v;
	char		 path[64], buf[URL_MAX * 2], url[URL_MAX * 2];

	hx_order_make(h, h->acct.id, "12025550123", &o);
	snprintf(path, sizeof(path), "/authz/%s", o.id);
	assert_int_equal(hx_post(h, &r, path, NULL, acme_authz_post),
	    PROB_NONE);
	assert_int_equal(r.status, 200);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "pending");
	assert_string_equal(hx_body_str(&r, "identifier.type", buf,
	    sizeof(buf)), "TNAuthList");
	assert_string_equal(hx_body_str(&r, "identifier.value", buf,
	    sizeof(buf)), o.ident);
	body = hx_json(&r);
	assert_true(json_object_object_get_ex(body, "challenges", &ch));
	assert_int_equal(json_object_array_length(ch), 1);
	c0 = json_object_array_get_idx(ch, 0);
	assert_true(json_object_object_get_ex(c0, "type", &v));
	assert_string_equal(json_object_get_string(v), "sms-link-00");
	assert_true(json_object_object_get_ex(c0, "url", &v));
	snprintf(url, sizeof(url), "%s/chall/%s", HX_BASE, o.id);
	assert_string_equal(json_object_get_string(v), url);
	assert_true(json_object_object_get_ex(c0, "token", &v));
	assert_string_equal(json_object_get_string(v), o.token);
	json_object_put(body);
	assert_false(r.durable);
	hx_req_free(&r);
}

static void
test_deactivate(void **state)
{
	struct hx	*h = *state;
	struct req	 r;
	struct order	 o, got;
	char		 path[64], buf[64];

	hx_order_make(h, h->acct.id, "12025550123", &o);
	snprintf(path, sizeof(path), "/authz/%s", o.id);
	/* Payloads other than the deactivation change nothing. */
	assert_int_equal(hx_post(h, &r, path, "{}", acme_authz_post),
	    PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(hx_post(h, &r, path, "{\"status\": \"valid\"}",
	    acme_authz_post), PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(hx_order_get(h, o.id, &got), STORE_OK);
	assert_int_equal(got.authz, AUTHZ_PENDING);
	assert_int_equal(got.status, ORDER_PENDING);

	assert_int_equal(hx_post(h, &r, path, "{\"status\": "
	    "\"deactivated\"}", acme_authz_post), PROB_NONE);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "deactivated");
	assert_true(r.durable);
	hx_req_free(&r);
	assert_int_equal(hx_order_get(h, o.id, &got), STORE_OK);
	assert_int_equal(got.authz, AUTHZ_DEACTIVATED);
	assert_int_equal(got.status, ORDER_INVALID);
	assert_int_equal(got.chall, CHALL_INVALID);
	assert_int_equal(got.error, PROB_UNAUTHORIZED);

	/* Once is enough. */
	assert_int_equal(hx_post(h, &r, path, "{\"status\": "
	    "\"deactivated\"}", acme_authz_post), PROB_MALFORMED);
	hx_req_free(&r);
}

/* A valid order keeps its status when its authorization goes. */
static void
test_deactivate_valid(void **state)
{
	struct hx	*h = *state;
	struct req	 r;
	struct order	 o, got;
	char		 path[64];

	hx_order_make(h, h->acct.id, "12025550123", &o);
	o.status = ORDER_VALID;
	o.authz = AUTHZ_VALID;
	o.chall = CHALL_VALID;
	o.authz_expires = h->now + 3600;
	hx_order_put(h, &o);
	snprintf(path, sizeof(path), "/authz/%s", o.id);
	assert_int_equal(hx_post(h, &r, path, "{\"status\": "
	    "\"deactivated\"}", acme_authz_post), PROB_NONE);
	hx_req_free(&r);
	assert_int_equal(hx_order_get(h, o.id, &got), STORE_OK);
	assert_int_equal(got.authz, AUTHZ_DEACTIVATED);
	assert_int_equal(got.status, ORDER_VALID);
}

static void
test_access(void **state)
{
	struct hx	*h = *state;
	struct req	 r;
	struct order	 theirs, got;
	struct account	 a;
	struct signer	*k;
	char		 path[64];

	assert_non_null(k = signer_generate(JWK_ES256));
	hx_account(h, k, ACCT_VALID, &a);
	hx_order_make(h, a.id, "12025550123", &theirs);
	snprintf(path, sizeof(path), "/authz/%s", theirs.id);
	assert_int_equal(hx_post(h, &r, path, NULL, acme_authz_post),
	    PROB_UNAUTHORIZED);
	hx_req_free(&r);
	assert_int_equal(hx_post(h, &r, path, "{\"status\": "
	    "\"deactivated\"}", acme_authz_post), PROB_UNAUTHORIZED);
	hx_req_free(&r);
	assert_int_equal(hx_order_get(h, theirs.id, &got), STORE_OK);
	assert_int_equal(got.authz, AUTHZ_PENDING);
	assert_int_equal(hx_post(h, &r, "/authz/AAAAAAAAAAAAAAAA", NULL,
	    acme_authz_post), PROB_NOT_FOUND);
	hx_req_free(&r);
	snprintf(path, sizeof(path), "/authz/%s/x", theirs.id);
	assert_int_equal(hx_post(h, &r, path, NULL, acme_authz_post),
	    PROB_NOT_FOUND);
	hx_req_free(&r);
	signer_free(k);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_get),
		T(test_deactivate),
		T(test_deactivate_valid),
		T(test_access),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of lib/acme/acme_account.c: newAccount (RFC 8555 7.3), the
 * account URL (7.3.2, 7.3.6) and keyChange (7.3.5), called through the
 * real authentication with a real store. Refused requests leave no
 * record behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

struct fx {
	struct hx	*h;
	struct signer	*k;		/* a key with no account yet */
};

static int
setup_conf(void **state, const char *conf)
{
	struct fx	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->h = hx_new(HX_ACCT, conf);
	assert_non_null(f->k = signer_generate(JWK_ES256));
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_conf(state, NULL);
}

static int
setup_tos(void **state)
{
	return setup_conf(state, "\"tos_url\": \"https://acme.test/tos\"");
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	signer_free(f->k);
	hx_free(f->h);
	free(f);
	return 0;
}

/* newAccount signed with the jwk of key. */
static enum prob
new_account(struct fx *f, struct req *r, const struct signer *key,
    const char *payload)
{
	hx_req_post(f->h, r, "/new-account", key, NULL, payload);
	return hx_run(f->h, r, AUTH_JWK, acme_account_new);
}

static void
test_create(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct account	 a;
	char		 loc[URL_MAX * 2], id[ID_LEN + 1], buf[256];

	assert_int_equal(new_account(f, &r, f->k, "{\"contact\": "
	    "[\"mailto:ops@example.com\"]}"), PROB_NONE);
	assert_int_equal(r.status, 201);
	assert_true(r.durable);
	assert_string_equal(r.ctype, "application/json");
	hx_header(&r, "Location", loc, sizeof(loc));
	assert_memory_equal(loc, HX_BASE "/acct/", strlen(HX_BASE "/acct/"));
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "valid");
	assert_int_equal(strlen(loc), strlen(HX_BASE "/acct/") + ID_LEN);
	memcpy(id, loc + strlen(HX_BASE "/acct/"), ID_LEN + 1);
	snprintf(loc + strlen(loc), sizeof(loc) - strlen(loc), "/orders");
	assert_string_equal(hx_body_str(&r, "orders", buf, sizeof(buf)), loc);
	hx_req_free(&r);

	/* The record and the key index. */
	assert_int_equal(hx_account_get(f->h, id, &a), STORE_OK);
	assert_int_equal(a.status, ACCT_VALID);
	assert_string_equal(a.thumb, signer_thumb(f->k));
	assert_string_equal(a.key, signer_jwk(f->k));
	assert_string_equal(a.contact, "[\"mailto:ops@example.com\"]");
	assert_int_equal(hx_key_get(f->h, signer_thumb(f->k), buf), STORE_OK);
	assert_string_equal(buf, id);

	/* The same key again: the same account, 200, nothing new. */
	assert_int_equal(new_account(f, &r, f->k, "{}"), PROB_NONE);
	assert_int_equal(r.status, 200);
	hx_header(&r, "Location", loc, sizeof(loc));
	assert_string_equal(loc + strlen(HX_BASE "/acct/"), id);
	hx_req_free(&r);

	/* onlyReturnExisting finds it too. */
	assert_int_equal(new_account(f, &r, f->k, "{\"onlyReturnExisting\": "
	    "true}"), PROB_NONE);
	assert_int_equal(r.status, 200);
	hx_req_free(&r);
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*payload;
		enum prob	 want;
	} cases[] = {
		{ "{\"onlyReturnExisting\": true}",
		    PROB_ACCOUNT_DOES_NOT_EXIST },
		{ "{\"onlyReturnExisting\": 1}", PROB_MALFORMED },
		{ "{\"termsOfServiceAgreed\": \"yes\"}", PROB_MALFORMED },
		{ "{\"contact\": \"mailto:a@example.com\"}", PROB_MALFORMED },
		{ "{\"contact\": [1]}", PROB_MALFORMED },
		{ "{\"contact\": [\"tel:+12025550123\"]}",
		    PROB_UNSUPPORTED_CONTACT },
		{ "{\"contact\": [\"mailto:a@b@example.com\"]}",
		    PROB_INVALID_CONTACT },
		{ "{\"contact\": [\"mailto:a@example..com\"]}",
		    PROB_INVALID_CONTACT },
		{ "{\"contact\": [\"mailto:a@example.com?subject=x\"]}",
		    PROB_INVALID_CONTACT },
		{ "{\"contact\": [\"mailto:a@x.com\", \"mailto:b@x.com\", "
		    "\"mailto:c@x.com\", \"mailto:d@x.com\", "
		    "\"mailto:e@x.com\"]}", PROB_INVALID_CONTACT },
		{ "[]", PROB_MALFORMED },
		{ "", PROB_MALFORMED },		/* POST-as-GET */
	};
	struct fx	*f = *state;
	struct req	 r;
	char		 id[ID_LEN + 1], type[96], want[96];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (new_account(f, &r, f->k, cases[i].payload) !=
		    cases[i].want)
			fail_msg("%s: prob %d (%s)", cases[i].payload, r.prob,
			    r.detail);
		assert_int_equal(r.status, problem_status(cases[i].want));
		snprintf(want, sizeof(want), "urn:ietf:params:acme:error:%s",
		    problem_type(cases[i].want));
		assert_string_equal(hx_body_str(&r, "type", type,
		    sizeof(type)), want);
		hx_req_free(&r);
		/* No account for the key. */
		assert_int_equal(hx_key_get(f->h, signer_thumb(f->k), id),
		    STORE_NOTFOUND);
	}
}

static void
test_tos(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct account	 a;
	char		 id[ID_LEN + 1];

	assert_int_equal(new_account(f, &r, f->k, "{}"), PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(new_account(f, &r, f->k, "{\"termsOfServiceAgreed\": "
	    "false}"), PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(hx_key_get(f->h, signer_thumb(f->k), id),
	    STORE_NOTFOUND);
	assert_int_equal(new_account(f, &r, f->k, "{\"termsOfServiceAgreed\": "
	    "true}"), PROB_NONE);
	assert_int_equal(r.status, 201);
	hx_req_free(&r);
	assert_int_equal(hx_key_get(f->h, signer_thumb(f->k), id), STORE_OK);
	assert_int_equal(hx_account_get(f->h, id, &a), STORE_OK);
	assert_int_equal(a.tos, 1);
}

static void
test_inactive_key(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct account	 a;

	hx_account(f->h, f->k, ACCT_DEACTIVATED, &a);
	assert_int_equal(new_account(f, &r, f->k, "{}"),
	    PROB_ACCOUNT_INACTIVE);
	assert_int_equal(r.status, 401);
	hx_req_free(&r);
}

static void
test_post_as_get(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct account	 other;
	char		 path[64], buf[URL_MAX * 2];

	snprintf(path, sizeof(path), "/acct/%s", f->h->acct.id);
	assert_int_equal(hx_post(f->h, &r, path, NULL, acme_account_post),
	    PROB_NONE);
	assert_int_equal(r.status, 200);
	assert_false(r.durable);
	assert_string_equal(hx_header(&r, "Location", buf, sizeof(buf)),
	    f->h->kid);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "valid");
	hx_req_free(&r);

	/* Another account's URL. */
	hx_account(f->h, f->k, ACCT_VALID, &other);
	snprintf(path, sizeof(path), "/acct/%s", other.id);
	assert_int_equal(hx_post(f->h, &r, path, NULL, acme_account_post),
	    PROB_UNAUTHORIZED);
	assert_int_equal(r.status, 403);
	hx_req_free(&r);

	/* Paths under the account that do not exist. */
	snprintf(path, sizeof(path), "/acct/%s/other", f->h->acct.id);
	assert_int_equal(hx_post(f->h, &r, path, NULL, acme_account_post),
	    PROB_NOT_FOUND);
	hx_req_free(&r);
	assert_int_equal(hx_post(f->h, &r, "/acct/short", NULL,
	    acme_account_post), PROB_NOT_FOUND);
	hx_req_free(&r);
}

static int
in_list(json_object *list, const char *url)
{
	size_t	 i;

	for (i = 0; i < json_object_array_length(list); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(
		    list, i)), url) == 0)
			return 1;
	return 0;
}

static void
test_orders_list(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct order	 o1, o2, bad;
	json_object	*body, *list;
	char		 path[64], url[URL_MAX * 2];

	hx_order_make(f->h, f->h->acct.id, "12025550123", &o1);
	hx_order_make(f->h, f->h->acct.id, "12025550124", &o2);
	hx_order_make(f->h, f->h->acct.id, "12025550125", &bad);
	bad.status = ORDER_INVALID;
	hx_order_put(f->h, &bad);
	snprintf(path, sizeof(path), "/acct/%s/orders", f->h->acct.id);
	assert_int_equal(hx_post(f->h, &r, path, NULL, acme_account_post),
	    PROB_NONE);
	body = hx_json(&r);
	assert_true(json_object_object_get_ex(body, "orders", &list));
	/* Both valid orders, in either order (made in the same second). */
	assert_int_equal(json_object_array_length(list), 2);
	snprintf(url, sizeof(url), "%s/order/%s", HX_BASE, o1.id);
	assert_true(in_list(list, url));
	snprintf(url, sizeof(url), "%s/order/%s", HX_BASE, o2.id);
	assert_true(in_list(list, url));
	snprintf(url, sizeof(url), "%s/order/%s", HX_BASE, bad.id);
	assert_false(in_list(list, url));
	json_object_put(body);
	hx_req_free(&r);

	/* Only POST-as-GET; a malformed cursor is no page. */
	assert_int_equal(hx_post(f->h, &r, path, "{}", acme_account_post),
	    PROB_MALFORMED);
	hx_req_free(&r);
	snprintf(path, sizeof(path), "/acct/%s/orders?cursor=x",
	    f->h->acct.id);
	assert_int_equal(hx_post(f->h, &r, path, NULL, acme_account_post),
	    PROB_NOT_FOUND);
	hx_req_free(&r);
}

static void
test_update(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct account	 a;
	char		 path[64];

	snprintf(path, sizeof(path), "/acct/%s", f->h->acct.id);
	assert_int_equal(hx_post(f->h, &r, path, "{\"contact\": "
	    "[\"mailto:new@example.com\"]}", acme_account_post), PROB_NONE);
	assert_true(r.durable);
	hx_req_free(&r);
	assert_int_equal(hx_account_get(f->h, f->h->acct.id, &a), STORE_OK);
	assert_string_equal(a.contact, "[\"mailto:new@example.com\"]");

	/* A refused change stores nothing. */
	assert_int_equal(hx_post(f->h, &r, path, "{\"contact\": "
	    "[\"tel:1\"]}", acme_account_post), PROB_UNSUPPORTED_CONTACT);
	hx_req_free(&r);
	assert_int_equal(hx_post(f->h, &r, path, "{\"status\": \"revoked\"}",
	    acme_account_post), PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(hx_account_get(f->h, f->h->acct.id, &a), STORE_OK);
	assert_string_equal(a.contact, "[\"mailto:new@example.com\"]");
	assert_int_equal(a.status, ACCT_VALID);
}

static void
test_deactivate(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct account	 a;
	struct order	 pending, done, got;
	char		 path[64], buf[64];

	hx_order_make(f->h, f->h->acct.id, "12025550123", &pending);
	hx_order_make(f->h, f->h->acct.id, "12025550124", &done);
	done.status = ORDER_VALID;
	done.authz = AUTHZ_VALID;
	done.chall = CHALL_VALID;
	hx_order_put(f->h, &done);

	snprintf(path, sizeof(path), "/acct/%s", f->h->acct.id);
	assert_int_equal(hx_post(f->h, &r, path, "{\"status\": "
	    "\"deactivated\"}", acme_account_post), PROB_NONE);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "deactivated");
	hx_req_free(&r);
	assert_int_equal(hx_account_get(f->h, f->h->acct.id, &a), STORE_OK);
	assert_int_equal(a.status, ACCT_DEACTIVATED);
	/* Its pending order is invalid now; the valid one stays. */
	assert_int_equal(hx_order_get(f->h, pending.id, &got), STORE_OK);
	assert_int_equal(got.status, ORDER_INVALID);
	assert_int_equal(got.authz, AUTHZ_INVALID);
	assert_int_equal(got.error, PROB_UNAUTHORIZED);
	assert_int_equal(hx_order_get(f->h, done.id, &got), STORE_OK);
	assert_int_equal(got.status, ORDER_VALID);

	/* From now on the account's kid is refused. */
	assert_int_equal(hx_post(f->h, &r, path, NULL, acme_account_post),
	    PROB_ACCOUNT_INACTIVE);
	hx_req_free(&r);
}

/* keyChange: the inner JWS by newkey, the outer by the account. */
static enum prob
key_change(struct fx *f, struct req *r, const struct signer *newkey,
    const char *account)
{
	char	 url[URL_MAX * 2], inner_pl[2048], *inner;

	snprintf(url, sizeof(url), "%s/key-change", HX_BASE);
	snprintf(inner_pl, sizeof(inner_pl), "{\"account\": \"%s\", "
	    "\"oldKey\": %s}", account, signer_jwk(f->h->key));
	assert_non_null(inner = signer_jws(newkey, url, NULL, NULL,
	    inner_pl));
	hx_post(f->h, r, "/key-change", inner, acme_key_change);
	free(inner);
	return r->prob;
}

static void
test_key_change(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct account	 a, other;
	struct signer	*taken;
	char		 id[ID_LEN + 1], loc[URL_MAX * 2];

	/* account names another account: refused, nothing changes. */
	hx_kid("BBBBBBBBBBBBBBBB", loc, sizeof(loc));
	assert_int_equal(key_change(f, &r, f->k, loc), PROB_UNAUTHORIZED);
	hx_req_free(&r);
	assert_int_equal(hx_key_get(f->h, signer_thumb(f->k), id),
	    STORE_NOTFOUND);

	/* A key that belongs to another account: 409 with its URL. */
	assert_non_null(taken = signer_generate(JWK_ES256));
	hx_account(f->h, taken, ACCT_VALID, &other);
	assert_int_equal(key_change(f, &r, taken, f->h->kid), PROB_CONFLICT);
	assert_int_equal(r.status, 409);
	hx_header(&r, "Location", loc, sizeof(loc));
	assert_non_null(strstr(loc, other.id));
	hx_req_free(&r);
	signer_free(taken);
	assert_int_equal(hx_account_get(f->h, f->h->acct.id, &a), STORE_OK);
	assert_string_equal(a.thumb, signer_thumb(f->h->key));

	/* Not a JWS inside. */
	assert_int_equal(hx_post(f->h, &r, "/key-change", "{}",
	    acme_key_change), PROB_MALFORMED);
	hx_req_free(&r);

	/* The rollover. */
	assert_int_equal(key_change(f, &r, f->k, f->h->kid), PROB_NONE);
	assert_int_equal(r.status, 200);
	hx_req_free(&r);
	assert_int_equal(hx_account_get(f->h, f->h->acct.id, &a), STORE_OK);
	assert_string_equal(a.thumb, signer_thumb(f->k));
	assert_string_equal(a.key, signer_jwk(f->k));
	assert_int_equal(hx_key_get(f->h, signer_thumb(f->k), id), STORE_OK);
	assert_string_equal(id, f->h->acct.id);
	assert_int_equal(hx_key_get(f->h, signer_thumb(f->h->key), id),
	    STORE_NOTFOUND);
	/* The old key no longer signs for the account. */
	assert_int_equal(hx_post(f->h, &r, "/new-nonce", NULL,
	    acme_nonce_post), PROB_MALFORMED);
	hx_req_free(&r);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create),
		T(test_refused),
		cmocka_unit_test_setup_teardown(test_tos, setup_tos, teardown),
		T(test_inactive_key),
		T(test_post_as_get),
		T(test_orders_list),
		T(test_update),
		T(test_deactivate),
		T(test_key_change),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

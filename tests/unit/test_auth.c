/* Unit tests of lib/server/auth.c (PROTOCOL.md section 4): real JWS made
 * with lib/client/sign.c, checked against accounts in a real store. A
 * refused request must not spend its nonce. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "jws.h"

/* Who signs and what the protected header names. */
enum signer_kind { S_OWN, S_OTHER, S_EDDSA };
enum kid_kind { K_OWN, K_UNKNOWN, K_FOREIGN, K_DEACT, K_REVOKED, K_NONE,
	K_SHORT };

static const struct {
	const char		*name;
	enum signer_kind	 signer;
	enum kid_kind		 kid;
	enum auth		 need;
	const char		*path;		/* NULL: /new-order */
	const char		*url;		/* NULL: the request's */
	enum prob		 want;
	int			 status;
} cases[] = {
	{ "good kid", S_OWN, K_OWN, AUTH_KID, NULL, NULL, PROB_NONE, 200 },
	{ "good kid, either", S_OWN, K_OWN, AUTH_EITHER, NULL, NULL,
	    PROB_NONE, 200 },
	{ "jwk, either", S_OTHER, K_NONE, AUTH_EITHER, NULL, NULL, PROB_NONE,
	    200 },
	{ "jwk required", S_OTHER, K_NONE, AUTH_JWK, NULL, NULL, PROB_NONE,
	    200 },
	{ "wrong key", S_OTHER, K_OWN, AUTH_KID, NULL, NULL, PROB_MALFORMED,
	    400 },
	{ "wrong key type", S_EDDSA, K_OWN, AUTH_KID, NULL, NULL,
	    PROB_MALFORMED, 400 },
	{ "unknown account", S_OWN, K_UNKNOWN, AUTH_KID, NULL, NULL,
	    PROB_ACCOUNT_DOES_NOT_EXIST, 400 },
	{ "kid of another server", S_OWN, K_FOREIGN, AUTH_KID, NULL, NULL,
	    PROB_ACCOUNT_DOES_NOT_EXIST, 400 },
	{ "kid too short", S_OWN, K_SHORT, AUTH_KID, NULL, NULL,
	    PROB_ACCOUNT_DOES_NOT_EXIST, 400 },
	{ "deactivated account", S_OWN, K_DEACT, AUTH_KID, NULL, NULL,
	    PROB_ACCOUNT_INACTIVE, 401 },
	{ "revoked account", S_OWN, K_REVOKED, AUTH_KID, NULL, NULL,
	    PROB_ACCOUNT_INACTIVE, 401 },
	{ "jwk where kid is required", S_OWN, K_NONE, AUTH_KID, NULL, NULL,
	    PROB_MALFORMED, 400 },
	{ "kid where jwk is required", S_OWN, K_OWN, AUTH_JWK, NULL, NULL,
	    PROB_MALFORMED, 400 },
	{ "url of another resource", S_OWN, K_OWN, AUTH_KID, "/new-order",
	    HX_BASE "/new-account", PROB_UNAUTHORIZED, 403 },
	{ "url of another server", S_OWN, K_OWN, AUTH_KID, "/new-order",
	    "https://other.test/acme/new-order", PROB_UNAUTHORIZED, 403 },
};

struct fx {
	struct hx	*h;
	struct signer	*other, *eddsa;
	struct account	 deact, revoked;
	struct signer	*deact_key, *revoked_key;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->h = hx_new(HX_ACCT, NULL);
	assert_non_null(f->other = signer_generate(JWK_ES256));
	assert_non_null(f->eddsa = signer_generate(JWK_EDDSA));
	assert_non_null(f->deact_key = signer_generate(JWK_ES256));
	assert_non_null(f->revoked_key = signer_generate(JWK_ES256));
	hx_account(f->h, f->deact_key, ACCT_DEACTIVATED, &f->deact);
	hx_account(f->h, f->revoked_key, ACCT_REVOKED, &f->revoked);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	signer_free(f->other);
	signer_free(f->eddsa);
	signer_free(f->deact_key);
	signer_free(f->revoked_key);
	hx_free(f->h);
	free(f);
	return 0;
}

/* A request for case i; the nonce it carries goes to nonce. */
static void
make(struct fx *f, size_t i, struct req *r, char nonce[NONCE_LEN + 1])
{
	const struct signer	*key = f->h->key;
	const char		*path = cases[i].path ? cases[i].path :
				    "/new-order";
	char			 kid[URL_MAX * 2], url[URL_MAX * 2], *jws;

	if (cases[i].signer == S_OTHER)
		key = f->other;
	else if (cases[i].signer == S_EDDSA)
		key = f->eddsa;
	switch (cases[i].kid) {
	case K_OWN:
		snprintf(kid, sizeof(kid), "%s", f->h->kid);
		break;
	case K_UNKNOWN:
		hx_kid("AAAAAAAAAAAAAAAA", kid, sizeof(kid));
		break;
	case K_FOREIGN:
		snprintf(kid, sizeof(kid), "https://other.test/acme/acct/%s",
		    f->h->acct.id);
		break;
	case K_SHORT:
		hx_kid("AAAA", kid, sizeof(kid));
		break;
	case K_DEACT:
		key = f->deact_key;
		hx_kid(f->deact.id, kid, sizeof(kid));
		break;
	case K_REVOKED:
		key = f->revoked_key;
		hx_kid(f->revoked.id, kid, sizeof(kid));
		break;
	case K_NONE:
		break;
	}
	if (cases[i].url != NULL)
		snprintf(url, sizeof(url), "%s", cases[i].url);
	else
		snprintf(url, sizeof(url), "%s%s", HX_BASE, path);
	hx_nonce(f->h, nonce);
	jws = signer_jws(key, url, nonce, cases[i].kid == K_NONE ? NULL : kid,
	    "{}");
	assert_non_null(jws);
	hx_req_body(f->h, r, path, jws);
	free(jws);
}

/* The handler behind auth: answers 200 with nothing. */
static enum prob
nothing(struct req *r)
{
	(void)r;
	return PROB_NONE;
}

/* Spend a nonce in a transaction: PROB_NONE when it was still good. */
static enum prob
spend(struct hx *h, const char *nonce)
{
	struct req	 r;
	enum prob	 p;

	hx_req(h, &r, METHOD_POST, "/new-order");
	assert_int_equal(store_begin(h->srv.st), STORE_OK);
	p = nonce_use(&r, nonce);
	assert_int_equal(store_commit(h->srv.st, 0), STORE_OK);
	hx_req_free(&r);
	return p;
}

static void
test_table(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	char		 nonce[NONCE_LEN + 1], type[64];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make(f, i, &r, nonce);
		hx_run(f->h, &r, cases[i].need, nothing);
		if (r.prob != cases[i].want)
			fail_msg("%s: prob %d, want %d (%s)", cases[i].name,
			    r.prob, cases[i].want, r.detail);
		assert_int_equal(r.status, cases[i].status);
		if (cases[i].want == PROB_NONE) {
			/* The nonce is spent; the signer's account loaded. */
			assert_int_equal(spend(f->h, nonce), PROB_BAD_NONCE);
			assert_int_equal(r.has_acct, cases[i].kid == K_OWN);
			if (r.has_acct)
				assert_string_equal(r.acct.id, f->h->acct.id);
		} else {
			hx_body_str(&r, "type", type, sizeof(type));
			assert_memory_equal(type, "urn:ietf:params:acme:error:",
			    27);
			/* A refused request leaves its nonce unspent. */
			assert_int_equal(spend(f->h, nonce), PROB_NONE);
		}
		hx_req_free(&r);
	}
}

static void
test_nonce_replay(void **state)
{
	struct fx	*f = *state;
	struct req	 r, again;
	char		 type[64];

	hx_req_post(f->h, &r, "/new-order", f->h->key, f->h->kid, "{}");
	assert_int_equal(hx_run(f->h, &r, AUTH_KID, nothing), PROB_NONE);
	/* The same body again: the nonce was spent. */
	hx_req_body(f->h, &again, "/new-order", r.body);
	assert_int_equal(hx_run(f->h, &again, AUTH_KID, nothing),
	    PROB_BAD_NONCE);
	assert_string_equal(hx_body_str(&again, "type", type, sizeof(type)),
	    "urn:ietf:params:acme:error:badNonce");
	hx_req_free(&r);
	hx_req_free(&again);
}

static void
test_bad_nonces(void **state)
{
	static const char *const nonces[] = {
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* not ours */
		"c2hvcnQ",				/* too short */
	};
	struct fx	*f = *state;
	struct req	 r;
	char		 url[URL_MAX * 2], *jws;
	size_t		 i;

	snprintf(url, sizeof(url), "%s/new-order", HX_BASE);
	for (i = 0; i < sizeof(nonces) / sizeof(nonces[0]); i++) {
		jws = signer_jws(f->h->key, url, nonces[i], f->h->kid, "{}");
		assert_non_null(jws);
		hx_req_body(f->h, &r, "/new-order", jws);
		free(jws);
		assert_int_equal(hx_run(f->h, &r, AUTH_KID, nothing),
		    PROB_BAD_NONCE);
		hx_req_free(&r);
	}
	/* An old nonce: issued NONCE_LIFETIME ago and more. */
	f->h->now -= NONCE_LIFETIME + 10;
	hx_req_post(f->h, &r, "/new-order", f->h->key, f->h->kid, "{}");
	f->h->now += NONCE_LIFETIME + 10;
	r.now = f->h->now;
	assert_int_equal(hx_run(f->h, &r, AUTH_KID, nothing), PROB_BAD_NONCE);
	hx_req_free(&r);
}

static void
test_not_a_jws(void **state)
{
	static const char *const bodies[] = {
		"", "{}", "[]", "not json", "{\"protected\": \"\", "
		    "\"payload\": \"\", \"signature\": \"\"}",
	};
	struct fx	*f = *state;
	struct req	 r;
	size_t		 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		hx_req_body(f->h, &r, "/new-order", bodies[i]);
		assert_int_equal(hx_run(f->h, &r, AUTH_KID, nothing),
		    PROB_MALFORMED);
		assert_int_equal(r.status, 400);
		assert_null(r.jws);
		hx_req_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_replay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_nonces, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_a_jws, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

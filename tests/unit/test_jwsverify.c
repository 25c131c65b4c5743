/* Unit tests of lib/server/jwsverify.c: every accepted algorithm, with
 * the library that checks it, takes a good signature and refuses a
 * changed one, a cut one and one by another key; ECDSA signatures whose r
 * or s begin with zero octets or with a high bit (the DER edge cases);
 * the per-process cache of account keys never serves a replaced key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "jwk.h"
#include "jws.h"
#include "jwsverify.h"
#include "sign.h"

#define URL	"https://idprover.example/acme/new-order"
#define NONCE	"Q_s3MWoqT05TrdkM2MTDcw"
#define ACCT	"AAAAAAAAAAAAAAAA"

static struct jws *
parse(const char *text)
{
	struct jws	*j = NULL;
	char		 detail[DETAIL_MAX];

	if (jws_parse(text, strlen(text), JWS_OUTER, &j, detail,
	    sizeof(detail)) != PROB_NONE)
		fail_msg("jws_parse: %s", detail);
	return j;
}

/* A JWS by s with its jwk embedded. */
static struct jws *
signed_by(const struct signer *s, const char *payload)
{
	char		*text;
	struct jws	*j;

	if ((text = signer_jws(s, URL, NONCE, NULL, payload)) == NULL)
		fail_msg("signer_jws");
	j = parse(text);
	free(text);
	return j;
}

static int
check(const struct jws *j, const struct jwk *k)
{
	char	 detail[DETAIL_MAX];

	return jws_verify(j, k, detail, sizeof(detail)) == PROB_NONE ? 0 : -1;
}

static void
one_alg(enum jwk_alg alg)
{
	struct signer	*s = signer_generate(alg), *other = signer_generate(alg);
	struct jws	*j, *o;
	size_t		 i;

	assert_non_null(s);
	assert_non_null(other);
	j = signed_by(s, "{\"identifiers\": []}");
	o = signed_by(other, "{\"identifiers\": []}");
	assert_int_equal(check(j, j->jwk), 0);
	assert_int_equal(check(o, o->jwk), 0);
	assert_int_equal(check(j, o->jwk), -1);		/* another key */
	for (i = 0; i < j->siglen; i += j->siglen / 7 + 1) {
		j->sig[i] ^= 0x01;
		assert_int_equal(check(j, j->jwk), -1);
		j->sig[i] ^= 0x01;
	}
	j->siglen--;
	assert_int_equal(check(j, j->jwk), -1);		/* cut short */
	j->siglen++;
	assert_int_equal(check(j, j->jwk), 0);
	jws_free(j);
	jws_free(o);
	signer_free(s);
	signer_free(other);
}

static void
test_each_alg(void **state)
{
	(void)state;
	one_alg(JWK_ES256);
	one_alg(JWK_ES384);
	one_alg(JWK_ES512);
	one_alg(JWK_RS256);
	one_alg(JWK_EDDSA);
}

/* Signatures whose r or s has a leading zero octet or a high first bit
 * come up within a few hundred ECDSA signatures (one in 128 and one
 * in 4): each must verify. */
static void
test_ecdsa_der_edges(void **state)
{
	struct signer	*s = signer_generate(JWK_ES256);
	struct jws	*j;
	int		 i, zero = 0, high = 0;

	(void)state;
	for (i = 0; i < 3000 && (zero < 1 || high < 2); i++) {
		j = signed_by(s, "{}");
		assert_int_equal(j->siglen, 64);
		zero += j->sig[0] == 0 || j->sig[32] == 0;
		high += (j->sig[0] & 0x80) && (j->sig[32] & 0x80);
		assert_int_equal(check(j, j->jwk), 0);
		jws_free(j);
	}
	assert_true(zero >= 1);
	assert_true(high >= 2);
	signer_free(s);
}

static void
test_account_cache(void **state)
{
	struct signer	*a = signer_generate(JWK_ES256);
	struct signer	*b = signer_generate(JWK_ES256);
	struct jws	*ja, *jb;
	struct jwsv	*v, *again;
	char		 detail[DETAIL_MAX];

	(void)state;
	ja = signed_by(a, "{}");
	jb = signed_by(b, "{}");
	v = jwsv_account(ACCT, signer_jwk(a));
	assert_non_null(v);
	assert_int_equal(jws_verify_with(ja, v, detail, sizeof(detail)),
	    PROB_NONE);
	again = jwsv_account(ACCT, signer_jwk(a));
	assert_ptr_equal(again, v);			/* kept */
	/* The account's key changed: the same id with b's key. */
	v = jwsv_account(ACCT, signer_jwk(b));
	assert_non_null(v);
	assert_string_equal(jwk_canon(jwsv_jwk(v)), signer_jwk(b));
	assert_int_not_equal(jws_verify_with(ja, v, detail, sizeof(detail)),
	    PROB_NONE);
	assert_int_equal(jws_verify_with(jb, v, detail, sizeof(detail)),
	    PROB_NONE);
	/* Another account with a's key does not get b's verifier. */
	v = jwsv_account("BBBBBBBBBBBBBBBB", signer_jwk(a));
	assert_int_equal(jws_verify_with(ja, v, detail, sizeof(detail)),
	    PROB_NONE);
	assert_null(jwsv_account(ACCT, "{\"kty\":\"EC\"}"));
	jwsv_cache_clear();
	jws_free(ja);
	jws_free(jb);
	signer_free(a);
	signer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_alg),
		cmocka_unit_test(test_ecdsa_der_edges),
		cmocka_unit_test(test_account_cache),
	};

	return cmocka_run_group_tests_name("jwsverify", tests, NULL, NULL);
}

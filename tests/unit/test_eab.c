/* Unit tests of lib/server/eab.c: the external account binding of RFC
 * 8555 7.3.4, one valid binding, then hostile ones, each breaking one
 * rule (wrong MAC, header members, url, payload key, sizes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "b64url.h"
#include "crypt.h"
#include "eab.h"
#include "json.h"
#include "jwk.h"

#define URL	"https://ca.example/acme/new-account"
/* RFC 8037 A.2: an Ed25519 public key; and another one. */
#define JWK_A	"{\"kty\":\"OKP\",\"crv\":\"Ed25519\"," \
	"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"
#define JWK_B	"{\"kty\":\"OKP\",\"crv\":\"Ed25519\"," \
	"\"x\":\"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08\"}"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

static struct jwk *
load(const char *text)
{
	json_object	*o = json_parse_object(text, strlen(text));
	struct jwk	*k = NULL;
	char		 d[256];

	assert_non_null(o);
	assert_int_equal(jwk_parse(o, &k, d, sizeof(d)), PROB_NONE);
	json_object_put(o);
	return k;
}

/* A binding with the protected header hdr and payload pl (JSON texts),
 * MACed with key; maclen octets of the MAC are kept (flip: one bit
 * flipped). Returns the parsed object (the caller puts it). */
static json_object *
binding(const char *hdr, const char *pl, size_t maclen, int flip,
    const char *extra)
{
	char		 p64[2048], l64[2048], s64[128], in[4200], text[8192];
	unsigned char	 mac[SHA256_LEN + 1];
	json_object	*o;

	b64url_encode((const unsigned char *)hdr, strlen(hdr), p64,
	    sizeof(p64));
	b64url_encode((const unsigned char *)pl, strlen(pl), l64, sizeof(l64));
	snprintf(in, sizeof(in), "%s.%s", p64, l64);
	assert_int_equal(crypt_hmac(key, sizeof(key), in, strlen(in), mac), 0);
	mac[SHA256_LEN] = 0x55;
	if (flip)
		mac[7] ^= 0x10;
	b64url_encode(mac, maclen, s64, sizeof(s64));
	snprintf(text, sizeof(text), "{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%s\"%s}", p64, l64, s64, extra);
	o = json_parse_object(text, strlen(text));
	assert_non_null(o);
	return o;
}

#define HDR	"{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"url\":\"" URL "\"}"

static void
test_valid(void **state)
{
	struct jwk	*a = load(JWK_A);
	struct eab	 e;
	json_object	*o = binding(HDR, JWK_A, 32, 0, "");
	char		 d[DETAIL_MAX];
	unsigned char	 other[32];

	(void)state;
	assert_int_equal(eab_parse(o, URL, a, &e, d, sizeof(d)), PROB_NONE);
	assert_string_equal(e.kid, "kid-1");
	assert_int_equal(eab_verify(&e, key, sizeof(key), d, sizeof(d)),
	    PROB_NONE);
	memcpy(other, key, sizeof(other));
	other[31] ^= 1;
	assert_int_equal(eab_verify(&e, other, sizeof(other), d, sizeof(d)),
	    PROB_UNAUTHORIZED);
	assert_non_null(strstr(d, "kid-1"));
	assert_int_equal(eab_verify(&e, key, 16, d, sizeof(d)),
	    PROB_UNAUTHORIZED);
	eab_clear(&e);
	json_object_put(o);
	/* A flipped MAC bit parses, and does not verify. */
	o = binding(HDR, JWK_A, 32, 1, "");
	assert_int_equal(eab_parse(o, URL, a, &e, d, sizeof(d)), PROB_NONE);
	assert_int_equal(eab_verify(&e, key, sizeof(key), d, sizeof(d)),
	    PROB_UNAUTHORIZED);
	eab_clear(&e);
	json_object_put(o);
	jwk_free(a);
}

static void
test_hostile(void **state)
{
	static const struct {
		const char	*what, *hdr, *pl, *extra;
		size_t		 maclen;
	} cases[] = {
		{ "alg HS512", "{\"alg\":\"HS512\",\"kid\":\"k\",\"url\":\""
		    URL "\"}", JWK_A, "", 32 },
		{ "alg none", "{\"alg\":\"none\",\"kid\":\"k\",\"url\":\""
		    URL "\"}", JWK_A, "", 32 },
		{ "alg ES256", "{\"alg\":\"ES256\",\"kid\":\"k\",\"url\":\""
		    URL "\"}", JWK_A, "", 32 },
		{ "alg not a string", "{\"alg\":1,\"kid\":\"k\",\"url\":\""
		    URL "\"}", JWK_A, "", 32 },
		{ "a nonce", "{\"alg\":\"HS256\",\"kid\":\"k\",\"nonce\":"
		    "\"abcd\",\"url\":\"" URL "\"}", JWK_A, "", 32 },
		{ "a jwk member", "{\"alg\":\"HS256\",\"kid\":\"k\",\"jwk\":"
		    JWK_A ",\"url\":\"" URL "\"}", JWK_A, "", 32 },
		{ "crit", "{\"alg\":\"HS256\",\"kid\":\"k\",\"crit\":[\"b64\"],"
		    "\"url\":\"" URL "\"}", JWK_A, "", 32 },
		{ "no kid", "{\"alg\":\"HS256\",\"url\":\"" URL "\"}", JWK_A,
		    "", 32 },
		{ "an empty kid", "{\"alg\":\"HS256\",\"kid\":\"\",\"url\":\""
		    URL "\"}", JWK_A, "", 32 },
		{ "a kid of 65", "{\"alg\":\"HS256\",\"kid\":\"kkkkkkkkkkkkkkkk"
		    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\","
		    "\"url\":\"" URL "\"}", JWK_A, "", 32 },
		{ "a kid with a NUL", "{\"alg\":\"HS256\",\"kid\":\"k\\u0000x\","
		    "\"url\":\"" URL "\"}", JWK_A, "", 32 },
		{ "a numeric kid", "{\"alg\":\"HS256\",\"kid\":7,\"url\":\""
		    URL "\"}", JWK_A, "", 32 },
		{ "no url", "{\"alg\":\"HS256\",\"kid\":\"k\"}", JWK_A, "",
		    32 },
		{ "another url", "{\"alg\":\"HS256\",\"kid\":\"k\",\"url\":"
		    "\"https://ca.example/acme/new-order\"}", JWK_A, "", 32 },
		{ "the url with a suffix", "{\"alg\":\"HS256\",\"kid\":\"k\","
		    "\"url\":\"" URL "x\"}", JWK_A, "", 32 },
		{ "the url cut by a NUL", "{\"alg\":\"HS256\",\"kid\":\"k\","
		    "\"url\":\"" URL "\\u0000x\"}", JWK_A, "", 32 },
		{ "a duplicate alg", "{\"alg\":\"HS256\",\"alg\":\"HS256\","
		    "\"kid\":\"k\",\"url\":\"" URL "\"}", JWK_A, "", 32 },
		{ "a header array", "[1]", JWK_A, "", 32 },
		{ "a header not JSON", "{alg", JWK_A, "", 32 },
		{ "another key", HDR, JWK_B, "", 32 },
		{ "a payload not JSON", HDR, "{\"kty\"", "", 32 },
		{ "an empty payload", HDR, "", "", 32 },
		{ "a private key as payload", HDR, "{\"kty\":\"OKP\",\"crv\":"
		    "\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaP"
		    "cHURo\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2"
		    "A\"}", "", 32 },
		{ "a MAC of 31", HDR, JWK_A, "", 31 },
		{ "a MAC of 33", HDR, JWK_A, "", 33 },
		{ "an empty MAC", HDR, JWK_A, "", 0 },
		{ "an extra member", HDR, JWK_A, ",\"header\":{}", 32 },
	};
	struct jwk	*a = load(JWK_A);
	struct eab	 e;
	json_object	*o;
	char		 d[DETAIL_MAX];
	size_t		 i;
	enum prob	 p;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o = binding(cases[i].hdr, cases[i].pl, cases[i].maclen, 0,
		    cases[i].extra);
		d[0] = '\0';
		p = eab_parse(o, URL, a, &e, d, sizeof(d));
		if (p != PROB_MALFORMED)
			fail_msg("%s: %d, not malformed", cases[i].what, p);
		assert_true(d[0] != '\0');
		/* Nothing to verify after a refusal. */
		assert_int_equal(eab_verify(&e, key, sizeof(key), d,
		    sizeof(d)), PROB_SERVER_INTERNAL);
		eab_clear(&e);
		json_object_put(o);
	}
	jwk_free(a);
}

/* Envelopes that are not a flattened JWS object. */
static void
test_envelope(void **state)
{
	static const char *const texts[] = { "\"a string\"", "[]", "{}",
	    "{\"protected\":\"e30\",\"payload\":\"e30\"}",
	    "{\"protected\":1,\"payload\":\"e30\",\"signature\":\"AA\"}",
	    "{\"protected\":\"e30=\",\"payload\":\"e30\",\"signature\":\"AA\"}",
	    "{\"protected\":\"e3 0\",\"payload\":\"e30\",\"signature\":\"AA\"}",
	    "{\"signatures\":[],\"payload\":\"e30\"}" };
	struct jwk	*a = load(JWK_A);
	struct eab	 e;
	json_object	*o;
	char		 d[DETAIL_MAX], big[40000];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		o = json_tokener_parse(texts[i]);
		assert_int_equal(eab_parse(o, URL, a, &e, d, sizeof(d)),
		    PROB_MALFORMED);
		eab_clear(&e);
		json_object_put(o);
	}
	assert_int_equal(eab_parse(NULL, URL, a, &e, d, sizeof(d)),
	    PROB_MALFORMED);
	/* A protected header over the cap is refused before decoding. */
	memset(big, 'e', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	o = json_object_new_object();
	json_object_object_add(o, "protected", json_object_new_string(big));
	json_object_object_add(o, "payload", json_object_new_string("e30"));
	json_object_object_add(o, "signature", json_object_new_string("AA"));
	assert_int_equal(eab_parse(o, URL, a, &e, d, sizeof(d)),
	    PROB_MALFORMED);
	eab_clear(&e);
	json_object_put(o);
	jwk_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_envelope),
	};

	return cmocka_run_group_tests_name("eab", tests, NULL, NULL);
}

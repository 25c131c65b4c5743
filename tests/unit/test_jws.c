/* Unit tests of lib/server/jws.c with lib/base/jwk.c: RFC 7515 A.3 and RFC 8037 A.4,
 * the signed ACME requests and negative cases of jws.json, and the
 * stateless rules of PROTOCOL.md section 4 against hostile envelopes
 * and headers, in both the outer and the nested (keyChange) mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <json-c/json.h>

#include "b64url.h"
#include "bounds.h"
#include "jwk.h"
#include "jws.h"
#include "problem.h"
#include "vectors.h"

#define BASE		"https://idprover.example/acme"
#define ACCT1		BASE "/acct/1"
#define NONCE		"Q_s3MWoqT05TrdkM2MTDcw"
#define ED_X		"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define ED_D		"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define P256_X		"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define P256_Y		"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define P256_D		"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
#define ED_JWK		"{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" ED_X "\"}"
#define P256_JWK	"{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" P256_X \
			"\",\"y\":\"" P256_Y "\"}"

static json_object	*vectors;

/*
 * Helpers.
 */

static const char *
str(json_object *o, const char *key)
{
	return json_object_get_string(vec_member(o, key));
}

static struct jwk *
key_of(json_object *jwk)
{
	struct jwk	*k = NULL;
	char		 detail[DETAIL_MAX];

	if (jwk_parse(jwk, &k, detail, sizeof(detail)) != PROB_NONE)
		fail_msg("vector key refused: %s", detail);
	return k;
}

static struct jwk *
key_text(const char *text)
{
	struct jwk	*k = jwk_load(text);

	if (k == NULL)
		fail_msg("key does not load: %s", text);
	return k;
}

static char *
b64(const void *p, size_t len)
{
	char	*s;

	if ((s = malloc(B64URL_LEN(len) + 1)) == NULL)
		fail_msg("out of memory");
	b64url_encode(p, len, s, B64URL_LEN(len) + 1);
	return s;
}

/* A private key from its JWK parts (x, y NULL for Ed25519, d). */
static gnutls_privkey_t
privkey(gnutls_ecc_curve_t curve, const char *x, const char *y,
    const char *d)
{
	gnutls_privkey_t	 k;
	unsigned char		 bx[32], by[32], bd[32];
	gnutls_datum_t		 dx = { bx, 32 }, dy = { by, 32 },
				 dd = { bd, 32 };

	assert_int_equal(b64url_decode(x, strlen(x), bx, 32), 32);
	assert_int_equal(b64url_decode(d, strlen(d), bd, 32), 32);
	if (y != NULL)
		assert_int_equal(b64url_decode(y, strlen(y), by, 32), 32);
	assert_int_equal(gnutls_privkey_init(&k), 0);
	assert_int_equal(gnutls_privkey_import_ecc_raw(k, curve, &dx,
	    y != NULL ? &dy : NULL, &dd), 0);
	return k;
}

/* The integer in d as exactly size octets. */
static void
fixed(const gnutls_datum_t *d, size_t size, unsigned char *out)
{
	size_t	 off = 0;

	while (off < d->size && d->data[off] == 0)
		off++;
	assert_true(d->size - off <= size);
	memset(out, 0, size);
	memcpy(out + size - (d->size - off), d->data + off, d->size - off);
}

/* base64url of the JWS signature of msg (raw r||s for ECDSA). */
static char *
sign(gnutls_privkey_t k, gnutls_sign_algorithm_t alg, size_t half,
    const char *msg)
{
	gnutls_datum_t	 m = { (unsigned char *)msg, (unsigned)strlen(msg) };
	gnutls_datum_t	 s = { NULL, 0 }, r = { NULL, 0 }, ss = { NULL, 0 };
	unsigned char	 raw[1024];
	size_t		 len;

	assert_int_equal(gnutls_privkey_sign_data2(k, alg, 0, &m, &s), 0);
	if (half == 0) {
		assert_true(s.size <= sizeof(raw));
		memcpy(raw, s.data, s.size);
		len = s.size;
	} else {
		assert_int_equal(gnutls_decode_rs_value(&s, &r, &ss), 0);
		fixed(&r, half, raw);
		fixed(&ss, half, raw + half);
		len = 2 * half;
		gnutls_free(r.data);
		gnutls_free(ss.data);
	}
	gnutls_free(s.data);
	return b64(raw, len);
}

enum signer { SIG_ED, SIG_P256, SIG_FAKE };

/*
 * A flattened JWS body from a protected header (JSON text), a payload
 * (JSON text, NULL for "") and a signer; SIG_FAKE puts 64 octets of
 * zeros as the signature. The caller frees the result.
 */
static char *
mkjws(const char *protected, const char *payload, enum signer how)
{
	gnutls_privkey_t k;
	unsigned char	 zero[64];
	char		*p64, *pl64, *sig, *input, *body;
	size_t		 len;

	p64 = b64(protected, strlen(protected));
	pl64 = payload == NULL ? b64("", 0) : b64(payload, strlen(payload));
	len = strlen(p64) + strlen(pl64) + 2;
	if ((input = malloc(len)) == NULL)
		fail_msg("out of memory");
	snprintf(input, len, "%s.%s", p64, pl64);
	if (how == SIG_ED) {
		k = privkey(GNUTLS_ECC_CURVE_ED25519, ED_X, NULL, ED_D);
		sig = sign(k, GNUTLS_SIGN_EDDSA_ED25519, 0, input);
		gnutls_privkey_deinit(k);
	} else if (how == SIG_P256) {
		k = privkey(GNUTLS_ECC_CURVE_SECP256R1, P256_X, P256_Y, P256_D);
		sig = sign(k, GNUTLS_SIGN_ECDSA_SHA256, 32, input);
		gnutls_privkey_deinit(k);
	} else {
		memset(zero, 0, sizeof(zero));
		sig = b64(zero, sizeof(zero));
	}
	len = strlen(p64) + strlen(pl64) + strlen(sig) + 64;
	if ((body = malloc(len)) == NULL)
		fail_msg("out of memory");
	snprintf(body, len, "{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%s\"}", p64, pl64, sig);
	free(p64);
	free(pl64);
	free(sig);
	free(input);
	return body;
}

static enum prob
parse(const char *text, int mode, struct jws **j)
{
	char	 detail[DETAIL_MAX];
	enum prob p;

	detail[0] = '\0';
	p = jws_parse(text, strlen(text), mode, j, detail, sizeof(detail));
	if (p != PROB_NONE && (*j != NULL || detail[0] == '\0'))
		fail_msg("refusal without detail or with a result");
	return p;
}

/* The enum prob of a vector's expected type and status. */
static enum prob
prob_of(const char *type, int status)
{
	static const char prefix[] = "urn:ietf:params:acme:error:";
	int	 p;

	if (strncmp(type, prefix, sizeof(prefix) - 1) != 0)
		fail_msg("not an ACME error type: %s", type);
	for (p = 1; p < PROB__MAX; p++)
		if (strcmp(problem_type((enum prob)p), type +
		    sizeof(prefix) - 1) == 0 &&
		    problem_status((enum prob)p) == status)
			return (enum prob)p;
	fail_msg("no enum prob for %s %d", type, status);
	return PROB__MAX;
}

/*
 * RFC 7515 A.3 and RFC 8037 A.4: headers without the ACME members, so
 * jws_verify runs on a struct jws filled in by hand.
 */
static void
verify_example(const char *name, const char *sigb64, const char *sighex,
    enum prob want)
{
	json_object	*ex = vec_member(vectors, name);
	struct jws	 j;
	struct jwk	*k;
	unsigned char	 sig[256];
	char		 detail[DETAIL_MAX];
	size_t		 i, n;

	memset(&j, 0, sizeof(j));
	j.protected = str(ex, "protected_b64u");
	j.payload64 = str(ex, "payload_b64u");
	if (sigb64 != NULL) {
		n = (size_t)b64url_decode(sigb64, strlen(sigb64), sig,
		    sizeof(sig));
		assert_true(n > 0 && n <= sizeof(sig));
	} else {
		n = strlen(sighex) / 2;
		for (i = 0; i < n; i++)
			sscanf(sighex + 2 * i, "%2hhx", &sig[i]);
	}
	j.sig = sig;
	j.siglen = n;
	k = key_of(vec_member(ex, "jwk_public"));
	j.alg = jwk_key_alg(k);
	assert_int_equal(jws_verify(&j, k, detail, sizeof(detail)), want);
	/* The signing input is exactly protected "." payload. */
	n = strlen(str(ex, "signing_input"));
	assert_int_equal(n, strlen(j.protected) + 1 + strlen(j.payload64));
	jwk_free(k);
}

static void
test_rfc7515_a3(void **state)
{
	json_object	*ex;

	(void)state;
	ex = vec_member(vectors, "rfc7515_a3_es256");
	verify_example("rfc7515_a3_es256", str(ex, "signature_b64u"), NULL,
	    PROB_NONE);
	verify_example("rfc7515_a3_es256", NULL, str(ex, "signature_raw_hex"),
	    PROB_NONE);
	/* The same signature in DER must fail (PROTOCOL.md 6.2). */
	verify_example("rfc7515_a3_es256", NULL, str(ex, "signature_der_hex"),
	    PROB_MALFORMED);
}

static void
test_rfc8037_a4(void **state)
{
	json_object	*ex;

	(void)state;
	ex = vec_member(vectors, "rfc8037_a4_eddsa");
	verify_example("rfc8037_a4_eddsa", str(ex, "signature_b64u"), NULL,
	    PROB_NONE);
	verify_example("rfc8037_a4_eddsa", NULL, str(ex, "signature_hex"),
	    PROB_NONE);
}

/* Re-signing RFC 8037 A.4 with the published private key gives the same
 * octets (Ed25519 is deterministic): the signing helper is sound. */
static void
test_signer_matches_rfc8037(void **state)
{
	json_object		*ex;
	gnutls_privkey_t	 k;
	char			*sig;

	(void)state;
	ex = vec_member(vectors, "rfc8037_a4_eddsa");
	k = privkey(GNUTLS_ECC_CURVE_ED25519, ED_X, NULL, ED_D);
	sig = sign(k, GNUTLS_SIGN_EDDSA_ED25519, 0, str(ex, "signing_input"));
	assert_string_equal(sig, str(ex, "signature_b64u"));
	free(sig);
	gnutls_privkey_deinit(k);
}

/* Parse and verify one accepted vector request; returns the jws. */
static struct jws *
accept_request(json_object *req, int mode, const char *url)
{
	const char	*text, *payload;
	struct jws	*j = NULL;
	struct jwk	*k;
	char		 detail[DETAIL_MAX];
	enum prob	 p;

	text = json_object_to_json_string_ext(vec_member(req, "body"),
	    JSON_C_TO_STRING_PLAIN);
	detail[0] = '\0';
	p = jws_parse(text, strlen(text), mode, &j, detail, sizeof(detail));
	if (p != PROB_NONE) {
		print_error("%s: jws_parse: %s: %s\n",
		    json_object_object_get_ex(req, "name", NULL) ?
		    str(req, "name") : "inner", problem_type(p), detail);
		return NULL;
	}
	if (strcmp(j->url, url) != 0)
		fail_msg("url %s, want %s", j->url, url);
	k = key_of(vec_member(req, "verify_with_jwk"));
	if ((p = jws_verify(j, k, detail, sizeof(detail))) != PROB_NONE)
		fail_msg("jws_verify: %s: %s", problem_type(p), detail);
	/* An embedded jwk is the key it verifies with. */
	if (j->jwk != NULL)
		assert_string_equal(jwk_thumb(j->jwk), jwk_thumb(k));
	assert_int_equal(j->alg, jwk_key_alg(k));
	jwk_free(k);
	payload = json_object_object_get_ex(req, "payload_json", NULL) ?
	    str(req, "payload_json") : NULL;
	if (payload != NULL) {
		assert_int_equal(j->payloadsz, strlen(payload));
		assert_memory_equal(j->payload, payload, j->payloadsz);
		assert_int_equal(j->pag, payload[0] == '\0');
		if (payload[0] == '\0')
			assert_null(jws_payload_object(j));
		else
			assert_non_null(jws_payload_object(j));
	}
	return j;
}

static void
test_acme_requests(void **state)
{
	json_object	*reqs, *req, *inner;
	struct jws	*j, *ij;
	const char	*name, *text;
	size_t		 i;
	int		 bad = 0;

	(void)state;
	reqs = vec_member(vectors, "acme_requests");
	assert_true(json_object_array_length(reqs) >= 7);
	for (i = 0; i < json_object_array_length(reqs); i++) {
		req = json_object_array_get_idx(reqs, i);
		name = str(req, "name");
		assert_string_equal(str(req, "expect"), "accept");
		j = accept_request(req, JWS_OUTER, str(req, "request_url"));
		if (j == NULL)
			bad++;
		else {
			assert_non_null(j->nonce);
			if (strcmp(name, "newAccount-EdDSA-jwk") == 0) {
				assert_non_null(j->jwk);
				assert_null(j->kid);
			} else {
				assert_null(j->jwk);
				assert_non_null(j->kid);
				assert_true(strncmp(j->kid, BASE "/acct/",
				    strlen(BASE "/acct/")) == 0);
			}
		}
		if (json_object_object_get_ex(req, "inner", &inner)) {
			/* keyChange: the outer payload is the inner JWS,
			 * whose url is the outer url. */
			if (j != NULL) {
				text = json_object_to_json_string_ext(
				    jws_payload_object(j),
				    JSON_C_TO_STRING_PLAIN);
				assert_string_equal(text,
				    json_object_to_json_string_ext(
				    vec_member(inner, "body"),
				    JSON_C_TO_STRING_PLAIN));
			}
			if ((ij = accept_request(inner, JWS_INNER,
			    str(req, "request_url"))) == NULL)
				bad++;
			else {
				assert_null(ij->nonce);
				assert_null(ij->kid);
				assert_non_null(ij->jwk);
				jws_free(ij);
			}
		}
		jws_free(j);
	}
	if (bad)
		fail_msg("%d accepted vector requests refused", bad);
}

/* How far a negative vector gets in jws_parse/jws_verify: the rest of
 * its check needs state the caller holds. */
enum stage {
	AT_PARSE,	/* jws_parse refuses with the expected problem */
	AT_VERIFY,	/* jws_verify refuses with it */
	AT_URL,		/* parses and verifies; the signed url differs */
	NEED_KID,	/* parses with a jwk; the resource needs kid */
	NEED_JWK,	/* parses with a kid; the resource needs jwk */
};

static const struct {
	const char	*name;
	enum stage	 stage;
	const char	*verify_kid;	/* key for AT_VERIFY / AT_URL */
} negatives[] = {
	{ "url-mismatch", AT_URL, ACCT1 },
	{ "jwk-and-kid", AT_PARSE, NULL },
	{ "jwk-on-kid-resource", NEED_KID, NULL },
	{ "kid-on-newAccount", NEED_JWK, NULL },
	{ "missing-nonce", AT_PARSE, NULL },
	{ "unprotected-header", AT_PARSE, NULL },
	{ "padded-payload", AT_PARSE, NULL },
	{ "tampered-payload", AT_VERIFY, ACCT1 },
	{ "es256-der-signature", AT_VERIFY, BASE "/acct/2" },
	{ "alg-none", AT_PARSE, NULL },
	{ "alg-HS256", AT_PARSE, NULL },
};

static void
test_negative_vectors(void **state)
{
	json_object	*negs, *neg, *accts;
	struct jws	*j;
	struct jwk	*k;
	const char	*name, *text;
	char		 detail[DETAIL_MAX];
	size_t		 i, t;
	enum prob	 want, p;
	int		 bad = 0;

	(void)state;
	negs = vec_member(vectors, "negative");
	accts = vec_member(vectors, "accounts");
	for (i = 0; i < json_object_array_length(negs); i++) {
		neg = json_object_array_get_idx(negs, i);
		name = str(neg, "name");
		want = prob_of(str(neg, "expect_type"),
		    json_object_get_int(vec_member(neg, "expect_status")));
		for (t = 0; t < sizeof(negatives) / sizeof(negatives[0]); t++)
			if (strcmp(negatives[t].name, name) == 0)
				break;
		if (t == sizeof(negatives) / sizeof(negatives[0]))
			fail_msg("negative vector %s has no stage here", name);
		text = json_object_to_json_string_ext(vec_member(neg, "body"),
		    JSON_C_TO_STRING_PLAIN);
		j = NULL;
		p = jws_parse(text, strlen(text), JWS_OUTER, &j, detail,
		    sizeof(detail));
		if (negatives[t].stage == AT_PARSE) {
			if (p != want) {
				print_error("%s: jws_parse gave %s (%d), want "
				    "%s (%d)\n", name, problem_type(p),
				    problem_status(p), problem_type(want),
				    problem_status(want));
				bad++;
			}
			jws_free(j);
			continue;
		}
		if (p != PROB_NONE)
			fail_msg("%s: jws_parse: %s", name, detail);
		switch (negatives[t].stage) {
		case AT_URL:
			assert_int_equal(want, PROB_UNAUTHORIZED);
			assert_string_not_equal(j->url,
			    str(neg, "request_url"));
			/* FALLTHROUGH */
		case AT_VERIFY:
			k = key_of(vec_member(vec_member(accts,
			    negatives[t].verify_kid), "jwk"));
			p = jws_verify(j, k, detail, sizeof(detail));
			if (p != (negatives[t].stage == AT_URL ? PROB_NONE :
			    want)) {
				print_error("%s: jws_verify gave %s\n", name,
				    problem_type(p));
				bad++;
			}
			jwk_free(k);
			break;
		case NEED_KID:
			assert_int_equal(want, PROB_MALFORMED);
			assert_non_null(j->jwk);
			assert_null(j->kid);
			break;
		case NEED_JWK:
			assert_int_equal(want, PROB_MALFORMED);
			assert_null(j->jwk);
			assert_non_null(j->kid);
			break;
		default:
			break;
		}
		jws_free(j);
	}
	if (bad)
		fail_msg("%d negative vectors not refused as expected", bad);
}

/*
 * Hostile requests built here. Headers are JSON text; "sig" selects the
 * signer (only AT_VERIFY cases need a real signature).
 */
#define HDR_KID(alg)	"{\"alg\":\"" alg "\",\"kid\":\"" ACCT1 "\"," \
			"\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\"}"
#define HDR_JWK(alg, jwk) "{\"alg\":\"" alg "\",\"jwk\":" jwk "," \
			"\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-account\"}"

struct hcase {
	const char	*name;
	const char	*protected;
	const char	*payload;	/* JSON text; NULL: "" */
	int		 mode;
	enum prob	 want;
};

static const struct hcase header_cases[] = {
	{ "ok-kid", HDR_KID("EdDSA"), "{}", JWS_OUTER, PROB_NONE },
	{ "ok-jwk", HDR_JWK("EdDSA", ED_JWK), "{}", JWS_OUTER, PROB_NONE },
	{ "ok-jwk-es256", HDR_JWK("ES256", P256_JWK), "{}", JWS_OUTER,
	    PROB_NONE },
	{ "ok-post-as-get", HDR_KID("EdDSA"), NULL, JWS_OUTER, PROB_NONE },

	/* Rule 5. */
	{ "b64-false", "{\"alg\":\"EdDSA\",\"b64\":false,\"kid\":\"" ACCT1
	    "\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\"}", "{}",
	    JWS_OUTER, PROB_MALFORMED },
	{ "b64-true", "{\"alg\":\"EdDSA\",\"b64\":true,\"kid\":\"" ACCT1
	    "\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\"}", "{}",
	    JWS_OUTER, PROB_MALFORMED },
	{ "crit", "{\"alg\":\"EdDSA\",\"crit\":[\"b64\"],\"kid\":\"" ACCT1
	    "\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\"}", "{}",
	    JWS_OUTER, PROB_MALFORMED },
	{ "crit-empty", "{\"alg\":\"EdDSA\",\"crit\":[],\"kid\":\"" ACCT1
	    "\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\"}", "{}",
	    JWS_OUTER, PROB_MALFORMED },
	{ "b64-before-alg-none", "{\"alg\":\"none\",\"b64\":false,\"kid\":\""
	    ACCT1 "\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE
	    "/new-order\"}", "{}", JWS_OUTER, PROB_MALFORMED },

	/* Rule 6. */
	{ "alg-none", HDR_KID("none"), "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "alg-HS256", HDR_KID("HS256"), "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "alg-HS512", HDR_KID("HS512"), "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "alg-PS256", HDR_KID("PS256"), "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "alg-RS512", HDR_KID("RS512"), "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "alg-Ed25519", HDR_KID("Ed25519"), "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "alg-lowercase", HDR_KID("es256"), "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "alg-missing", "{\"kid\":\"" ACCT1 "\",\"nonce\":\"" NONCE "\","
	    "\"url\":\"" BASE "/new-order\"}", "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "alg-number", "{\"alg\":256,\"kid\":\"" ACCT1 "\",\"nonce\":\""
	    NONCE "\",\"url\":\"" BASE "/new-order\"}", "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "alg-none-no-nonce", "{\"alg\":\"none\",\"kid\":\"" ACCT1 "\","
	    "\"url\":\"" BASE "/new-order\"}", "{}", JWS_OUTER,
	    PROB_BAD_SIGNATURE_ALGORITHM },

	/* Rules 7 and 8. */
	{ "nonce-missing", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"url\":\"" BASE "/new-order\"}", "{}", JWS_OUTER,
	    PROB_BAD_NONCE },
	{ "nonce-padded", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"" NONCE "==\",\"url\":\"" BASE "/new-order\"}", "{}",
	    JWS_OUTER, PROB_MALFORMED },
	{ "nonce-plus", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"Q+s3MWoqT05TrdkM2MTDcw\",\"url\":\"" BASE
	    "/new-order\"}", "{}", JWS_OUTER, PROB_MALFORMED },
	{ "nonce-space", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"Q s3MWoqT05TrdkM2MTDcw\",\"url\":\"" BASE
	    "/new-order\"}", "{}", JWS_OUTER, PROB_MALFORMED },
	{ "nonce-empty", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"\",\"url\":\"" BASE "/new-order\"}", "{}", JWS_OUTER,
	    PROB_MALFORMED },
	{ "nonce-len-mod-4-1", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"Q_s3M\",\"url\":\"" BASE "/new-order\"}", "{}",
	    JWS_OUTER, PROB_MALFORMED },

	/* Rule 9: only presence here; equality is the caller's. */
	{ "url-missing", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"" NONCE "\"}", "{}", JWS_OUTER, PROB_UNAUTHORIZED },
	{ "url-number", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"" NONCE "\",\"url\":1}", "{}", JWS_OUTER,
	    PROB_UNAUTHORIZED },

	/* Rules 10 and 12. */
	{ "jwk-and-kid", "{\"alg\":\"EdDSA\",\"jwk\":" ED_JWK ",\"kid\":\""
	    ACCT1 "\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE
	    "/new-order\"}", "{}", JWS_OUTER, PROB_MALFORMED },
	{ "neither-jwk-nor-kid", "{\"alg\":\"EdDSA\",\"nonce\":\"" NONCE "\","
	    "\"url\":\"" BASE "/new-order\"}", "{}", JWS_OUTER,
	    PROB_MALFORMED },
	{ "kid-null-and-jwk", "{\"alg\":\"EdDSA\",\"jwk\":" ED_JWK ","
	    "\"kid\":null,\"nonce\":\"" NONCE "\",\"url\":\"" BASE
	    "/new-order\"}", "{}", JWS_OUTER, PROB_MALFORMED },
	{ "kid-number", "{\"alg\":\"EdDSA\",\"kid\":1,\"nonce\":\"" NONCE
	    "\",\"url\":\"" BASE "/new-order\"}", "{}", JWS_OUTER,
	    PROB_ACCOUNT_DOES_NOT_EXIST },
	/* Rule 12: a jwk that does not match alg is not acceptable. */
	{ "alg-key-mismatch", HDR_JWK("ES256", ED_JWK), "{}", JWS_OUTER,
	    PROB_BAD_PUBLIC_KEY },
	{ "alg-key-mismatch-2", HDR_JWK("EdDSA", P256_JWK), "{}", JWS_OUTER,
	    PROB_BAD_PUBLIC_KEY },
	{ "alg-key-mismatch-rs256", HDR_JWK("RS256", P256_JWK), "{}",
	    JWS_OUTER, PROB_BAD_PUBLIC_KEY },
	{ "jwk-private", HDR_JWK("EdDSA", "{\"crv\":\"Ed25519\",\"kty\":"
	    "\"OKP\",\"x\":\"" ED_X "\",\"d\":\"" ED_D "\"}"), "{}", JWS_OUTER,
	    PROB_BAD_PUBLIC_KEY },
	{ "jwk-string", HDR_JWK("EdDSA", "\"" ED_X "\""), "{}", JWS_OUTER,
	    PROB_BAD_PUBLIC_KEY },
	{ "jwk-ed448", HDR_JWK("EdDSA", "{\"crv\":\"Ed448\",\"kty\":\"OKP\","
	    "\"x\":\"" ED_X "\"}"), "{}", JWS_OUTER, PROB_BAD_PUBLIC_KEY },
	{ "jwk-off-curve", HDR_JWK("ES256", "{\"crv\":\"P-256\",\"kty\":"
	    "\"EC\",\"x\":\"" P256_X "\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6p"
	    "CyStikYjKIWI5aw\"}"), "{}", JWS_OUTER, PROB_BAD_PUBLIC_KEY },

	/* The protected header itself. */
	{ "protected-dup-alg", "{\"alg\":\"EdDSA\",\"alg\":\"none\",\"kid\":\""
	    ACCT1 "\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE
	    "/new-order\"}", "{}", JWS_OUTER, PROB_MALFORMED },
	{ "protected-dup-url", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\",\"url\":\""
	    BASE "/revoke-cert\"}", "{}", JWS_OUTER, PROB_MALFORMED },
	{ "protected-dup-url-single-quoted", "{\"alg\":\"EdDSA\",\"kid\":\""
	    ACCT1 "\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\","
	    "'url':\"" BASE "/revoke-cert\"}", "{}", JWS_OUTER,
	    PROB_MALFORMED },
	{ "protected-escaped-name", "{\"\\u0061lg\":\"EdDSA\",\"kid\":\""
	    ACCT1 "\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE
	    "/new-order\"}", "{}", JWS_OUTER, PROB_MALFORMED },
	{ "protected-array", "[{\"alg\":\"EdDSA\"}]", "{}", JWS_OUTER,
	    PROB_MALFORMED },
	{ "protected-not-json", "alg=EdDSA", "{}", JWS_OUTER,
	    PROB_MALFORMED },
	{ "protected-trailing", HDR_KID("EdDSA") "x", "{}", JWS_OUTER,
	    PROB_MALFORMED },

	/* Nested JWS (keyChange inner, RFC 8555 7.3.5). */
	{ "inner-ok", "{\"alg\":\"ES256\",\"jwk\":" P256_JWK ",\"url\":\""
	    BASE "/key-change\"}", "{}", JWS_INNER, PROB_NONE },
	{ "inner-nonce", "{\"alg\":\"ES256\",\"jwk\":" P256_JWK ",\"nonce\":\""
	    NONCE "\",\"url\":\"" BASE "/key-change\"}", "{}", JWS_INNER,
	    PROB_MALFORMED },
	{ "inner-nonce-null", "{\"alg\":\"ES256\",\"jwk\":" P256_JWK ","
	    "\"nonce\":null,\"url\":\"" BASE "/key-change\"}", "{}", JWS_INNER,
	    PROB_MALFORMED },
	{ "inner-kid", "{\"alg\":\"ES256\",\"kid\":\"" ACCT1 "\",\"url\":\""
	    BASE "/key-change\"}", "{}", JWS_INNER, PROB_MALFORMED },
	{ "inner-jwk-and-kid", "{\"alg\":\"ES256\",\"jwk\":" P256_JWK ","
	    "\"kid\":\"" ACCT1 "\",\"url\":\"" BASE "/key-change\"}", "{}",
	    JWS_INNER, PROB_MALFORMED },
	{ "inner-neither", "{\"alg\":\"ES256\",\"url\":\"" BASE
	    "/key-change\"}", "{}", JWS_INNER, PROB_MALFORMED },
	{ "inner-alg-none", "{\"alg\":\"none\",\"jwk\":" P256_JWK ","
	    "\"url\":\"" BASE "/key-change\"}", "{}", JWS_INNER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	{ "inner-alg-HS256", "{\"alg\":\"HS256\",\"jwk\":" P256_JWK ","
	    "\"url\":\"" BASE "/key-change\"}", "{}", JWS_INNER,
	    PROB_BAD_SIGNATURE_ALGORITHM },
	/* RFC 8555 7.3.5: malformed, not unauthorized. */
	{ "inner-no-url", "{\"alg\":\"ES256\",\"jwk\":" P256_JWK "}", "{}",
	    JWS_INNER, PROB_MALFORMED },
	/* Strings are whole: a NUL or a control character is malformed
	 *, never cut short or taken for what precedes it. */
	{ "kid-nul", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\\u0000junk\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\"}", "{}",
	    JWS_OUTER, PROB_MALFORMED },
	{ "alg-nul", "{\"alg\":\"EdDSA\\u0000x\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\"}", "{}",
	    JWS_OUTER, PROB_MALFORMED },
	{ "url-nul", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\\u0000\"}",
	    "{}", JWS_OUTER, PROB_MALFORMED },
	{ "url-crlf", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\\r\\n\"}",
	    "{}", JWS_OUTER, PROB_MALFORMED },
	{ "nonce-nul", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\","
	    "\"nonce\":\"" NONCE "\\u0000\",\"url\":\"" BASE "/new-order\"}",
	    "{}", JWS_OUTER, PROB_MALFORMED },
	{ "kid-del", "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\\u007f\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" BASE "/new-order\"}", "{}",
	    JWS_OUTER, PROB_MALFORMED },
	{ "inner-bad-key", "{\"alg\":\"ES256\",\"jwk\":{\"crv\":\"P-256\","
	    "\"kty\":\"EC\",\"x\":\"" P256_X "\"},\"url\":\"" BASE
	    "/key-change\"}", "{}", JWS_INNER, PROB_BAD_PUBLIC_KEY },
	{ "inner-alg-key-mismatch", "{\"alg\":\"EdDSA\",\"jwk\":" P256_JWK ","
	    "\"url\":\"" BASE "/key-change\"}", "{}", JWS_INNER,
	    PROB_BAD_PUBLIC_KEY },
	/* An outer header in inner mode: it has a nonce and a kid. */
	{ "outer-as-inner", HDR_KID("EdDSA"), "{}", JWS_INNER,
	    PROB_MALFORMED },
};

static void
test_header_cases(void **state)
{
	struct jws	*j;
	char		*body;
	size_t		 i;
	enum prob	 p;
	int		 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		body = mkjws(header_cases[i].protected,
		    header_cases[i].payload, SIG_FAKE);
		j = NULL;
		p = parse(body, header_cases[i].mode, &j);
		if (p != header_cases[i].want) {
			print_error("%s: got %s (%d), want %s (%d)\n",
			    header_cases[i].name, problem_type(p), p,
			    problem_type(header_cases[i].want),
			    header_cases[i].want);
			bad++;
		}
		jws_free(j);
		free(body);
	}
	if (bad)
		fail_msg("%d header cases wrong", bad);
}

/* A long kid is refused as too long, not as "not base64url":
 * 2,000 octets (inside the header cap) and 10 KB (past it). */
static void
test_long_kid(void **state)
{
	static const size_t	 lens[] = { 2000, 10240 };
	struct jws	*j;
	char		*hdr, *body, detail[DETAIL_MAX];
	size_t		 i;
	enum prob	 p;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hdr = malloc(lens[i] + 200);
		assert_non_null(hdr);
		snprintf(hdr, lens[i] + 200, "{\"alg\":\"EdDSA\",\"kid\":\""
		    ACCT1 "%0*d\",\"nonce\":\"" NONCE "\",\"url\":\"" BASE
		    "/new-order\"}", (int)lens[i], 0);
		body = mkjws(hdr, "{}", SIG_FAKE);
		j = NULL;
		detail[0] = '\0';
		p = jws_parse(body, strlen(body), JWS_OUTER, &j, detail,
		    sizeof(detail));
		assert_int_equal(p, PROB_MALFORMED);
		assert_null(j);
		if (strstr(detail, "too long") == NULL)
			fail_msg("kid of %zu: detail \"%s\"", lens[i], detail);
		assert_null(strstr(detail, "base64url"));
		free(body);
		free(hdr);
	}
}

/* A nonce that is not a string is refused (badNonce or malformed). */
static void
test_nonce_not_string(void **state)
{
	static const char *const hdrs[] = {
		"{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\",\"nonce\":12,"
		    "\"url\":\"" BASE "/new-order\"}",
		"{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\",\"nonce\":null,"
		    "\"url\":\"" BASE "/new-order\"}",
		"{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1 "\",\"nonce\":[\"" NONCE
		    "\"],\"url\":\"" BASE "/new-order\"}",
	};
	struct jws	*j;
	char		*body;
	size_t		 i;
	enum prob	 p;

	(void)state;
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		body = mkjws(hdrs[i], "{}", SIG_FAKE);
		j = NULL;
		p = parse(body, JWS_OUTER, &j);
		if (p != PROB_BAD_NONCE && p != PROB_MALFORMED)
			fail_msg("case %zu: %s", i, problem_type(p));
		free(body);
	}
}

/* Envelopes (rules 3 and 4), written out whole. */
#define GOOD_P64	"eyJhbGciOiJFZERTQSIsImtpZCI6Imh0dHBzOi8vaWRwcm92ZXIuZXhhbXBs" \
	"ZS9hY21lL2FjY3QvMSIsIm5vbmNlIjoiUV9zM01Xb3FUMDVUcmRrTTJNVERj" \
	"dyIsInVybCI6Imh0dHBzOi8vaWRwcm92ZXIuZXhhbXBsZS9hY21lL25ldy1v" \
	"cmRlciJ9"
#define SIG64		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static const struct {
	const char	*name;
	const char	*body;
	enum prob	 want;
} envelope_cases[] = {
	{ "ok", "{\"protected\":\"" GOOD_P64 "\",\"payload\":\"e30\","
	    "\"signature\":\"" SIG64 "\"}", PROB_NONE },
	{ "ok-members-reordered", "{\"signature\":\"" SIG64 "\",\"payload\":"
	    "\"e30\",\"protected\":\"" GOOD_P64 "\"}", PROB_NONE },
	{ "signatures-general", "{\"payload\":\"e30\",\"signatures\":[{"
	    "\"protected\":\"" GOOD_P64 "\",\"signature\":\"" SIG64 "\"}]}",
	    PROB_MALFORMED },
	{ "signatures-with-flattened", "{\"protected\":\"" GOOD_P64 "\","
	    "\"payload\":\"e30\",\"signature\":\"" SIG64 "\",\"signatures\":"
	    "[]}", PROB_MALFORMED },
	{ "unprotected-header", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e30\",\"signature\":\"" SIG64 "\",\"header\":{}}",
	    PROB_MALFORMED },
	{ "extra-member", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e30\",\"signature\":\"" SIG64 "\",\"foo\":1}", PROB_MALFORMED },
	{ "dup-payload", "{\"protected\":\"" GOOD_P64 "\",\"payload\":\"e30\","
	    "\"payload\":\"\",\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "compact", GOOD_P64 ".e30." SIG64, PROB_MALFORMED },
	{ "compact-in-string", "\"" GOOD_P64 ".e30." SIG64 "\"",
	    PROB_MALFORMED },
	{ "array", "[{\"protected\":\"" GOOD_P64 "\",\"payload\":\"e30\","
	    "\"signature\":\"" SIG64 "\"}]", PROB_MALFORMED },
	{ "empty", "", PROB_MALFORMED },
	{ "empty-object", "{}", PROB_MALFORMED },
	{ "protected-missing", "{\"payload\":\"e30\",\"signature\":\"" SIG64
	    "\"}", PROB_MALFORMED },
	{ "payload-missing-detached", "{\"protected\":\"" GOOD_P64 "\","
	    "\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "signature-missing", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e30\"}", PROB_MALFORMED },
	{ "protected-object", "{\"protected\":{\"alg\":\"EdDSA\"},\"payload\":"
	    "\"e30\",\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "payload-object", "{\"protected\":\"" GOOD_P64 "\",\"payload\":{},"
	    "\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "payload-null", "{\"protected\":\"" GOOD_P64 "\",\"payload\":null,"
	    "\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "signature-number", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e30\",\"signature\":0}", PROB_MALFORMED },
	{ "protected-padded", "{\"protected\":\"" GOOD_P64 "=\",\"payload\":"
	    "\"e30\",\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "protected-std-alphabet", "{\"protected\":\"eyJhbGciOiJFZERTQSJ9+/"
	    "\",\"payload\":\"e30\",\"signature\":\"" SIG64 "\"}",
	    PROB_MALFORMED },
	{ "protected-empty", "{\"protected\":\"\",\"payload\":\"e30\","
	    "\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "payload-padded", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e30=\",\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "payload-plus", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e3+0\",\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "payload-space", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e3 0\",\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "payload-raw-json", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"{}\",\"signature\":\"" SIG64 "\"}", PROB_MALFORMED },
	{ "payload-trailing-bits", "{\"protected\":\"" GOOD_P64 "\","
	    "\"payload\":\"e31\",\"signature\":\"" SIG64 "\"}",
	    PROB_MALFORMED },
	{ "signature-padded", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e30\",\"signature\":\"" SIG64 "==\"}", PROB_MALFORMED },
	/* "" is the base64url of no octets: refused by jws_verify. */
	{ "signature-empty", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e30\",\"signature\":\"\"}", PROB_NONE },
	{ "signature-dot", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e30\",\"signature\":\"AAAA.AAAA\"}", PROB_MALFORMED },
	{ "trailing-garbage", "{\"protected\":\"" GOOD_P64 "\",\"payload\":"
	    "\"e30\",\"signature\":\"" SIG64 "\"}x", PROB_MALFORMED },
};

static void
test_envelopes(void **state)
{
	struct jws	*j;
	size_t		 i;
	enum prob	 p;
	int		 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(envelope_cases) / sizeof(envelope_cases[0]);
	    i++) {
		j = NULL;
		p = parse(envelope_cases[i].body, JWS_OUTER, &j);
		if (p != envelope_cases[i].want) {
			print_error("%s: got %s, want %s\n",
			    envelope_cases[i].name, problem_type(p),
			    problem_type(envelope_cases[i].want));
			bad++;
		}
		jws_free(j);
	}
	if (bad)
		fail_msg("%d envelope cases wrong", bad);
}

static void
test_protected_size(void **state)
{
	struct jws	*j;
	char		*hdr, *body;
	size_t		 fill, len;
	enum prob	 p;

	(void)state;
	/* A header padded with a long url up to the cap and one past it. */
	for (len = JWS_PROTECTED_MAX - 1; len <= JWS_PROTECTED_MAX + 1;
	    len++) {
		hdr = malloc(len + 1);
		assert_non_null(hdr);
		fill = len - strlen("{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1
		    "\",\"nonce\":\"" NONCE "\",\"url\":\"\",\"pad\":\"\"}");
		snprintf(hdr, len + 1, "{\"alg\":\"EdDSA\",\"kid\":\"" ACCT1
		    "\",\"nonce\":\"" NONCE "\",\"url\":\"\",\"pad\":\"%0*d\"}",
		    (int)fill, 0);
		assert_int_equal(strlen(hdr), len);
		body = mkjws(hdr, "{}", SIG_FAKE);
		j = NULL;
		p = parse(body, JWS_OUTER, &j);
		assert_int_equal(p, len <= JWS_PROTECTED_MAX ? PROB_NONE :
		    PROB_MALFORMED);
		jws_free(j);
		free(body);
		free(hdr);
	}
}

/* Signed requests made here: verification outcomes. */
static void
test_signed(void **state)
{
	struct jws	*j;
	struct jwk	*ed, *p256;
	char		*body, detail[DETAIL_MAX];
	unsigned char	*saved;

	(void)state;
	ed = key_text(ED_JWK);
	p256 = key_text(P256_JWK);

	/* EdDSA with kid: verifies with the account key only. */
	body = mkjws(HDR_KID("EdDSA"), "{\"a\":1}", SIG_ED);
	assert_int_equal(parse(body, JWS_OUTER, &j), PROB_NONE);
	assert_int_equal(jws_verify(j, ed, detail, sizeof(detail)),
	    PROB_NONE);
	/* Another account key of another type: rule 15. */
	assert_int_equal(jws_verify(j, p256, detail, sizeof(detail)),
	    PROB_MALFORMED);
	/* Wrong signature length: one octet short, one long. */
	j->siglen--;
	assert_int_equal(jws_verify(j, ed, detail, sizeof(detail)),
	    PROB_MALFORMED);
	j->siglen++;
	saved = j->sig;
	j->sig = calloc(1, 65);
	assert_non_null(j->sig);
	memcpy(j->sig, saved, 64);
	j->siglen = 65;
	assert_int_equal(jws_verify(j, ed, detail, sizeof(detail)),
	    PROB_MALFORMED);
	free(j->sig);
	j->sig = saved;
	j->siglen = 64;
	/* A flipped bit. */
	j->sig[10] ^= 0x20;
	assert_int_equal(jws_verify(j, ed, detail, sizeof(detail)),
	    PROB_MALFORMED);
	j->sig[10] ^= 0x20;
	assert_int_equal(jws_verify(j, ed, detail, sizeof(detail)),
	    PROB_NONE);
	jws_free(j);
	free(body);

	/* ES256 with an embedded jwk verifies with that jwk. */
	body = mkjws(HDR_JWK("ES256", P256_JWK), "{}", SIG_P256);
	assert_int_equal(parse(body, JWS_OUTER, &j), PROB_NONE);
	assert_non_null(j->jwk);
	assert_int_equal(jws_verify(j, j->jwk, detail, sizeof(detail)),
	    PROB_NONE);
	assert_int_equal(jws_verify(j, ed, detail, sizeof(detail)),
	    PROB_MALFORMED);
	jws_free(j);
	free(body);

	/* Signed by the Ed25519 key but claiming ES256 with kid: rule 15
	 * refuses before any signature check. */
	body = mkjws(HDR_KID("ES256"), "{}", SIG_ED);
	assert_int_equal(parse(body, JWS_OUTER, &j), PROB_NONE);
	assert_int_equal(jws_verify(j, ed, detail, sizeof(detail)),
	    PROB_MALFORMED);
	assert_int_equal(jws_verify(j, p256, detail, sizeof(detail)),
	    PROB_MALFORMED);
	jws_free(j);
	free(body);

	/* An empty signature parses but verifies with no key. */
	body = mkjws(HDR_KID("EdDSA"), "{}", SIG_ED);
	memcpy(strstr(body, "\"signature\":\"") + 13, "\"}", 3);
	assert_int_equal(parse(body, JWS_OUTER, &j), PROB_NONE);
	assert_int_equal(j->siglen, 0);
	assert_int_equal(jws_verify(j, ed, detail, sizeof(detail)),
	    PROB_MALFORMED);
	assert_int_equal(jws_verify(j, p256, detail, sizeof(detail)),
	    PROB_MALFORMED);
	jws_free(j);
	free(body);

	/* POST-as-GET: signed over "protected." exactly. */
	body = mkjws(HDR_KID("EdDSA"), NULL, SIG_ED);
	assert_int_equal(parse(body, JWS_OUTER, &j), PROB_NONE);
	assert_true(j->pag);
	assert_int_equal(j->payloadsz, 0);
	assert_null(jws_payload_object(j));
	assert_int_equal(jws_verify(j, ed, detail, sizeof(detail)),
	    PROB_NONE);
	jws_free(j);
	free(body);

	/* Inner JWS of a keyChange, signed by the new key. */
	body = mkjws("{\"alg\":\"ES256\",\"jwk\":" P256_JWK ",\"url\":\""
	    BASE "/key-change\"}", "{\"account\":\"" ACCT1 "\",\"oldKey\":"
	    ED_JWK "}", SIG_P256);
	assert_int_equal(parse(body, JWS_INNER, &j), PROB_NONE);
	assert_null(j->nonce);
	assert_int_equal(jws_verify(j, j->jwk, detail, sizeof(detail)),
	    PROB_NONE);
	assert_non_null(jws_payload_object(j));
	assert_string_equal(json_object_get_string(json_object_object_get(
	    jws_payload_object(j), "account")), ACCT1);
	jws_free(j);
	/* The same text is not an acceptable outer JWS: no nonce. */
	assert_int_equal(parse(body, JWS_OUTER, &j), PROB_BAD_NONCE);
	free(body);

	jwk_free(ed);
	jwk_free(p256);
}

static void
test_payload_object(void **state)
{
	static const struct {
		const char	*payload;
		int		 object;
	} t[] = {
		{ "{}", 1 },
		{ "{\"keyAuthorization\":\"x\"}", 1 },
		{ "[]", 0 },
		{ "\"s\"", 0 },
		{ "12", 0 },
		{ "not json", 0 },
		{ "{\"a\":1,\"a\":2}", 0 },
		{ "{\"a\":1} trailing", 0 },
	};
	struct jws	*j;
	char		*body;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		body = mkjws(HDR_KID("EdDSA"), t[i].payload, SIG_FAKE);
		assert_int_equal(parse(body, JWS_OUTER, &j), PROB_NONE);
		assert_false(j->pag);
		if ((jws_payload_object(j) != NULL) != t[i].object)
			fail_msg("payload %s", t[i].payload);
		/* Asked twice: the same answer, parsed once. */
		assert_ptr_equal(jws_payload_object(j), jws_payload_object(j));
		jws_free(j);
		free(body);
	}
	jws_free(NULL);
}

static int
setup(void **state)
{
	(void)state;
	if (gnutls_global_init() < 0)
		return -1;
	vectors = vec_load("jws.json");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_object_put(vectors);
	gnutls_global_deinit();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7515_a3),
		cmocka_unit_test(test_rfc8037_a4),
		cmocka_unit_test(test_signer_matches_rfc8037),
		cmocka_unit_test(test_acme_requests),
		cmocka_unit_test(test_negative_vectors),
		cmocka_unit_test(test_header_cases),
		cmocka_unit_test(test_nonce_not_string),
		cmocka_unit_test(test_envelopes),
		cmocka_unit_test(test_protected_size),
		cmocka_unit_test(test_long_kid),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_payload_object),
	};

	return cmocka_run_group_tests_name("jws", tests, setup, teardown);
}

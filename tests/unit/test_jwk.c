/* Unit tests of lib/base/jwk.c: the RFC 7638 thumbprints of
 * jwk-thumbprint.json, the key rules of PROTOCOL.md section 6.1 against
 * hostile keys, canonical text round trips and signature checks with
 * keys generated here. */
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
#include "problem.h"
#include "vectors.h"

/* RFC 7515 A.3 P-256 key and RFC 8037 Ed25519 key (public parts). */
#define P256_X	"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define P256_Y	"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define ED_X	"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
/* RFC 7638 3.1 RSA modulus (2048 bits). */
#define RSA_N	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtV" \
	"T86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5J" \
	"sGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAt" \
	"aSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWh" \
	"AI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU" \
	"8awapJzKnqDKgw"
/* The same modulus with a leading zero octet. */
#define RSA_N0	"ANL8e2oKHmxnEErrj4iyV2abTfZ53a0Jm1xKbNmogBW1oTO_C4VseHG23wAL" \
	"VU_Os8LtUSu2jxRcboQ0dS-rUqHPwSRAj3m1ikV4wWQohVeJ96JJ44TLLZ-uLWf9lvuS" \
	"bBmOB3OZ_cgVwK8Jfd5are_0TecOgn9IeEMkOb_uuWBo0EdPxQ1tkL86mN-vEEDInALW" \
	"kqs7PCiWYJ2G_XO3dM4HQGR87uqjEL0S-YWo659Z_dQmzqWyEg9PKjS8q3ZLfmxU1oQC" \
	"OLzEBYelnmbtHzOJRXdjXEcK91z5LCDR2kPhv8QZ4iKm8NC7NYxeOPnLBQrq_pBIFPGs" \
	"GqScyp6gyoM"

#define EC(crv, x, y)	"{\"kty\":\"EC\",\"crv\":\"" crv "\",\"x\":\"" x \
	"\",\"y\":\"" y "\"}"
#define P256(x, y)	EC("P-256", x, y)
#define OKP(crv, x)	"{\"kty\":\"OKP\",\"crv\":\"" crv "\",\"x\":\"" x "\"}"
#define RSA(n, e)	"{\"kty\":\"RSA\",\"n\":\"" n "\",\"e\":\"" e "\"}"

struct kcase {
	const char	*name;
	const char	*json;
};

/* Each must be refused with PROB_BAD_PUBLIC_KEY and a detail. */
static const struct kcase hostile[] = {
	/* Private members. */
	{ "ec-d", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" P256_X "\","
	    "\"y\":\"" P256_Y "\",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1"
	    "fCE9-E9LI\"}" },
	{ "okp-d", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\","
	    "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"}" },
	{ "rsa-d", "{\"kty\":\"RSA\",\"n\":\"" RSA_N "\",\"e\":\"AQAB\","
	    "\"d\":\"AQAB\"}" },
	{ "rsa-p", "{\"kty\":\"RSA\",\"n\":\"" RSA_N "\",\"e\":\"AQAB\","
	    "\"p\":\"AQAB\"}" },
	{ "rsa-q", "{\"kty\":\"RSA\",\"n\":\"" RSA_N "\",\"e\":\"AQAB\","
	    "\"q\":\"AQAB\"}" },
	{ "rsa-dp", "{\"kty\":\"RSA\",\"n\":\"" RSA_N "\",\"e\":\"AQAB\","
	    "\"dp\":\"AQAB\"}" },
	{ "rsa-dq", "{\"kty\":\"RSA\",\"n\":\"" RSA_N "\",\"e\":\"AQAB\","
	    "\"dq\":\"AQAB\"}" },
	{ "rsa-qi", "{\"kty\":\"RSA\",\"n\":\"" RSA_N "\",\"e\":\"AQAB\","
	    "\"qi\":\"AQAB\"}" },
	{ "rsa-oth", "{\"kty\":\"RSA\",\"n\":\"" RSA_N "\",\"e\":\"AQAB\","
	    "\"oth\":[]}" },
	{ "d-null", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" P256_X "\","
	    "\"y\":\"" P256_Y "\",\"d\":null}" },
	{ "oct", "{\"kty\":\"oct\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}" },
	{ "oct-no-k", "{\"kty\":\"oct\"}" },

	/* RSA rules. */
	{ "rsa-e-even", RSA(RSA_N, "AQAA") },
	{ "rsa-e-one", RSA(RSA_N, "AQ") },
	{ "rsa-e-zero", RSA(RSA_N, "AA") },
	{ "rsa-e-leading-zero", RSA(RSA_N, "AAEAAQ") },
	{ "rsa-e-too-long", RSA(RSA_N, "AQAAAAAAAAAB") },
	{ "rsa-e-empty", RSA(RSA_N, "") },
	{ "rsa-e-padded", RSA(RSA_N, "AQAB=") },
	{ "rsa-e-number", "{\"kty\":\"RSA\",\"n\":\"" RSA_N "\",\"e\":65537}" },
	{ "rsa-n-leading-zero", RSA(RSA_N0, "AQAB") },
	{ "rsa-n-empty", RSA("", "AQAB") },
	{ "rsa-n-tiny", RSA("AQAB", "AQAB") },
	{ "rsa-n-std-alphabet", RSA("0vx7+goe", "AQAB") },
	{ "rsa-no-n", "{\"kty\":\"RSA\",\"e\":\"AQAB\"}" },
	{ "rsa-no-e", "{\"kty\":\"RSA\",\"n\":\"" RSA_N "\"}" },

	/* EC rules. */
	{ "x-31", P256("zc4ncPbEXUGDy-5v20t7WAczNXvp7xO6z248e9FURQ", P256_Y) },
	{ "x-33", P256("AH_Nzidw9sRdQYPL7m_bS3tYBzM1e-nvE7rPbjx70VRF",
	    P256_Y) },
	{ "y-31", P256(P256_X, "8UTNG72bfocs3-257rn0s2ldbqkLJK2KRiMohYjlrQ") },
	{ "off-curve", P256(P256_X,
	    "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5aw") },
	{ "zero-point", P256("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") },
	{ "x-is-p", P256("_____wAAAAEAAAAAAAAAAAAAAAD_______________8",
	    P256_Y) },
	{ "swapped-coordinates", P256(P256_Y, P256_X) },
	{ "compressed-no-y", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
	    "A3_Nzidw9sRdQYPL7m_bS3tYBzM1e-nvE7rPbjx70VRF\"}" },
	{ "compressed-y-bool", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
	    P256_X "\",\"y\":true}" },
	{ "uncompressed-in-x", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
	    "BH_Nzidw9sRdQYPL7m_bS3tYBzM1e-nvE7rPbjx70VRFx_FEzRu9m36HLN_tue65"
	    "9LNpXW6pCyStikYjKIWI5a0\"}" },
	{ "ec-no-x", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"y\":\"" P256_Y
	    "\"}" },
	{ "ec-no-crv", "{\"kty\":\"EC\",\"x\":\"" P256_X "\",\"y\":\"" P256_Y
	    "\"}" },
	{ "ec-x-padded", P256("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU=",
	    P256_Y) },
	{ "ec-x-space", P256("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVE U",
	    P256_Y) },
	{ "p384-with-p256-size", EC("P-384", P256_X, P256_Y) },
	{ "p521-with-p256-size", EC("P-521", P256_X, P256_Y) },
	{ "secp256k1", EC("secp256k1", P256_X, P256_Y) },
	{ "p-192", EC("P-192", P256_X, P256_Y) },
	{ "p-224", EC("P-224", P256_X, P256_Y) },
	{ "lowercase-crv", EC("p-256", P256_X, P256_Y) },
	{ "crv-number", "{\"kty\":\"EC\",\"crv\":256,\"x\":\"" P256_X "\","
	    "\"y\":\"" P256_Y "\"}" },
	{ "ec-crv-ed25519", EC("Ed25519", P256_X, P256_Y) },

	/* OKP rules. */
	{ "ed448", OKP("Ed448", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
	    "ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4") },
	{ "x25519", OKP("X25519", ED_X) },
	{ "x448", OKP("X448", ED_X) },
	{ "ed25519-x-31", OKP("Ed25519",
	    "WpgBgrEKt9VL_tPJZAc6DuFy89qmIyWvAhpo9wdRGg") },
	{ "ed25519-x-33", OKP("Ed25519",
	    "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURoA") },
	{ "okp-no-x", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}" },
	{ "okp-no-crv", "{\"kty\":\"OKP\",\"x\":\"" ED_X "\"}" },
	{ "okp-crv-p256", OKP("P-256", ED_X) },

	/* Key type. */
	{ "no-kty", "{\"crv\":\"P-256\",\"x\":\"" P256_X "\",\"y\":\"" P256_Y
	    "\"}" },
	{ "kty-number", "{\"kty\":1,\"crv\":\"P-256\",\"x\":\"" P256_X "\","
	    "\"y\":\"" P256_Y "\"}" },
	{ "kty-lowercase", "{\"kty\":\"ec\",\"crv\":\"P-256\",\"x\":\"" P256_X
	    "\",\"y\":\"" P256_Y "\"}" },
	{ "kty-unknown", "{\"kty\":\"DSA\"}" },
	{ "empty-object", "{}" },
	{ "array", "[]" },
	{ "string", "\"" P256_X "\"" },
};

/* Accepted: members we do not need are ignored. */
static const struct kcase accepted[] = {
	{ "p256", P256(P256_X, P256_Y) },
	{ "p256-other-y", P256(P256_X,
	    "OA67MeRCZIJ40yASRhFGC0yWopJW9NtSdbnc13p3GlI") },
	{ "ed25519", OKP("Ed25519", ED_X) },
	{ "rsa", RSA(RSA_N, "AQAB") },
	{ "rsa-e-3", RSA(RSA_N, "Aw") },
	{ "rsa-e-large-odd", RSA(RSA_N, "gAAAAAAAAAE") },
	{ "ignored-members", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
	    P256_X "\",\"y\":\"" P256_Y "\",\"alg\":\"ES256\",\"kid\":\"k\","
	    "\"use\":\"sig\",\"key_ops\":[\"verify\"],\"ext\":true}" },
};

static enum prob
parse_text(const char *text, struct jwk **k, char *detail, size_t detailsz)
{
	json_object	*o;
	enum prob	 p;

	if ((o = json_tokener_parse(text)) == NULL)
		fail_msg("test JSON does not parse: %s", text);
	p = jwk_parse(o, k, detail, detailsz);
	json_object_put(o);
	return p;
}

static void
test_thumbprint_vectors(void **state)
{
	json_object	*v, *vecs, *one;
	struct jwk	*k, *again;
	char		 detail[DETAIL_MAX];
	size_t		 i;

	(void)state;
	v = vec_load("jwk-thumbprint.json");
	assert_true(json_object_object_get_ex(v, "vectors", &vecs));
	assert_int_equal(json_object_array_length(vecs), 3);
	for (i = 0; i < json_object_array_length(vecs); i++) {
		json_object *jwk, *canon, *thumb, *name;

		one = json_object_array_get_idx(vecs, i);
		assert_true(json_object_object_get_ex(one, "jwk", &jwk));
		assert_true(json_object_object_get_ex(one, "canonical",
		    &canon));
		assert_true(json_object_object_get_ex(one, "thumbprint",
		    &thumb));
		assert_true(json_object_object_get_ex(one, "name", &name));
		detail[0] = '\0';
		if (jwk_parse(jwk, &k, detail, sizeof(detail)) != PROB_NONE)
			fail_msg("%s: refused: %s",
			    json_object_get_string(name), detail);
		assert_string_equal(jwk_canon(k),
		    json_object_get_string(canon));
		assert_string_equal(jwk_thumb(k),
		    json_object_get_string(thumb));
		assert_int_equal(strlen(jwk_thumb(k)), THUMB_LEN);
		/* The stored canonical text loads back to the same key. */
		again = jwk_load(jwk_canon(k));
		assert_non_null(again);
		assert_string_equal(jwk_canon(again), jwk_canon(k));
		assert_string_equal(jwk_thumb(again), jwk_thumb(k));
		assert_int_equal(jwk_key_alg(again), jwk_key_alg(k));
		jwk_free(again);
		jwk_free(k);
	}
	json_object_put(v);
}

static void
test_thumb_ec(void **state)
{
	unsigned char	 x[32], y[32];
	char		 out[THUMB_LEN + 1];

	(void)state;
	assert_int_equal(b64url_decode(P256_X, strlen(P256_X), x, sizeof(x)),
	    32);
	assert_int_equal(b64url_decode(P256_Y, strlen(P256_Y), y, sizeof(y)),
	    32);
	assert_int_equal(jwk_thumb_ec("P-256", x, 32, y, 32, out), 0);
	assert_string_equal(out, "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U");
}

static void
test_hostile(void **state)
{
	struct jwk	*k;
	char		 detail[DETAIL_MAX];
	size_t		 i;
	enum prob	 p;
	int		 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		k = (struct jwk *)&bad;
		detail[0] = '\0';
		p = parse_text(hostile[i].json, &k, detail, sizeof(detail));
		if (p != PROB_BAD_PUBLIC_KEY || k != NULL ||
		    detail[0] == '\0') {
			print_error("%s: prob %d (%s), key %s, detail \"%s\"\n",
			    hostile[i].name, p, problem_type(p),
			    k != NULL ? "set" : "NULL", detail);
			if (p == PROB_NONE && k != NULL)
				jwk_free(k);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d hostile keys not refused as badPublicKey", bad);
}

static void
test_not_object(void **state)
{
	struct jwk	*k = NULL;
	char		 detail[DETAIL_MAX];

	(void)state;
	assert_int_equal(jwk_parse(NULL, &k, detail, sizeof(detail)),
	    PROB_BAD_PUBLIC_KEY);
	assert_null(k);
}

static void
test_accepted(void **state)
{
	struct jwk	*k, *again;
	char		 detail[DETAIL_MAX];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		detail[0] = '\0';
		if (parse_text(accepted[i].json, &k, detail, sizeof(detail)) !=
		    PROB_NONE)
			fail_msg("%s: refused: %s", accepted[i].name, detail);
		/* The canonical form never carries the ignored members. */
		assert_null(strstr(jwk_canon(k), "alg"));
		assert_null(strstr(jwk_canon(k), "kid"));
		assert_null(strstr(jwk_canon(k), " "));
		again = jwk_load(jwk_canon(k));
		assert_non_null(again);
		assert_string_equal(jwk_thumb(again), jwk_thumb(k));
		jwk_free(again);
		jwk_free(k);
	}
}

static void
test_key_alg(void **state)
{
	static const struct {
		const char	*json;
		enum jwk_alg	 alg;
	} t[] = {
		{ P256(P256_X, P256_Y), JWK_ES256 },
		{ OKP("Ed25519", ED_X), JWK_EDDSA },
		{ RSA(RSA_N, "AQAB"), JWK_RS256 },
	};
	struct jwk	*k;
	char		 detail[DETAIL_MAX];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(parse_text(t[i].json, &k, detail,
		    sizeof(detail)), PROB_NONE);
		assert_int_equal(jwk_key_alg(k), t[i].alg);
		jwk_free(k);
	}
}

static void
test_alg_names(void **state)
{
	static const char *const refused[] = { "none", "None", "HS256",
	    "HS384", "HS512", "PS256", "RS384", "RS512", "ES256K", "Ed25519",
	    "Ed448", "EdDSA ", "es256", "", "ES256\n" };
	static const char *const names[JWK__MAX] = { "ES256", "ES384",
	    "ES512", "RS256", "EdDSA" };
	size_t	 i;

	(void)state;
	for (i = 0; i < JWK__MAX; i++) {
		assert_int_equal(jwk_alg_parse(names[i]), (enum jwk_alg)i);
		assert_string_equal(jwk_alg_name((enum jwk_alg)i), names[i]);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (jwk_alg_parse(refused[i]) != JWK__MAX)
			fail_msg("alg \"%s\" accepted", refused[i]);
}

static void
test_load_garbage(void **state)
{
	static const char *const bad[] = { "", "{}", "[]", "not json",
	    "{\"kty\":\"EC\"}", P256(P256_X, "x_FEzRu9m36HLN_tue659LNpXW6pCyS"
	    "tikYjKIWI5aw"), "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\""
	    ED_X "\",\"d\":\"AA\"}" };
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(jwk_load(bad[i]));
}

/*
 * Keys generated with GnuTLS, turned into JWKs, and signatures made with
 * them in the JWS encodings of PROTOCOL.md section 6.2.
 */

/* The integer in d as exactly size octets; -1 if it does not fit. */
static int
fixed(const gnutls_datum_t *d, size_t size, unsigned char *out)
{
	size_t	 off = 0;

	while (off < d->size && d->data[off] == 0)
		off++;
	if (d->size - off > size)
		return -1;
	memset(out, 0, size);
	memcpy(out + size - (d->size - off), d->data + off, d->size - off);
	return 0;
}

struct genkey {
	gnutls_privkey_t	 priv;
	enum jwk_alg		 alg;
	size_t			 half;
	char			 json[2048];
};

static const struct {
	gnutls_pk_algorithm_t	 pk;
	gnutls_ecc_curve_t	 curve;
	const char		*crv;
	size_t			 size;
	gnutls_sign_algorithm_t	 sign;
} gens[JWK__MAX] = {
	{ GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP256R1, "P-256", 32,
	    GNUTLS_SIGN_ECDSA_SHA256 },
	{ GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP384R1, "P-384", 48,
	    GNUTLS_SIGN_ECDSA_SHA384 },
	{ GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP521R1, "P-521", 66,
	    GNUTLS_SIGN_ECDSA_SHA512 },
	{ GNUTLS_PK_RSA, GNUTLS_ECC_CURVE_INVALID, NULL, 0,
	    GNUTLS_SIGN_RSA_SHA256 },
	{ GNUTLS_PK_EDDSA_ED25519, GNUTLS_ECC_CURVE_ED25519, "Ed25519", 32,
	    GNUTLS_SIGN_EDDSA_ED25519 },
};

static void
genkey(struct genkey *g, enum jwk_alg alg, unsigned rsabits)
{
	gnutls_datum_t	 x = { NULL, 0 }, y = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	unsigned char	 bx[66], by[66];
	char		 ex[100], ey[100], en[1400], ee[16];
	unsigned	 bits;

	memset(g, 0, sizeof(*g));
	g->alg = alg;
	g->half = gens[alg].size;
	assert_int_equal(gnutls_privkey_init(&g->priv), 0);
	bits = alg == JWK_RS256 ? rsabits :
	    GNUTLS_CURVE_TO_BITS(gens[alg].curve);
	assert_int_equal(gnutls_privkey_generate2(g->priv, gens[alg].pk, bits,
	    0, NULL, 0), 0);
	if (alg == JWK_RS256) {
		assert_int_equal(gnutls_privkey_export_rsa_raw2(g->priv, &x, &y,
		    NULL, NULL, NULL, NULL, NULL, NULL,
		    GNUTLS_EXPORT_FLAG_NO_LZ), 0);
		assert_true(b64url_encode(x.data, x.size, en, sizeof(en)) > 0);
		assert_true(b64url_encode(y.data, y.size, ee, sizeof(ee)) > 0);
		snprintf(g->json, sizeof(g->json),
		    "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"}", en, ee);
	} else if (alg == JWK_EDDSA) {
		assert_int_equal(gnutls_privkey_export_ecc_raw2(g->priv, &curve,
		    &x, NULL, NULL, 0), 0);
		assert_int_equal(fixed(&x, 32, bx), 0);
		b64url_encode(bx, 32, ex, sizeof(ex));
		snprintf(g->json, sizeof(g->json),
		    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", ex);
	} else {
		assert_int_equal(gnutls_privkey_export_ecc_raw2(g->priv, &curve,
		    &x, &y, NULL, 0), 0);
		assert_int_equal(fixed(&x, g->half, bx), 0);
		assert_int_equal(fixed(&y, g->half, by), 0);
		b64url_encode(bx, g->half, ex, sizeof(ex));
		b64url_encode(by, g->half, ey, sizeof(ey));
		snprintf(g->json, sizeof(g->json), "{\"kty\":\"EC\",\"crv\":"
		    "\"%s\",\"x\":\"%s\",\"y\":\"%s\"}", gens[alg].crv, ex, ey);
	}
	gnutls_free(x.data);
	gnutls_free(y.data);
}

/* A JWS signature over msg: raw r||s for ECDSA. Returns its length. */
static size_t
gensign(const struct genkey *g, const char *msg, unsigned char *sig,
    size_t sigsz)
{
	gnutls_datum_t	 m = { (unsigned char *)msg, (unsigned)strlen(msg) };
	gnutls_datum_t	 s = { NULL, 0 }, r = { NULL, 0 }, ss = { NULL, 0 };
	size_t		 len;

	assert_int_equal(gnutls_privkey_sign_data2(g->priv,
	    gens[g->alg].sign, 0, &m, &s), 0);
	if (g->alg == JWK_RS256 || g->alg == JWK_EDDSA) {
		assert_true(s.size <= sigsz);
		memcpy(sig, s.data, s.size);
		len = s.size;
	} else {
		assert_int_equal(gnutls_decode_rs_value(&s, &r, &ss), 0);
		assert_true(2 * g->half <= sigsz);
		assert_int_equal(fixed(&r, g->half, sig), 0);
		assert_int_equal(fixed(&ss, g->half, sig + g->half), 0);
		len = 2 * g->half;
		gnutls_free(r.data);
		gnutls_free(ss.data);
	}
	gnutls_free(s.data);
	return len;
}

static void
test_generated_sign_verify(void **state)
{
	struct genkey	 g;
	struct jwk	*k, *again;
	unsigned char	 sig[600], der[700];
	char		 detail[DETAIL_MAX];
	const char	*msg = "eyJhbGciOiJFUzI1NiJ9.e30";
	size_t		 len;
	int		 alg, round;

	(void)state;
	for (alg = 0; alg < JWK__MAX; alg++)
		for (round = 0; round < (alg == JWK_RS256 ? 1 : 8); round++) {
			genkey(&g, (enum jwk_alg)alg, 2048);
			detail[0] = '\0';
			if (parse_text(g.json, &k, detail, sizeof(detail)) !=
			    PROB_NONE)
				fail_msg("%s: generated key refused: %s (%s)",
				    jwk_alg_name((enum jwk_alg)alg), detail,
				    g.json);
			assert_int_equal(jwk_key_alg(k), alg);
			len = gensign(&g, msg, sig, sizeof(sig));
			assert_int_equal(jwk_verify(k, msg, strlen(msg), sig,
			    len), 0);
			/* Through the stored form too. */
			again = jwk_load(jwk_canon(k));
			assert_non_null(again);
			assert_int_equal(jwk_verify(again, msg, strlen(msg),
			    sig, len), 0);
			jwk_free(again);
			/* Another message, a flipped bit, a short or long
			 * signature: all refused. */
			assert_int_equal(jwk_verify(k, "x.e30", 5, sig, len),
			    -1);
			sig[len / 2] ^= 0x01;
			assert_int_equal(jwk_verify(k, msg, strlen(msg), sig,
			    len), -1);
			sig[len / 2] ^= 0x01;
			assert_int_equal(jwk_verify(k, msg, strlen(msg), sig,
			    len - 1), -1);
			sig[len] = 0;
			assert_int_equal(jwk_verify(k, msg, strlen(msg), sig,
			    len + 1), -1);
			assert_int_equal(jwk_verify(k, msg, strlen(msg), sig,
			    0), -1);
			/* An ECDSA signature in DER is not a JWS signature. */
			if (alg <= JWK_ES512) {
				gnutls_datum_t r = { sig, (unsigned)g.half };
				gnutls_datum_t s = { sig + g.half,
				    (unsigned)g.half };
				gnutls_datum_t d = { NULL, 0 };

				assert_int_equal(gnutls_encode_rs_value(&d, &r,
				    &s), 0);
				assert_true(d.size <= sizeof(der));
				memcpy(der, d.data, d.size);
				assert_int_equal(jwk_verify(k, msg,
				    strlen(msg), der, d.size), -1);
				gnutls_free(d.data);
			}
			jwk_free(k);
			gnutls_privkey_deinit(g.priv);
		}
}

/* RSA size bounds: 1024 from a generated key, the limits from moduli
 * made up for the purpose (import does not factor them). */
static void
test_rsa_sizes(void **state)
{
	struct genkey	 g;
	struct jwk	*k;
	unsigned char	 n[520];
	char		 en[800], json[1000], detail[DETAIL_MAX];
	static const struct {
		size_t	 octets;
		int	 top;
		int	 ok;
	} sizes[] = {
		{ 256, 0x80, 1 },	/* 2048 bits */
		{ 256, 0x7f, 0 },	/* 2047 bits */
		{ 255, 0xff, 0 },	/* 2040 bits */
		{ 384, 0xc0, 1 },	/* 3072 bits */
		{ 512, 0xff, 1 },	/* 4096 bits */
		{ 513, 0x01, 0 },	/* 4097 bits */
		{ 513, 0xff, 0 },	/* 4104 bits */
		{ 515, 0xff, 0 },	/* past the buffer */
	};
	size_t	 i;
	enum prob p;

	(void)state;
	genkey(&g, JWK_RS256, 1024);
	assert_int_equal(parse_text(g.json, &k, detail, sizeof(detail)),
	    PROB_BAD_PUBLIC_KEY);
	assert_null(k);
	gnutls_privkey_deinit(g.priv);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(n, 0x5b, sizes[i].octets);
		n[0] = (unsigned char)sizes[i].top;
		n[sizes[i].octets - 1] |= 1;
		b64url_encode(n, sizes[i].octets, en, sizeof(en));
		snprintf(json, sizeof(json), RSA("%s", "AQAB"), en);
		k = NULL;
		p = parse_text(json, &k, detail, sizeof(detail));
		if (p != (sizes[i].ok ? PROB_NONE : PROB_BAD_PUBLIC_KEY))
			fail_msg("%zu octets, top %#x: prob %d", sizes[i].octets,
			    sizes[i].top, p);
		jwk_free(k);
	}
}

static int
setup(void **state)
{
	(void)state;
	return gnutls_global_init() < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	gnutls_global_deinit();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thumbprint_vectors),
		cmocka_unit_test(test_thumb_ec),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_not_object),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_key_alg),
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test(test_load_garbage),
		cmocka_unit_test(test_generated_sign_verify),
		cmocka_unit_test(test_rsa_sizes),
	};

	return cmocka_run_group_tests_name("jwk", tests, setup, teardown);
}

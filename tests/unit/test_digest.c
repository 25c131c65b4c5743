/* Unit tests of the sms-link-00 response digest (PROTOCOL.md 8.2.3):
 * the vectors of sms-link-00.json recomputed with crypt_sha256 and
 * b64url_encode, the thumbprints taken from jwk_parse of the keys in
 * jwk-thumbprint.json, and the malformed responses refused by the
 * "43 base64url characters decoding to 32 octets" rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "b64url.h"
#include "bounds.h"
#include "crypt.h"
#include "jwk.h"
#include "vectors.h"

struct vecs {
	json_object	*sms;
	json_object	*thumbs;
};

/* keyAuthorization = code || token || "." || thumbprint, its SHA-256 as
 * hex and as base64url. */
static void
digest(const char *code, const char *token, const char *thumb, char *ka,
    size_t kasz, char hexout[2 * SHA256_LEN + 1], char b64[THUMB_LEN + 1])
{
	unsigned char	 h[SHA256_LEN];
	size_t		 i;
	int		 n;

	n = snprintf(ka, kasz, "%s%s.%s", code, token, thumb);
	assert_true(n > 0 && (size_t)n < kasz);
	assert_int_equal(crypt_sha256(ka, (size_t)n, h), 0);
	for (i = 0; i < SHA256_LEN; i++)
		sprintf(hexout + 2 * i, "%02x", h[i]);
	assert_int_equal(b64url_encode(h, sizeof(h), b64, THUMB_LEN + 1),
	    THUMB_LEN);
}

/* The thumbprint of the key named in jwk-thumbprint.json. */
static void
thumb_of(json_object *thumbs, const char *name, char out[THUMB_LEN + 1])
{
	json_object	*vs = vec_member(thumbs, "vectors"), *v;
	struct jwk	*k;
	char		 detail[DETAIL_MAX];
	size_t		 i;

	for (i = 0; i < json_object_array_length(vs); i++) {
		v = json_object_array_get_idx(vs, i);
		if (strcmp(vec_str(v, "name"), name) != 0)
			continue;
		assert_int_equal(jwk_parse(vec_member(v, "jwk"), &k, detail,
		    sizeof(detail)), PROB_NONE);
		snprintf(out, THUMB_LEN + 1, "%s", jwk_thumb(k));
		jwk_free(k);
		return;
	}
	fail_msg("no key %s in jwk-thumbprint.json", name);
}

static void
test_vectors(void **state)
{
	static const char *const keys[] = { "rfc7638-rsa-example",
	    "rfc7515-a3-p256", "rfc8037-ed25519" };
	struct vecs	*v = *state;
	json_object	*in = vec_member(v->sms, "inputs"), *vs, *one;
	char		 ka[256], hx[2 * SHA256_LEN + 1], b[THUMB_LEN + 1],
			 thumb[THUMB_LEN + 1], payload[128];
	unsigned char	 tok[64];
	const char	*code = vec_str(in, "code"), *token = vec_str(in, "token");
	size_t		 i;

	assert_string_equal(code, "123456");
	assert_int_equal(b64url_decode(token, strlen(token), tok, sizeof(tok)),
	    json_object_get_int(vec_member(in, "token_decoded_octets")));
	assert_int_equal(strlen(token), TOKEN_LEN);
	vs = vec_member(v->sms, "vectors");
	assert_int_equal(json_object_array_length(vs), 3);
	for (i = 0; i < json_object_array_length(vs); i++) {
		one = json_object_array_get_idx(vs, i);
		/* The thumbprint is the one jwk.c computes for that key. */
		thumb_of(v->thumbs, keys[i], thumb);
		assert_string_equal(thumb, vec_str(one, "thumbprint"));
		digest(code, token, thumb, ka, sizeof(ka), hx, b);
		assert_string_equal(ka, vec_str(one, "keyAuthorization"));
		assert_string_equal(hx, vec_str(one, "sha256_hex"));
		assert_string_equal(b, vec_str(one, "digest_b64u"));
		snprintf(payload, sizeof(payload),
		    "{\"keyAuthorization\":\"%s\"}", b);
		assert_string_equal(payload, vec_str(one, "request_payload_json"));
	}
}

static void
test_wrong_code(void **state)
{
	struct vecs	*v = *state;
	json_object	*w = vec_member(v->sms, "wrong_code_example"), *first;
	char		 ka[256], hx[2 * SHA256_LEN + 1], b[THUMB_LEN + 1];

	digest(vec_str(w, "code"), vec_str(vec_member(v->sms, "inputs"), "token"),
	    vec_str(w, "thumbprint"), ka, sizeof(ka), hx, b);
	assert_string_equal(b, vec_str(w, "digest_b64u"));
	first = json_object_array_get_idx(vec_member(v->sms, "vectors"), 0);
	assert_string_not_equal(b, vec_str(first, "digest_b64u"));
	/* One digit off changes the digest; so does leading-zero loss. */
	digest("023456", vec_str(vec_member(v->sms, "inputs"), "token"),
	    vec_str(w, "thumbprint"), ka, sizeof(ka), hx, b);
	assert_string_not_equal(b, vec_str(first, "digest_b64u"));
	digest("23456", vec_str(vec_member(v->sms, "inputs"), "token"),
	    vec_str(w, "thumbprint"), ka, sizeof(ka), hx, b);
	assert_string_not_equal(b, vec_str(first, "digest_b64u"));
}

/* The acceptance rule for a keyAuthorization member (PROTOCOL.md
 * 8.2.3): a string of 43 base64url characters decoding to 32 octets. */
static int
acceptable(json_object *payload)
{
	json_object	*ka;
	unsigned char	 d[64];
	const char	*s;

	if (!json_object_object_get_ex(payload, "keyAuthorization", &ka) ||
	    !json_object_is_type(ka, json_type_string))
		return 0;
	s = json_object_get_string(ka);
	return strlen(s) == THUMB_LEN && b64url_decode(s, strlen(s), d,
	    sizeof(d)) == SHA256_LEN;
}

static void
test_malformed(void **state)
{
	struct vecs	*v = *state;
	json_object	*ms = vec_member(v->sms, "malformed_examples"), *vs, *p;
	size_t		 i;

	assert_true(json_object_array_length(ms) >= 3);
	for (i = 0; i < json_object_array_length(ms); i++) {
		p = json_tokener_parse(vec_str(json_object_array_get_idx(ms, i),
		    "payload_json"));
		assert_non_null(p);
		if (acceptable(p))
			fail_msg("malformed example %zu (%s) accepted", i,
			    vec_str(json_object_array_get_idx(ms, i), "why"));
		json_object_put(p);
	}
	vs = vec_member(v->sms, "vectors");
	for (i = 0; i < json_object_array_length(vs); i++) {
		p = json_tokener_parse(vec_str(json_object_array_get_idx(vs, i),
		    "request_payload_json"));
		assert_non_null(p);
		assert_true(acceptable(p));
		json_object_put(p);
	}
}

static int
setup(void **state)
{
	struct vecs	*v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return -1;
	v->sms = vec_load("sms-link-00.json");
	v->thumbs = vec_load("jwk-thumbprint.json");
	*state = v;
	return 0;
}

static int
teardown(void **state)
{
	struct vecs	*v = *state;

	json_object_put(v->sms);
	json_object_put(v->thumbs);
	free(v);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_wrong_code),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests_name("digest", tests, setup, teardown);
}

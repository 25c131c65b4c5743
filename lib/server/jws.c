/* Flattened JWS parsing and verification for ACME requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "bounds.h"
#include "json.h"
#include "jws.h"
#include "jwsverify.h"

/* Header members that change how a JWS is processed; refused. */
static const char *const refused_members[] = { "b64", "crit" };

#define FAIL(p, ...) do { snprintf(detail, detailsz, __VA_ARGS__); \
	return (p); } while (0)

void
jws_free(struct jws *j)
{
	if (j == NULL)
		return;
	json_object_put(j->body);
	json_object_put(j->hdr);
	json_object_put(j->pobj);
	jwk_free(j->jwk);
	free(j->payload);
	free(j->sig);
	free(j);
}

/* Rule 3: the envelope holds exactly protected, payload, signature. */
static enum prob
jws_envelope(struct jws *j, char *detail, size_t detailsz)
{
	if (json_has(j->body, "signatures"))
		FAIL(PROB_MALFORMED, "only the flattened JWS serialization is "
		    "accepted");
	if (json_has(j->body, "header"))
		FAIL(PROB_MALFORMED, "an unprotected header is not accepted");
	if ((j->protected = json_get_str(j->body, "protected")) == NULL ||
	    (j->payload64 = json_get_str(j->body, "payload")) == NULL ||
	    json_get_str(j->body, "signature") == NULL)
		FAIL(PROB_MALFORMED, "protected, payload and signature must "
		    "all be present strings");
	if (json_object_object_length(j->body) != 3)
		FAIL(PROB_MALFORMED, "the JWS has members other than "
		    "protected, payload and signature");
	return PROB_NONE;
}

/* Rule 4: decode the three parts. */
static enum prob
jws_decode(struct jws *j, char *detail, size_t detailsz)
{
	const char	*sig = json_get_str(j->body, "signature");
	unsigned char	*hdr = NULL;
	ssize_t		 n;

	n = b64url_decode_alloc(j->protected, strlen(j->protected), &hdr);
	if (n > JWS_PROTECTED_MAX) {
		free(hdr);
		FAIL(PROB_MALFORMED, "the protected header is too long: "
		    "more than %d octets", JWS_PROTECTED_MAX);
	}
	if (n <= 0 ||
	    (j->hdr = json_parse_object((char *)hdr, (size_t)n)) == NULL) {
		free(hdr);
		FAIL(PROB_MALFORMED, "protected is not base64url of a JSON "
		    "object");
	}
	free(hdr);
	j->pag = j->payload64[0] == '\0';
	n = b64url_decode_alloc(j->payload64, strlen(j->payload64),
	    &j->payload);
	if (n < 0)
		FAIL(PROB_MALFORMED, "payload is not base64url");
	j->payloadsz = (size_t)n;
	if ((n = b64url_decode_alloc(sig, strlen(sig), &j->sig)) < 0)
		FAIL(PROB_MALFORMED, "signature is not base64url");
	j->siglen = (size_t)n;
	return PROB_NONE;
}

/* Header members read as strings: one that holds a NUL or a control
 * character is malformed, not cut short or taken for absent. */
static const char *const string_members[] = { "alg", "nonce", "url", "kid" };

/* Refuse a string member that holds a NUL or a control character, or
 * that is longer than any URL of ours. */
static enum prob
jws_strings(struct jws *j, char *detail, size_t detailsz)
{
	json_object	*v;
	size_t		 i, len;

	for (i = 0; i < sizeof(string_members) / sizeof(string_members[0]);
	    i++) {
		if (!json_object_object_get_ex(j->hdr, string_members[i], &v) ||
		    !json_object_is_type(v, json_type_string))
			continue;
		if (json_str(v, 0, &len) == NULL)
			FAIL(PROB_MALFORMED, "header member \"%s\" holds a NUL "
			    "or a control character", string_members[i]);
		if (len > URL_MAX * 2)
			FAIL(PROB_MALFORMED, "header member \"%s\" is too long: "
			    "more than %d octets", string_members[i],
			    URL_MAX * 2);
	}
	return PROB_NONE;
}

/* Rules 5 to 8 on the protected header. */
static enum prob
jws_header(struct jws *j, int mode, char *detail, size_t detailsz)
{
	const char	*alg;
	size_t		 i;
	enum prob	 p;

	for (i = 0; i < sizeof(refused_members) / sizeof(refused_members[0]);
	    i++)
		if (json_has(j->hdr, refused_members[i]))
			FAIL(PROB_MALFORMED, "header member \"%s\" is not "
			    "accepted", refused_members[i]);
	if ((p = jws_strings(j, detail, detailsz)) != PROB_NONE)
		return p;
	if ((alg = json_get_str(j->hdr, "alg")) == NULL ||
	    (j->alg = jwk_alg_parse(alg)) == JWK__MAX)
		FAIL(PROB_BAD_SIGNATURE_ALGORITHM, "alg must be one of ES256, "
		    "ES384, ES512, RS256, EdDSA");
	j->nonce = json_get_str(j->hdr, "nonce");
	if (mode == JWS_INNER && json_has(j->hdr, "nonce"))
		FAIL(PROB_MALFORMED, "the inner JWS must not carry a nonce");
	if (mode == JWS_OUTER && !json_has(j->hdr, "nonce"))
		FAIL(PROB_BAD_NONCE, "the protected header has no nonce");
	if (mode == JWS_OUTER && j->nonce == NULL)
		FAIL(PROB_MALFORMED, "nonce is not a string");
	/* The alphabet only: whether it is one of ours is rule 17's call. */
	if (mode == JWS_OUTER && (j->nonce[0] == '\0' ||
	    strlen(j->nonce) % 4 == 1 || strspn(j->nonce, B64URL_ALPHABET) !=
	    strlen(j->nonce)))
		FAIL(PROB_MALFORMED, "nonce is not base64url");
	/* RFC 8555 7.3.5: an inner keyChange JWS without url is malformed. */
	if ((j->url = json_get_str(j->hdr, "url")) == NULL)
		FAIL(mode == JWS_INNER ? PROB_MALFORMED : PROB_UNAUTHORIZED,
		    "the protected header has no url");
	return PROB_NONE;
}

/* Rules 10 and 12: exactly one of jwk and kid; import the jwk. */
static enum prob
jws_key(struct jws *j, int mode, char *detail, size_t detailsz)
{
	json_object	*jwk;
	int		 haskid = json_has(j->hdr, "kid");
	enum prob	 p;

	jwk = json_get_obj(j->hdr, "jwk");
	if (haskid && json_has(j->hdr, "jwk"))
		FAIL(PROB_MALFORMED, "the header carries both jwk and kid");
	if (!haskid && !json_has(j->hdr, "jwk"))
		FAIL(PROB_MALFORMED, "the header carries neither jwk nor kid");
	if (mode == JWS_INNER && haskid)
		FAIL(PROB_MALFORMED, "the inner JWS must carry jwk, not kid");
	if (haskid && (j->kid = json_get_str(j->hdr, "kid")) == NULL)
		FAIL(PROB_ACCOUNT_DOES_NOT_EXIST, "kid is not an account URL");
	if (haskid)
		return PROB_NONE;
	if ((p = jwk_parse(jwk, &j->jwk, detail, detailsz)) != PROB_NONE)
		return p;
	if (jwk_key_alg(j->jwk) != j->alg)
		FAIL(PROB_BAD_PUBLIC_KEY, "alg %s does not match the jwk's key "
		    "type", jwk_alg_name(j->alg));
	return PROB_NONE;
}

enum prob
jws_parse(const char *text, size_t len, int mode, struct jws **out,
    char *detail, size_t detailsz)
{
	struct jws	*j;
	enum prob	 p;

	*out = NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return PROB_SERVER_INTERNAL;
	if ((j->body = json_parse_object(text, len)) == NULL) {
		snprintf(detail, detailsz, "the body is not a JSON object "
		    "(flattened JWS)");
		p = PROB_MALFORMED;
	} else if ((p = jws_envelope(j, detail, detailsz)) == PROB_NONE &&
	    (p = jws_decode(j, detail, detailsz)) == PROB_NONE &&
	    (p = jws_header(j, mode, detail, detailsz)) == PROB_NONE)
		p = jws_key(j, mode, detail, detailsz);
	if (p != PROB_NONE) {
		jws_free(j);
		return p;
	}
	*out = j;
	return PROB_NONE;
}

enum prob
jws_verify_with(const struct jws *j, struct jwsv *v, char *detail,
    size_t detailsz)
{
	char	*input;
	size_t	 plen = strlen(j->protected), len;
	int	 rc;

	if (jwk_key_alg(jwsv_jwk(v)) != j->alg)
		FAIL(PROB_MALFORMED, "alg %s does not match the account key",
		    jwk_alg_name(j->alg));
	len = plen + 1 + strlen(j->payload64);
	if ((input = malloc(len)) == NULL)
		return PROB_SERVER_INTERNAL;
	memcpy(input, j->protected, plen);
	input[plen] = '.';
	memcpy(input + plen + 1, j->payload64, len - plen - 1);
	rc = jwsv_verify(v, input, len, j->sig, j->siglen);
	free(input);
	if (rc == -1)
		FAIL(PROB_MALFORMED, "the JWS signature does not verify");
	return PROB_NONE;
}

enum prob
jws_verify_account(const struct jws *j, const char *id, const char *canon,
    char *detail, size_t detailsz)
{
	struct jwsv	*v;

	if ((v = jwsv_account(id, canon)) == NULL)
		return PROB_SERVER_INTERNAL;
	return jws_verify_with(j, v, detail, detailsz);
}

enum prob
jws_verify(const struct jws *j, const struct jwk *key, char *detail,
    size_t detailsz)
{
	struct jwsv	*v;
	enum prob	 p;

	if ((v = jwsv_new(key)) == NULL)
		return PROB_SERVER_INTERNAL;
	p = jws_verify_with(j, v, detail, detailsz);
	jwsv_free(v);
	return p;
}

json_object *
jws_payload_object(struct jws *j)
{
	if (j->pag)
		return NULL;
	if (j->pobj == NULL)
		j->pobj = json_parse_object((char *)j->payload, j->payloadsz);
	return j->pobj;
}

/* External account binding (RFC 8555 7.3.4): parsing the inner JWS of a
 * newAccount request and checking its MAC. The JWS comes from anyone:
 * every member is checked for type and size before it is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypt.h"
#include "eab.h"
#include "json.h"

#define FAIL(...) do { snprintf(detail, detailsz, __VA_ARGS__); \
	return PROB_MALFORMED; } while (0)

/* The members of the protected header: exactly these. */
static const char *const eab_members[] = { "alg", "kid", "url" };

void
eab_clear(struct eab *e)
{
	if (e == NULL)
		return;
	free(e->input);
	memset(e, 0, sizeof(*e));
}

/* The envelope: exactly protected, payload and signature, strings. */
static enum prob
eab_envelope(json_object *v, const char **prot, const char **pl,
    const char **sig, char *detail, size_t detailsz)
{
	if (v == NULL || !json_object_is_type(v, json_type_object))
		FAIL("externalAccountBinding must be a JWS object");
	if ((*prot = json_get_str(v, "protected")) == NULL ||
	    (*pl = json_get_str(v, "payload")) == NULL ||
	    (*sig = json_get_str(v, "signature")) == NULL ||
	    json_object_object_length(v) != 3)
		FAIL("externalAccountBinding must hold exactly protected, "
		    "payload and signature strings");
	if (strlen(*prot) > B64URL_LEN(JWS_PROTECTED_MAX) ||
	    strlen(*pl) > B64URL_LEN(JWK_JSON_MAX * 2))
		FAIL("externalAccountBinding is too long");
	return PROB_NONE;
}

/* The protected header: alg HS256, a kid, url equal to the outer url. */
static enum prob
eab_header(json_object *h, const char *url, struct eab *e, char *detail,
    size_t detailsz)
{
	const char	*alg, *kid, *u;
	size_t		 i, n = 0, len;

	for (i = 0; i < sizeof(eab_members) / sizeof(eab_members[0]); i++)
		n += json_has(h, eab_members[i]) ? 1 : 0;
	if (json_has(h, "nonce"))
		FAIL("the externalAccountBinding header must not carry a "
		    "nonce");
	if (n != 3 || json_object_object_length(h) != 3)
		FAIL("the externalAccountBinding header must hold exactly "
		    "alg, kid and url");
	if ((alg = json_get_str(h, "alg")) == NULL ||
	    strcmp(alg, "HS256") != 0)
		FAIL("the externalAccountBinding alg must be HS256");
	if ((kid = json_get_strn(h, "kid", 0, &len)) == NULL || len == 0 ||
	    len > EAB_KID_MAX)
		FAIL("the externalAccountBinding kid must be a key id of 1 "
		    "to %d characters", EAB_KID_MAX);
	if ((u = json_get_str(h, "url")) == NULL || strcmp(u, url) != 0)
		FAIL("the externalAccountBinding url must be the newAccount "
		    "URL");
	memcpy(e->kid, kid, len + 1);
	return PROB_NONE;
}

/* The payload: the same public key as the outer JWS. */
static enum prob
eab_key(const char *pl64, const struct jwk *outer, char *detail,
    size_t detailsz)
{
	unsigned char	*pl = NULL;
	json_object	*o = NULL;
	struct jwk	*k = NULL;
	char		 d[DETAIL_MAX];
	ssize_t		 n;
	int		 same;

	if ((n = b64url_decode_alloc(pl64, strlen(pl64), &pl)) <= 0 ||
	    (o = json_parse_object((char *)pl, (size_t)n)) == NULL ||
	    jwk_parse(o, &k, d, sizeof(d)) != PROB_NONE) {
		free(pl);
		json_object_put(o);
		FAIL("the externalAccountBinding payload must be the account's "
		    "JWK");
	}
	same = strcmp(jwk_thumb(k), jwk_thumb(outer)) == 0;
	jwk_free(k);
	json_object_put(o);
	free(pl);
	if (!same)
		FAIL("the externalAccountBinding payload is not the key that "
		    "signs the request");
	return PROB_NONE;
}

/* Decode the header and check it. */
static enum prob
eab_protected(const char *prot, const char *url, struct eab *e,
    char *detail, size_t detailsz)
{
	unsigned char	*hdr = NULL;
	json_object	*h;
	ssize_t		 n;
	enum prob	 p;

	n = b64url_decode_alloc(prot, strlen(prot), &hdr);
	if (n <= 0 || n > JWS_PROTECTED_MAX ||
	    (h = json_parse_object((char *)hdr, (size_t)n)) == NULL) {
		free(hdr);
		FAIL("the externalAccountBinding protected header is not "
		    "base64url of a JSON object");
	}
	free(hdr);
	p = eab_header(h, url, e, detail, detailsz);
	json_object_put(h);
	return p;
}

enum prob
eab_parse(json_object *v, const char *url, const struct jwk *outer,
    struct eab *e, char *detail, size_t detailsz)
{
	const char	*prot, *pl, *sig;
	size_t		 plen;
	enum prob	 p;

	memset(e, 0, sizeof(*e));
	if ((p = eab_envelope(v, &prot, &pl, &sig, detail, detailsz)) !=
	    PROB_NONE || (p = eab_protected(prot, url, e, detail,
	    detailsz)) != PROB_NONE || (p = eab_key(pl, outer, detail,
	    detailsz)) != PROB_NONE)
		return p;
	if (strlen(sig) != B64URL_LEN(sizeof(e->mac)) ||
	    b64url_decode(sig, strlen(sig), e->mac, sizeof(e->mac)) !=
	    (ssize_t)sizeof(e->mac))
		FAIL("the externalAccountBinding signature must be an HS256 "
		    "MAC (32 octets)");
	plen = strlen(prot);
	e->inputlen = plen + 1 + strlen(pl);
	if ((e->input = malloc(e->inputlen)) == NULL)
		return PROB_SERVER_INTERNAL;
	memcpy(e->input, prot, plen);
	e->input[plen] = '.';
	memcpy(e->input + plen + 1, pl, e->inputlen - plen - 1);
	return PROB_NONE;
}

enum prob
eab_verify(const struct eab *e, const unsigned char *key, size_t keylen,
    char *detail, size_t detailsz)
{
	unsigned char	 mac[SHA256_LEN];
	int		 ok;

	if (e->input == NULL || crypt_hmac(key, keylen, e->input, e->inputlen,
	    mac) == -1)
		return PROB_SERVER_INTERNAL;
	ok = crypt_equal(mac, e->mac, sizeof(mac));
	explicit_bzero(mac, sizeof(mac));
	if (!ok) {
		snprintf(detail, detailsz, "the externalAccountBinding MAC "
		    "does not verify with the key of kid \"%s\"", e->kid);
		return PROB_UNAUTHORIZED;
	}
	return PROB_NONE;
}

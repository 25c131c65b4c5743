/* libFuzzer target: the flattened JWS parser (jws_parse) in both the
 * outer and the nested mode, then jws_verify with the embedded jwk when
 * there is one. Checks what an accepted JWS must satisfy (PROTOCOL.md
 * section 4, rules 3-8, 10 and 12). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "bounds.h"
#include "jwk.h"
#include "jws.h"
#include "problem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_key(const struct jwk *k)
{
	const char	*canon = jwk_canon(k), *thumb = jwk_thumb(k);
	struct jwk	*again;

	if (jwk_key_alg(k) >= JWK__MAX || canon[0] != '{' ||
	    strlen(thumb) != THUMB_LEN || !b64url_valid(thumb, THUMB_LEN))
		abort();
	/* The stored form loads back to the same key. */
	if ((again = jwk_load(canon)) == NULL ||
	    strcmp(jwk_thumb(again), thumb) != 0 ||
	    strcmp(jwk_canon(again), canon) != 0)
		abort();
	jwk_free(again);
}

static void
check_accepted(struct jws *j, int mode)
{
	char		 detail[DETAIL_MAX];
	enum prob	 p;

	if (j == NULL || j->body == NULL || j->hdr == NULL ||
	    j->protected == NULL || j->payload64 == NULL || j->url == NULL ||
	    j->alg >= JWK__MAX || j->sig == NULL || j->payload == NULL)
		abort();
	/* Exactly one of jwk and kid (rule 10). */
	if ((j->jwk == NULL) == (j->kid == NULL))
		abort();
	if (mode == JWS_INNER && (j->nonce != NULL || j->jwk == NULL))
		abort();
	/* The nonce is non-empty base64url text; whether it is one of the
	 * server's is decided later, by nonce_use. */
	if (mode == JWS_OUTER && (j->nonce == NULL || j->nonce[0] == '\0' ||
	    strlen(j->nonce) % 4 == 1 ||
	    strspn(j->nonce, B64URL_ALPHABET) != strlen(j->nonce)))
		abort();
	if (j->pag != (j->payload64[0] == '\0') || (j->pag &&
	    j->payloadsz != 0) || j->payload[j->payloadsz] != '\0')
		abort();
	if (j->pag && jws_payload_object(j) != NULL)
		abort();
	(void)jws_payload_object(j);
	if (j->jwk != NULL) {
		check_key(j->jwk);
		/* Rule 12: the header's alg is the key's. */
		if (jwk_key_alg(j->jwk) != j->alg)
			abort();
		detail[0] = '\0';
		p = jws_verify(j, j->jwk, detail, sizeof(detail));
		if (p != PROB_NONE && (p != PROB_MALFORMED ||
		    detail[0] == '\0'))
			abort();
		/* An empty signature parses (rule 4) but never verifies. */
		if (j->siglen == 0 && p == PROB_NONE)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int modes[] = { JWS_OUTER, JWS_INNER };
	struct jws	*j;
	char		 detail[DETAIL_MAX];
	enum prob	 p;
	size_t		 m;

	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		j = NULL;
		detail[0] = '\0';
		p = jws_parse((const char *)data, size, modes[m], &j, detail,
		    sizeof(detail));
		if (p == PROB_NONE) {
			check_accepted(j, modes[m]);
			jws_free(j);
			continue;
		}
		if (j != NULL || detail[0] == '\0')
			abort();
		switch (p) {
		case PROB_MALFORMED:
		case PROB_BAD_NONCE:
		case PROB_BAD_SIGNATURE_ALGORITHM:
		case PROB_BAD_PUBLIC_KEY:
		case PROB_UNAUTHORIZED:
		case PROB_SERVER_INTERNAL:
			break;
		default:
			abort();
		}
	}
	return 0;
}

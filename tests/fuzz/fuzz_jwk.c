/* libFuzzer target: a JWK as it arrives in a protected header, parsed
 * with json_parse_object and imported with jwk_parse. An accepted key
 * has a canonical form that loads back to the same thumbprint. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "b64url.h"
#include "bounds.h"
#include "json.h"
#include "jwk.h"
#include "problem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object	*o;
	struct jwk	*k = NULL, *again;
	char		 detail[DETAIL_MAX];
	const char	*canon, *thumb;
	unsigned char	 sig[600];
	enum prob	 p;

	if ((o = json_parse_object((const char *)data, size)) == NULL)
		return 0;
	detail[0] = '\0';
	p = jwk_parse(o, &k, detail, sizeof(detail));
	json_object_put(o);
	if (p != PROB_NONE) {
		if (k != NULL || detail[0] == '\0' ||
		    (p != PROB_BAD_PUBLIC_KEY && p != PROB_SERVER_INTERNAL))
			abort();
		return 0;
	}
	if (k == NULL || jwk_key_alg(k) >= JWK__MAX)
		abort();
	canon = jwk_canon(k);
	thumb = jwk_thumb(k);
	if (strlen(canon) >= JWK_JSON_MAX || strlen(thumb) != THUMB_LEN ||
	    !b64url_valid(thumb, THUMB_LEN) || strchr(canon, ' ') != NULL ||
	    strchr(canon, '\\') != NULL)
		abort();
	if ((again = jwk_load(canon)) == NULL ||
	    strcmp(jwk_canon(again), canon) != 0 ||
	    strcmp(jwk_thumb(again), thumb) != 0 ||
	    jwk_key_alg(again) != jwk_key_alg(k))
		abort();
	/* An empty signature never verifies; nor does r = s = 0 (ECDSA)
	 * or a zero of the wrong length (RSA). Ed25519 is left out: a
	 * chosen small-order key can make a zero signature valid. */
	memset(sig, 0, sizeof(sig));
	if (jwk_verify(k, "a.b", 3, sig, 0) == 0 ||
	    (jwk_key_alg(k) != JWK_EDDSA && jwk_verify(k, "a.b", 3, sig,
	    64) == 0))
		abort();
	jwk_free(again);
	jwk_free(k);
	return 0;
}

/* JSON Web Keys: import of account public keys, RFC 7638 thumbprints,
 * signature checks. With jws.c and x509.c, the only GnuTLS users. */
#ifndef JWK_H
#define JWK_H
#include <stddef.h>

#include <json-c/json.h>

#include "bounds.h"
#include "problem.h"

/* JWS algorithms we accept, each tied to one key type. */
enum jwk_alg { JWK_ES256, JWK_ES384, JWK_ES512, JWK_RS256, JWK_EDDSA,
	JWK__MAX };

struct jwk;

/* The alg named by a JWS "alg" value, or JWK__MAX. */
enum jwk_alg	 jwk_alg_parse(const char *);
const char	*jwk_alg_name(enum jwk_alg);

/* Import a public JWK object. PROB_BAD_PUBLIC_KEY with a detail when the
 * key is malformed, private, of a refused type or size, or off its curve.
 * *out belongs to the caller (jwk_free). */
enum prob	 jwk_parse(json_object *, struct jwk **out, char *detail,
		    size_t detailsz);
/* Import a key from its canonical text (as jwk_canon returns). */
struct jwk	*jwk_load(const char *canon);
void		 jwk_free(struct jwk *);

/* Borrowed: the RFC 7638 canonical JSON and its thumbprint. */
const char	*jwk_canon(const struct jwk *);
const char	*jwk_thumb(const struct jwk *);
/* The one algorithm this key signs with. */
enum jwk_alg	 jwk_key_alg(const struct jwk *);

/* 0 when sig is a valid JWS signature by key over msg. */
int		 jwk_verify(const struct jwk *, const void *msg, size_t msglen,
		    const unsigned char *sig, size_t siglen);

/* The coordinates of an ECDSA key (ES256, ES384, ES512), each of the
 * curve's size, for a verifier outside GnuTLS. x and y hold at least
 * JWK_PARAM_MAX octets. 0, or -1 (another key type). */
#define JWK_PARAM_MAX	66
int		 jwk_params(const struct jwk *, unsigned char *x, size_t *xlen,
		    unsigned char *y, size_t *ylen);

/* Thumbprint (RFC 7638, base64url) of an EC key from raw coordinates;
 * crv is "P-256", "P-384" or "P-521". 0 on success, -1 on failure. */
int	jwk_thumb_ec(const char *crv, const unsigned char *x, size_t xlen,
	    const unsigned char *y, size_t ylen, char out[THUMB_LEN + 1]);

#endif

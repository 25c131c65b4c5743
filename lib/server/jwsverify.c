/* The JWS signature check (see jwsverify.h): libcrypto where it is the
 * faster library, GnuTLS elsewhere; account keys kept per process.
 *
 * ECDSA goes through libcrypto's EC_KEY calls, deprecated in OpenSSL 3
 * but present: the same P-256 code as the EVP calls at the same speed
 * (bench/verify.c), without the EVP provider machinery, which leaves
 * about 170 KiB more heap in every process (measured with
 * /proc/self/smaps_rollup) against a budget of 1.5 MiB a worker. The
 * digest is GnuTLS's (crypt.h). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

#include "bounds.h"
#include "crypt.h"
#include "jwk.h"
#include "jwsverify.h"
#include "log.h"

#define JWSV_CACHE	32	/* account keys kept per process */
#define JWSV_POINT_MAX	(1 + 2 * 66)	/* uncompressed, P-521 */

struct jwsv {
	const struct jwk	*key;
	EC_KEY			*ec;	/* NULL: GnuTLS checks this alg */
	size_t			 half;	/* octets of r and of s */
};

struct jwsv_slot {
	char		 id[ID_LEN + 1];
	char		 canon[JWK_JSON_MAX];
	struct jwk	*key;
	struct jwsv	*v;
};

static struct jwsv_slot	 jwsv_cache[JWSV_CACHE];

/* The libcrypto key of an ES256 or ES512 JWK, from its point; libcrypto
 * checks that the point is on the curve. */
static EC_KEY *
jwsv_ec(const struct jwk *key, size_t *half)
{
	unsigned char	 x[JWK_PARAM_MAX], y[JWK_PARAM_MAX];
	unsigned char	 pt[JWSV_POINT_MAX];
	size_t		 xl, yl;
	EC_KEY		*ec;

	if (jwk_params(key, x, &xl, y, &yl) == -1 || xl != yl ||
	    1 + xl + yl > sizeof(pt))
		return NULL;
	pt[0] = 4;
	memcpy(pt + 1, x, xl);
	memcpy(pt + 1 + xl, y, yl);
	if ((ec = EC_KEY_new_by_curve_name(jwk_key_alg(key) == JWK_ES256 ?
	    NID_X9_62_prime256v1 : NID_secp521r1)) == NULL)
		return NULL;
	if (EC_KEY_oct2key(ec, pt, 1 + xl + yl, NULL) != 1) {
		EC_KEY_free(ec);
		return NULL;
	}
	*half = xl;
	return ec;
}

struct jwsv *
jwsv_new(const struct jwk *key)
{
	struct jwsv	*v;
	enum jwk_alg	 alg = jwk_key_alg(key);

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->key = key;
	if (alg != JWK_ES256 && alg != JWK_ES512)
		return v;
	if ((v->ec = jwsv_ec(key, &v->half)) == NULL) {
		log_err("%s: libcrypto refuses a %s key", __func__,
		    jwk_alg_name(alg));
		free(v);
		return NULL;
	}
	return v;
}

void
jwsv_free(struct jwsv *v)
{
	if (v == NULL)
		return;
	EC_KEY_free(v->ec);
	free(v);
}

const struct jwk *
jwsv_jwk(const struct jwsv *v)
{
	return v->key;
}

/* An ECDSA check of the JWS signature r || s over digest dg. */
static int
jwsv_ecdsa(struct jwsv *v, const unsigned char *dg, size_t dlen,
    const unsigned char *sig)
{
	ECDSA_SIG	*es;
	BIGNUM		*r, *s;
	int		 rc = -1;

	r = BN_bin2bn(sig, (int)v->half, NULL);
	s = BN_bin2bn(sig + v->half, (int)v->half, NULL);
	if (r == NULL || s == NULL || (es = ECDSA_SIG_new()) == NULL) {
		BN_free(r);
		BN_free(s);
		return -1;
	}
	ECDSA_SIG_set0(es, r, s);
	if (ECDSA_do_verify(dg, (int)dlen, es, v->ec) == 1)
		rc = 0;
	ECDSA_SIG_free(es);
	return rc;
}

int
jwsv_verify(struct jwsv *v, const void *msg, size_t msglen,
    const unsigned char *sig, size_t siglen)
{
	unsigned char	 dg[SHA512_LEN];
	size_t		 dlen;

	if (v->ec == NULL)
		return jwk_verify(v->key, msg, msglen, sig, siglen);
	if (siglen != 2 * v->half)
		return -1;
	if (jwk_key_alg(v->key) == JWK_ES256) {
		dlen = SHA256_LEN;
		if (crypt_sha256(msg, msglen, dg) == -1)
			return -1;
	} else {
		dlen = SHA512_LEN;
		if (crypt_sha512(msg, msglen, dg) == -1)
			return -1;
	}
	return jwsv_ecdsa(v, dg, dlen, sig);
}

/* The cache slot of an account id (FNV-1a). */
static struct jwsv_slot *
jwsv_slot(const char *id)
{
	uint32_t	 h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return &jwsv_cache[h % JWSV_CACHE];
}

static void
jwsv_slot_clear(struct jwsv_slot *s)
{
	jwsv_free(s->v);
	jwk_free(s->key);
	memset(s, 0, sizeof(*s));
}

struct jwsv *
jwsv_account(const char *id, const char *canon)
{
	struct jwsv_slot	*s = jwsv_slot(id);
	size_t			 len = strlen(canon);

	if (s->v != NULL && strcmp(s->id, id) == 0 &&
	    strcmp(s->canon, canon) == 0)
		return s->v;
	jwsv_slot_clear(s);
	if (strlen(id) > ID_LEN || len >= sizeof(s->canon) ||
	    (s->key = jwk_load(canon)) == NULL ||
	    (s->v = jwsv_new(s->key)) == NULL) {
		jwsv_slot_clear(s);
		return NULL;
	}
	memcpy(s->id, id, strlen(id) + 1);
	memcpy(s->canon, canon, len + 1);
	return s->v;
}

void
jwsv_cache_clear(void)
{
	size_t	 i;

	for (i = 0; i < JWSV_CACHE; i++)
		jwsv_slot_clear(&jwsv_cache[i]);
}

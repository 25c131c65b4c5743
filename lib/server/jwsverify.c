/* The JWS signature check (see jwsverify.h): libcrypto where it is the
 * faster library, GnuTLS elsewhere; account keys kept per process. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "bounds.h"
#include "jwk.h"
#include "jwsverify.h"
#include "log.h"

#define JWSV_CACHE	32	/* account keys kept per process */
#define JWSV_DER_MAX	(2 + 2 * (3 + 67))	/* ECDSA-Sig-Value, P-521 */
#define JWSV_POINT_MAX	(1 + 2 * 66)		/* uncompressed, P-521 */

struct jwsv {
	const struct jwk	*key;
	EVP_PKEY		*pk;	/* NULL: GnuTLS checks this alg */
	EVP_PKEY_CTX		*ctx;	/* initialised for verify, reused */
	const EVP_MD		*md;
	size_t			 half;	/* ECDSA: octets of r and of s */
};

struct jwsv_slot {
	char		 id[ID_LEN + 1];
	char		 canon[JWK_JSON_MAX];
	struct jwk	*key;
	struct jwsv	*v;
};

static struct jwsv_slot	 jwsv_cache[JWSV_CACHE];
static EVP_MD		*jwsv_sha256, *jwsv_sha512;

/* The digest of alg, fetched once per process. */
static const EVP_MD *
jwsv_md(enum jwk_alg alg)
{
	if (alg == JWK_ES512) {
		if (jwsv_sha512 == NULL)
			jwsv_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
		return jwsv_sha512;
	}
	if (jwsv_sha256 == NULL)
		jwsv_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	return jwsv_sha256;
}

/* Push the key's public parameters (from jwk_params) for fromdata; the
 * builder keeps pointers, so pt (the EC point) must live until
 * OSSL_PARAM_BLD_to_param. */
static int
jwsv_push(OSSL_PARAM_BLD *b, enum jwk_alg alg, const unsigned char *a,
    size_t alen, const unsigned char *bb, size_t blen, BIGNUM **n, BIGNUM **e,
    unsigned char pt[JWSV_POINT_MAX])
{
	if (alg == JWK_RS256) {
		if ((*n = BN_bin2bn(a, (int)alen, NULL)) == NULL ||
		    (*e = BN_bin2bn(bb, (int)blen, NULL)) == NULL)
			return -1;
		return OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, *n) &&
		    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, *e) ?
		    0 : -1;
	}
	if (alen + blen > JWSV_POINT_MAX - 1)
		return -1;
	pt[0] = 4;
	memcpy(pt + 1, a, alen);
	memcpy(pt + 1 + alen, bb, blen);
	return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
	    alg == JWK_ES256 ? "P-256" : "P-521", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    1 + alen + blen) ? 0 : -1;
}

/* The libcrypto key of a JWK, from its public parameters. */
static EVP_PKEY *
jwsv_pkey(const struct jwk *key, size_t *half)
{
	enum jwk_alg	 alg = jwk_key_alg(key);
	unsigned char	 a[JWK_PARAM_MAX], b[JWK_PARAM_MAX];
	unsigned char	 pt[JWSV_POINT_MAX];
	size_t		 alen, blen;
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*ps = NULL;
	EVP_PKEY_CTX	*c = NULL;
	EVP_PKEY	*pk = NULL;
	BIGNUM		*n = NULL, *e = NULL;

	if (jwk_params(key, a, &alen, b, &blen) == -1 ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    jwsv_push(bld, alg, a, alen, b, blen, &n, &e, pt) == -1 ||
	    (ps = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (c = EVP_PKEY_CTX_new_from_name(NULL, alg == JWK_RS256 ? "RSA" :
	    "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, ps) != 1)
		pk = NULL;
	*half = alen;
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(ps);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pk;
}

/* A verify context for pk: the digest, and for RSA, PKCS #1 v1.5. */
static EVP_PKEY_CTX *
jwsv_ctx(EVP_PKEY *pk, enum jwk_alg alg, const EVP_MD *md)
{
	EVP_PKEY_CTX	*c;

	if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL)
		return NULL;
	if (EVP_PKEY_verify_init(c) != 1 ||
	    (alg == JWK_RS256 &&
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1) ||
	    EVP_PKEY_CTX_set_signature_md(c, md) != 1) {
		EVP_PKEY_CTX_free(c);
		return NULL;
	}
	return c;
}

struct jwsv *
jwsv_new(const struct jwk *key)
{
	struct jwsv	*v;
	enum jwk_alg	 alg = jwk_key_alg(key);

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->key = key;
	if (alg != JWK_ES256 && alg != JWK_ES512 && alg != JWK_RS256)
		return v;
	if ((v->md = jwsv_md(alg)) == NULL ||
	    (v->pk = jwsv_pkey(key, &v->half)) == NULL ||
	    (v->ctx = jwsv_ctx(v->pk, alg, v->md)) == NULL) {
		log_err("%s: libcrypto refuses a %s key", __func__,
		    jwk_alg_name(alg));
		jwsv_free(v);
		return NULL;
	}
	return v;
}

void
jwsv_free(struct jwsv *v)
{
	if (v == NULL)
		return;
	EVP_PKEY_CTX_free(v->ctx);
	EVP_PKEY_free(v->pk);
	free(v);
}

const struct jwk *
jwsv_jwk(const struct jwsv *v)
{
	return v->key;
}

/* One DER INTEGER of the unsigned big-endian n octets at p; the length. */
static size_t
jwsv_der_int(unsigned char *out, const unsigned char *p, size_t n)
{
	size_t	 len;

	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	len = n + (p[0] & 0x80 ? 1 : 0);
	out[0] = 0x02;
	out[1] = (unsigned char)len;
	out[2] = 0;
	memcpy(out + 2 + len - n, p, n);
	return 2 + len;
}

/* The DER ECDSA-Sig-Value of a JWS signature r || s; its length. */
static size_t
jwsv_der(unsigned char out[JWSV_DER_MAX], const unsigned char *sig,
    size_t half)
{
	unsigned char	 body[JWSV_DER_MAX];
	size_t		 len, hd;

	len = jwsv_der_int(body, sig, half);
	len += jwsv_der_int(body + len, sig + half, half);
	out[0] = 0x30;
	if (len < 0x80) {
		out[1] = (unsigned char)len;
		hd = 2;
	} else {
		out[1] = 0x81;
		out[2] = (unsigned char)len;
		hd = 3;
	}
	memcpy(out + hd, body, len);
	return hd + len;
}

int
jwsv_verify(struct jwsv *v, const void *msg, size_t msglen,
    const unsigned char *sig, size_t siglen)
{
	unsigned char	 dg[EVP_MAX_MD_SIZE], der[JWSV_DER_MAX];
	unsigned int	 dlen;
	size_t		 slen = siglen;
	const unsigned char *s = sig;

	if (v->pk == NULL)
		return jwk_verify(v->key, msg, msglen, sig, siglen);
	if (jwk_key_alg(v->key) == JWK_RS256) {
		if (siglen != (size_t)EVP_PKEY_get_size(v->pk))
			return -1;
	} else {
		if (siglen != 2 * v->half)
			return -1;
		slen = jwsv_der(der, sig, v->half);
		s = der;
	}
	if (EVP_Digest(msg, msglen, dg, &dlen, v->md, NULL) != 1)
		return -1;
	return EVP_PKEY_verify(v->ctx, s, slen, dg, dlen) == 1 ? 0 : -1;
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

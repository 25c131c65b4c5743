/* Account public keys as JWK (RFC 7517/7518/8037): strict import,
 * thumbprints (RFC 7638) and JWS signature checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>

#include "b64url.h"
#include "crypt.h"
#include "json.h"
#include "jwk.h"
#include "log.h"

struct jwk {
	enum jwk_alg	 alg;
	gnutls_pubkey_t	 pub;
	size_t		 half;		/* ECDSA: octets of r and of s */
	size_t		 modlen;	/* RSA: octets of the modulus */
	char		 canon[JWK_JSON_MAX];
	char		 thumb[THUMB_LEN + 1];
};

/* One row per accepted algorithm: its key type and curve. */
static const struct {
	const char		*name;
	const char		*kty;
	const char		*crv;
	gnutls_ecc_curve_t	 curve;
	size_t			 size;	/* coordinate octets */
	gnutls_sign_algorithm_t	 sign;
} algs[JWK__MAX] = {
	{ "ES256", "EC", "P-256", GNUTLS_ECC_CURVE_SECP256R1, 32,
	    GNUTLS_SIGN_ECDSA_SHA256 },
	{ "ES384", "EC", "P-384", GNUTLS_ECC_CURVE_SECP384R1, 48,
	    GNUTLS_SIGN_ECDSA_SHA384 },
	{ "ES512", "EC", "P-521", GNUTLS_ECC_CURVE_SECP521R1, 66,
	    GNUTLS_SIGN_ECDSA_SHA512 },
	{ "RS256", "RSA", NULL, GNUTLS_ECC_CURVE_INVALID, 0,
	    GNUTLS_SIGN_RSA_SHA256 },
	{ "EdDSA", "OKP", "Ed25519", GNUTLS_ECC_CURVE_ED25519, 32,
	    GNUTLS_SIGN_EDDSA_ED25519 },
};

/* Members that make a JWK private. */
static const char *const private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k"
};

enum jwk_alg
jwk_alg_parse(const char *s)
{
	int	 i;

	for (i = 0; i < JWK__MAX; i++)
		if (strcmp(s, algs[i].name) == 0)
			return (enum jwk_alg)i;
	return JWK__MAX;
}

const char *
jwk_alg_name(enum jwk_alg a)
{
	return a < JWK__MAX ? algs[a].name : "?";
}

void
jwk_free(struct jwk *k)
{
	if (k == NULL)
		return;
	if (k->pub != NULL)
		gnutls_pubkey_deinit(k->pub);
	free(k);
}

const char *
jwk_canon(const struct jwk *k)
{
	return k->canon;
}

const char *
jwk_thumb(const struct jwk *k)
{
	return k->thumb;
}

enum jwk_alg
jwk_key_alg(const struct jwk *k)
{
	return k->alg;
}

/* Decode member name of o into buf; its length, or -1. */
static ssize_t
jwk_member(json_object *o, const char *name, unsigned char *buf,
    size_t bufsz)
{
	const char	*s;

	if ((s = json_get_str(o, name)) == NULL)
		return -1;
	return b64url_decode(s, strlen(s), buf, bufsz);
}

/* Hash the canonical text into the thumbprint. */
static int
jwk_set_thumb(struct jwk *k)
{
	unsigned char	 h[SHA256_LEN];

	if (crypt_sha256(k->canon, strlen(k->canon), h) == -1)
		return -1;
	return b64url_encode(h, sizeof(h), k->thumb, sizeof(k->thumb)) ==
	    THUMB_LEN ? 0 : -1;
}

/* Write canonical text from the (already checked) member strings. */
static int
jwk_set_canon(struct jwk *k, json_object *o)
{
	const char	*kty = algs[k->alg].kty;
	int		 n;

	if (k->alg == JWK_RS256)
		n = snprintf(k->canon, sizeof(k->canon),
		    "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
		    json_get_str(o, "e"), json_get_str(o, "n"));
	else if (k->alg == JWK_EDDSA)
		n = snprintf(k->canon, sizeof(k->canon),
		    "{\"crv\":\"%s\",\"kty\":\"%s\",\"x\":\"%s\"}",
		    algs[k->alg].crv, kty, json_get_str(o, "x"));
	else
		n = snprintf(k->canon, sizeof(k->canon),
		    "{\"crv\":\"%s\",\"kty\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}",
		    algs[k->alg].crv, kty, json_get_str(o, "x"),
		    json_get_str(o, "y"));
	if (n < 0 || (size_t)n >= sizeof(k->canon))
		return -1;
	return jwk_set_thumb(k);
}

static const char *
jwk_import_ec(struct jwk *k, json_object *o)
{
	unsigned char	 x[66], y[66];
	gnutls_datum_t	 dx, dy;
	size_t		 size = algs[k->alg].size;
	ssize_t		 xl, yl;

	xl = jwk_member(o, "x", x, sizeof(x));
	yl = k->alg == JWK_EDDSA ? (ssize_t)size : jwk_member(o, "y", y,
	    sizeof(y));
	if (xl != (ssize_t)size || yl != (ssize_t)size)
		return "the key's coordinates are missing or not of the "
		    "curve's size";
	dx.data = x;
	dx.size = (unsigned)size;
	dy.data = y;
	dy.size = (unsigned)size;
	if (gnutls_pubkey_import_ecc_raw(k->pub, algs[k->alg].curve, &dx,
	    k->alg == JWK_EDDSA ? NULL : &dy) < 0)
		return "the key could not be imported";
	if (k->alg != JWK_EDDSA && gnutls_pubkey_verify_params(k->pub) < 0)
		return "the point is not on the curve";
	k->half = size;
	return NULL;
}

static const char *
jwk_import_rsa(struct jwk *k, json_object *o)
{
	unsigned char	 n[RSA_BITS_MAX / 8 + 1], e[8];
	gnutls_datum_t	 dn, de;
	ssize_t		 nl, el;
	unsigned int	 bits;

	nl = jwk_member(o, "n", n, sizeof(n));
	el = jwk_member(o, "e", e, sizeof(e));
	if (nl <= 0 || el <= 0)
		return "n or e is missing or not base64url";
	if (n[0] == 0 || e[0] == 0)
		return "n and e must be minimal (no leading zero octet)";
	if ((e[el - 1] & 1) == 0 || (el == 1 && e[0] == 1))
		return "the exponent must be odd and greater than 1";
	dn.data = n;
	dn.size = (unsigned)nl;
	de.data = e;
	de.size = (unsigned)el;
	if (gnutls_pubkey_import_rsa_raw(k->pub, &dn, &de) < 0)
		return "the key could not be imported";
	gnutls_pubkey_get_pk_algorithm(k->pub, &bits);
	if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX)
		return "RSA keys must have 2048 to 4096 bits";
	k->modlen = (size_t)nl;
	return NULL;
}

/* The alg of a JWK by kty and crv, or JWK__MAX. */
static enum jwk_alg
jwk_type(json_object *o)
{
	const char	*kty, *crv;
	int		 i;

	if ((kty = json_get_str(o, "kty")) == NULL)
		return JWK__MAX;
	crv = json_get_str(o, "crv");
	for (i = 0; i < JWK__MAX; i++) {
		if (strcmp(kty, algs[i].kty) != 0)
			continue;
		if (algs[i].crv == NULL ? crv == NULL && !json_has(o, "crv") :
		    crv != NULL && strcmp(crv, algs[i].crv) == 0)
			return (enum jwk_alg)i;
	}
	return JWK__MAX;
}

enum prob
jwk_parse(json_object *o, struct jwk **out, char *detail, size_t detailsz)
{
	struct jwk	*k = NULL;
	const char	*why = NULL;
	size_t		 i;

	*out = NULL;
	if (o == NULL || !json_object_is_type(o, json_type_object))
		why = "jwk is not a JSON object";
	for (i = 0; why == NULL && i < sizeof(private_members) /
	    sizeof(private_members[0]); i++)
		if (json_has(o, private_members[i]))
			why = "jwk holds private key members";
	if (why == NULL && (k = calloc(1, sizeof(*k))) == NULL)
		return PROB_SERVER_INTERNAL;
	if (why == NULL && (k->alg = jwk_type(o)) == JWK__MAX)
		why = "key type or curve not accepted (EC P-256/P-384/P-521, "
		    "RSA, Ed25519)";
	if (why == NULL && gnutls_pubkey_init(&k->pub) < 0) {
		jwk_free(k);
		return PROB_SERVER_INTERNAL;
	}
	if (why == NULL)
		why = k->alg == JWK_RS256 ? jwk_import_rsa(k, o) :
		    jwk_import_ec(k, o);
	if (why == NULL && jwk_set_canon(k, o) == -1)
		why = "the key is too large";
	if (why != NULL) {
		snprintf(detail, detailsz, "%s", why);
		jwk_free(k);
		return PROB_BAD_PUBLIC_KEY;
	}
	*out = k;
	return PROB_NONE;
}

struct jwk *
jwk_load(const char *canon)
{
	json_object	*o;
	struct jwk	*k = NULL;
	char		 detail[DETAIL_MAX];

	if ((o = json_parse_object(canon, strlen(canon))) == NULL ||
	    jwk_parse(o, &k, detail, sizeof(detail)) != PROB_NONE)
		log_err("%s: stored key does not load", __func__);
	json_object_put(o);
	return k;
}

/* DER ECDSA-Sig-Value from a raw r||s signature; -1 if it won't encode. */
static int
jwk_ecdsa_der(const struct jwk *k, const unsigned char *sig,
    gnutls_datum_t *der)
{
	gnutls_datum_t	 r, s;

	r.data = (unsigned char *)sig;
	r.size = (unsigned)k->half;
	s.data = (unsigned char *)sig + k->half;
	s.size = (unsigned)k->half;
	return gnutls_encode_rs_value(der, &r, &s) < 0 ? -1 : 0;
}

int
jwk_verify(const struct jwk *k, const void *msg, size_t msglen,
    const unsigned char *sig, size_t siglen)
{
	gnutls_datum_t	 m, s, der = { NULL, 0 };
	int		 rc;

	m.data = (unsigned char *)msg;
	m.size = (unsigned)msglen;
	s.data = (unsigned char *)sig;
	s.size = (unsigned)siglen;
	switch (k->alg) {
	case JWK_RS256:
		if (siglen != k->modlen)
			return -1;
		break;
	case JWK_EDDSA:
		if (siglen != 64)
			return -1;
		break;
	default:
		if (siglen != 2 * k->half || jwk_ecdsa_der(k, sig, &der) == -1)
			return -1;
		s = der;
		break;
	}
	rc = gnutls_pubkey_verify_data2(k->pub, algs[k->alg].sign, 0, &m, &s);
	gnutls_free(der.data);
	return rc < 0 ? -1 : 0;
}

/* Copy a datum into out; -1 when it does not fit. */
static int
jwk_copy(gnutls_datum_t *d, unsigned char *out, size_t *len)
{
	int	 rc = -1;

	if (d->size <= JWK_PARAM_MAX) {
		memcpy(out, d->data, d->size);
		*len = d->size;
		rc = 0;
	}
	gnutls_free(d->data);
	d->data = NULL;
	return rc;
}

int
jwk_params(const struct jwk *k, unsigned char *x, size_t *xlen,
    unsigned char *y, size_t *ylen)
{
	gnutls_datum_t		 dx = { NULL, 0 }, dy = { NULL, 0 };
	gnutls_ecc_curve_t	 curve;
	int			 rc;

	if (k->alg != JWK_ES256 && k->alg != JWK_ES384 && k->alg != JWK_ES512)
		return -1;
	if (gnutls_pubkey_export_ecc_raw2(k->pub, &curve, &dx, &dy,
	    GNUTLS_EXPORT_FLAG_NO_LZ) < 0)
		return -1;
	rc = jwk_copy(&dx, x, xlen);
	if (jwk_copy(&dy, y, ylen) == -1)
		rc = -1;
	/* The coordinates keep their leading zeros: the curve's size. */
	if (rc == 0 && (*xlen > k->half || *ylen > k->half))
		rc = -1;
	if (rc == 0) {
		memmove(x + k->half - *xlen, x, *xlen);
		memset(x, 0, k->half - *xlen);
		memmove(y + k->half - *ylen, y, *ylen);
		memset(y, 0, k->half - *ylen);
		*xlen = *ylen = k->half;
	}
	return rc;
}

int
jwk_thumb_ec(const char *crv, const unsigned char *x, size_t xlen,
    const unsigned char *y, size_t ylen, char out[THUMB_LEN + 1])
{
	char		 bx[96], by[96], canon[JWK_JSON_MAX];
	unsigned char	 h[SHA256_LEN];
	int		 n;

	if (b64url_encode(x, xlen, bx, sizeof(bx)) == 0 ||
	    b64url_encode(y, ylen, by, sizeof(by)) == 0)
		return -1;
	n = snprintf(canon, sizeof(canon),
	    "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
	    crv, bx, by);
	if (n < 0 || (size_t)n >= sizeof(canon) ||
	    crypt_sha256(canon, (size_t)n, h) == -1)
		return -1;
	return b64url_encode(h, sizeof(h), out, THUMB_LEN + 1) == THUMB_LEN ?
	    0 : -1;
}

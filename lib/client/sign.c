/* The client side of JWS through GnuTLS: account and certificate keys
 * (unencrypted PKCS#8 PEM), flattened JWS for ACME requests (RFC 7515
 * 7.2.2, RFC 8555 6.2) and PKCS#10 requests carrying a TNAuthList
 * (RFC 8226, RFC 9448 section 3). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "b64url.h"
#include "bounds.h"
#include "file.h"
#include "jwk.h"
#include "log.h"
#include "sign.h"
#include "tnauthlist.h"

#ifndef KEY_PEM_MAX
#define KEY_PEM_MAX	16384		/* PKCS#8 PEM of a private key */
#endif
#ifndef CERT_PEM_MAX
#define CERT_PEM_MAX	(1024 * 1024)	/* a PEM chain handed to us */
#endif

#define COORD_MAX	66		/* P-521 coordinate octets */

struct signer {
	enum jwk_alg	 alg;
	gnutls_privkey_t key;
	json_object	*pub;		/* public JWK, RFC 7638 member order */
	struct jwk	*jwk;		/* the same, imported: canon, thumb */
};

/* How each JWS algorithm maps onto GnuTLS (RFC 7518 3.1, RFC 8037). */
static const struct {
	gnutls_pk_algorithm_t	 pk;
	gnutls_ecc_curve_t	 curve;
	const char		*crv;
	unsigned int		 bits;	/* RSA: modulus bits we generate */
	size_t			 size;	/* EC: octets of a coordinate, r, s */
	gnutls_sign_algorithm_t	 sign;
} algs[JWK__MAX] = {
	{ GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP256R1, "P-256", 0, 32,
	    GNUTLS_SIGN_ECDSA_SHA256 },
	{ GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP384R1, "P-384", 0, 48,
	    GNUTLS_SIGN_ECDSA_SHA384 },
	{ GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP521R1, "P-521", 0, 66,
	    GNUTLS_SIGN_ECDSA_SHA512 },
	{ GNUTLS_PK_RSA, GNUTLS_ECC_CURVE_INVALID, NULL, 2048, 0,
	    GNUTLS_SIGN_RSA_SHA256 },
	{ GNUTLS_PK_EDDSA_ED25519, GNUTLS_ECC_CURVE_ED25519, "Ed25519", 0, 32,
	    GNUTLS_SIGN_EDDSA_ED25519 },
};

void
signer_free(struct signer *s)
{
	if (s == NULL)
		return;
	if (s->key != NULL)
		gnutls_privkey_deinit(s->key);
	json_object_put(s->pub);
	jwk_free(s->jwk);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

enum jwk_alg
signer_alg(const struct signer *s)
{
	return s->alg;
}

const char *
signer_jwk(const struct signer *s)
{
	return jwk_canon(s->jwk);
}

const char *
signer_thumb(const struct signer *s)
{
	return jwk_thumb(s->jwk);
}

/*
 * Copy the unsigned big-endian integer d into exactly size octets: leading
 * zeros stripped, then left-padded. GnuTLS hands out r, s and coordinates
 * one octet longer or a few octets shorter (TOOLING.md 3). -1 if too long.
 */
static int
sign_fixed(const gnutls_datum_t *d, unsigned char *out, size_t size)
{
	const unsigned char	*p = d->data;
	size_t			 n = d->size;

	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	if (n > size)
		return -1;
	memset(out, 0, size - n);
	if (n > 0)
		memcpy(out + size - n, p, n);
	return 0;
}

/* Add name = base64url(v) to the JSON object o. */
static int
sign_add_b64(json_object *o, const char *name, const unsigned char *v,
    size_t len)
{
	char		 buf[B64URL_LEN(RSA_BITS_MAX / 8) + 1];
	json_object	*s;

	if (b64url_encode(v, len, buf, sizeof(buf)) == 0 ||
	    (s = json_object_new_string(buf)) == NULL)
		return -1;
	if (json_object_object_add(o, name, s) != 0) {
		json_object_put(s);
		return -1;
	}
	return 0;
}

static int
sign_add_str(json_object *o, const char *name, const char *v)
{
	json_object	*s;

	if ((s = json_object_new_string(v)) == NULL)
		return -1;
	if (json_object_object_add(o, name, s) != 0) {
		json_object_put(s);
		return -1;
	}
	return 0;
}

/* The public JWK of an EC or OKP key; members in RFC 7638 order. */
static json_object *
sign_pub_ec(gnutls_pubkey_t pub, enum jwk_alg alg)
{
	gnutls_datum_t		 x = { NULL, 0 }, y = { NULL, 0 };
	gnutls_ecc_curve_t	 curve;
	unsigned char		 bx[COORD_MAX], by[COORD_MAX];
	size_t			 size = algs[alg].size;
	json_object		*o = NULL;
	int			 okp = alg == JWK_EDDSA;

	if (gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, okp ? NULL : &y,
	    GNUTLS_EXPORT_FLAG_NO_LZ) < 0 || curve != algs[alg].curve)
		goto out;
	if (okp ? x.size != size : (sign_fixed(&x, bx, size) == -1 ||
	    sign_fixed(&y, by, size) == -1))
		goto out;
	if ((o = json_object_new_object()) == NULL)
		goto out;
	if (sign_add_str(o, "crv", algs[alg].crv) == -1 ||
	    sign_add_str(o, "kty", okp ? "OKP" : "EC") == -1 ||
	    sign_add_b64(o, "x", okp ? x.data : bx, size) == -1 ||
	    (!okp && sign_add_b64(o, "y", by, size) == -1)) {
		json_object_put(o);
		o = NULL;
	}
out:
	gnutls_free(x.data);
	gnutls_free(y.data);
	return o;
}

/* The public JWK of an RSA key: n and e minimal (RFC 8555 8.1). */
static json_object *
sign_pub_rsa(gnutls_pubkey_t pub)
{
	gnutls_datum_t	 n = { NULL, 0 }, e = { NULL, 0 };
	unsigned char	 bn[RSA_BITS_MAX / 8], be[8];
	size_t		 nl, el;
	json_object	*o = NULL;

	if (gnutls_pubkey_export_rsa_raw2(pub, &n, &e,
	    GNUTLS_EXPORT_FLAG_NO_LZ) < 0)
		goto out;
	for (nl = n.size; nl > 0 && n.data[n.size - nl] == 0; nl--)
		;
	for (el = e.size; el > 0 && e.data[e.size - el] == 0; el--)
		;
	if (nl == 0 || el == 0 || nl > sizeof(bn) || el > sizeof(be))
		goto out;
	memcpy(bn, n.data + n.size - nl, nl);
	memcpy(be, e.data + e.size - el, el);
	if ((o = json_object_new_object()) == NULL)
		goto out;
	if (sign_add_b64(o, "e", be, el) == -1 ||
	    sign_add_str(o, "kty", "RSA") == -1 ||
	    sign_add_b64(o, "n", bn, nl) == -1) {
		json_object_put(o);
		o = NULL;
	}
out:
	gnutls_free(n.data);
	gnutls_free(e.data);
	return o;
}

/* Which of our algorithms the public key pub is for; JWK__MAX if none. */
static enum jwk_alg
sign_key_alg(gnutls_pubkey_t pub)
{
	gnutls_ecc_curve_t	 curve;
	unsigned int		 bits;
	int			 pk, i;

	pk = gnutls_pubkey_get_pk_algorithm(pub, &bits);
	if (pk == GNUTLS_PK_RSA)
		return JWK_RS256;
	if (pk != GNUTLS_PK_ECDSA && pk != GNUTLS_PK_EDDSA_ED25519)
		return JWK__MAX;
	if (gnutls_pubkey_export_ecc_raw2(pub, &curve, NULL, NULL, 0) < 0)
		return JWK__MAX;
	for (i = 0; i < JWK__MAX; i++)
		if (algs[i].pk == (gnutls_pk_algorithm_t)pk &&
		    algs[i].curve == curve)
			return (enum jwk_alg)i;
	return JWK__MAX;
}

/*
 * Fill alg, the public JWK and its import (canonical text, thumbprint)
 * from s->key. jwk_parse applies the same rules as the server, so a key
 * the server would refuse (RSA outside 2048-4096 bits) fails here.
 */
static int
sign_setup(struct signer *s)
{
	gnutls_pubkey_t	 pub = NULL;
	char		 detail[DETAIL_MAX];
	int		 rc = -1, ret;

	if ((ret = gnutls_pubkey_init(&pub)) < 0 ||
	    (ret = gnutls_pubkey_import_privkey(pub, s->key, 0, 0)) < 0) {
		log_err("%s: public key: %s", __func__, gnutls_strerror(ret));
		goto out;
	}
	if ((s->alg = sign_key_alg(pub)) == JWK__MAX) {
		log_err("%s: key type or curve not supported", __func__);
		goto out;
	}
	s->pub = s->alg == JWK_RS256 ? sign_pub_rsa(pub) :
	    sign_pub_ec(pub, s->alg);
	if (s->pub == NULL) {
		log_err("%s: cannot export the public key", __func__);
		goto out;
	}
	if (jwk_parse(s->pub, &s->jwk, detail, sizeof(detail)) != PROB_NONE) {
		log_err("%s: %s", __func__, detail);
		goto out;
	}
	rc = 0;
out:
	gnutls_pubkey_deinit(pub);
	return rc;
}

struct signer *
signer_generate(enum jwk_alg alg)
{
	struct signer	*s;
	unsigned int	 bits;
	int		 ret;

	if (alg >= JWK__MAX || (s = calloc(1, sizeof(*s))) == NULL) {
		log_err("%s: %s", __func__, alg >= JWK__MAX ? "no such alg" :
		    strerror(errno));
		return NULL;
	}
	bits = algs[alg].pk == GNUTLS_PK_RSA ? algs[alg].bits :
	    GNUTLS_CURVE_TO_BITS(algs[alg].curve);
	if ((ret = gnutls_privkey_init(&s->key)) < 0 ||
	    (ret = gnutls_privkey_generate2(s->key, algs[alg].pk, bits, 0,
	    NULL, 0)) < 0) {
		log_err("%s: %s: %s", __func__, jwk_alg_name(alg),
		    gnutls_strerror(ret));
		signer_free(s);
		return NULL;
	}
	if (sign_setup(s) == -1 || s->alg != alg) {
		signer_free(s);
		return NULL;
	}
	return s;
}

struct signer *
signer_load(const char *path)
{
	struct signer	*s = NULL;
	unsigned char	*pem;
	gnutls_datum_t	 d;
	size_t		 n;
	int		 ret;

	if (file_read(path, KEY_PEM_MAX, &pem, &n, 0) == -1)
		return NULL;
	d.data = pem;
	d.size = (unsigned int)n;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_err("%s: %s", __func__, strerror(errno));
		goto out;
	}
	if ((ret = gnutls_privkey_init(&s->key)) < 0 ||
	    (ret = gnutls_privkey_import_x509_raw(s->key, &d,
	    GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		log_err("%s: %s: %s", __func__, path, gnutls_strerror(ret));
		signer_free(s);
		s = NULL;
		goto out;
	}
	if (sign_setup(s) == -1) {
		log_err("%s: %s: unusable key", __func__, path);
		signer_free(s);
		s = NULL;
	}
out:
	explicit_bzero(pem, n);
	free(pem);
	return s;
}

int
signer_save(const struct signer *s, const char *path)
{
	gnutls_x509_privkey_t	 xk = NULL;
	gnutls_datum_t		 pem = { NULL, 0 };
	int			 rc = -1, ret;

	if ((ret = gnutls_privkey_export_x509(s->key, &xk)) < 0 ||
	    (ret = gnutls_x509_privkey_export2_pkcs8(xk, GNUTLS_X509_FMT_PEM,
	    NULL, GNUTLS_PKCS_PLAIN, &pem)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(ret));
		goto out;
	}
	rc = file_write(path, pem.data, pem.size, 0600);
out:
	if (pem.data != NULL) {
		explicit_bzero(pem.data, pem.size);
		gnutls_free(pem.data);
	}
	if (xk != NULL)
		gnutls_x509_privkey_deinit(xk);
	return rc;
}

/*
 * The raw JWS signature over msg (RFC 7518 3.3, 3.4; RFC 8037 3.1): ECDSA
 * as r || s, each exactly the curve size. *sig is malloc'd; the caller
 * frees it. Returns 0 or -1 (logged).
 */
static int
sign_raw(const struct signer *s, const char *msg, size_t len,
    unsigned char **sig, size_t *siglen)
{
	gnutls_datum_t	 m, der = { NULL, 0 }, r = { NULL, 0 },
			 ss = { NULL, 0 };
	size_t		 half = algs[s->alg].size;
	unsigned char	*out = NULL;
	int		 ret;

	m.data = (unsigned char *)msg;
	m.size = (unsigned int)len;
	if ((ret = gnutls_privkey_sign_data2(s->key, algs[s->alg].sign, 0, &m,
	    &der)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(ret));
		return -1;
	}
	if (algs[s->alg].pk != GNUTLS_PK_ECDSA) {
		if ((out = malloc(der.size)) != NULL) {
			memcpy(out, der.data, der.size);
			*siglen = der.size;
		}
	} else if ((ret = gnutls_decode_rs_value(&der, &r, &ss)) < 0)
		log_err("%s: %s", __func__, gnutls_strerror(ret));
	else if ((out = malloc(2 * half)) != NULL &&
	    (sign_fixed(&r, out, half) == -1 ||
	    sign_fixed(&ss, out + half, half) == -1)) {
		log_err("%s: r or s longer than the curve size", __func__);
		free(out);
		out = NULL;
	} else
		*siglen = 2 * half;
	gnutls_free(der.data);
	gnutls_free(r.data);
	gnutls_free(ss.data);
	*sig = out;
	return out == NULL ? -1 : 0;
}

/* base64url of len octets, malloc'd; NULL on failure. */
static char *
sign_b64(const void *p, size_t len)
{
	char	*out;
	size_t	 n = B64URL_LEN(len) + 1;

	if ((out = malloc(n)) == NULL)
		return NULL;
	if (len > 0 && b64url_encode(p, len, out, n) == 0) {
		free(out);
		return NULL;
	}
	if (len == 0)
		out[0] = '\0';
	return out;
}

/*
 * The encoded protected header: members in the order alg, jwk or kid,
 * nonce (when not NULL), url. Returns a malloc'd string or NULL.
 */
static char *
sign_protected(const struct signer *s, const char *url, const char *nonce,
    const char *kid)
{
	json_object	*h, *k;
	const char	*txt;
	char		*out = NULL;
	size_t		 len;

	if ((h = json_object_new_object()) == NULL)
		return NULL;
	if (sign_add_str(h, "alg", jwk_alg_name(s->alg)) == -1)
		goto out;
	if (kid != NULL && sign_add_str(h, "kid", kid) == -1)
		goto out;
	if (kid == NULL) {
		k = json_object_get(s->pub);
		if (json_object_object_add(h, "jwk", k) != 0) {
			json_object_put(k);
			goto out;
		}
	}
	if ((nonce != NULL && sign_add_str(h, "nonce", nonce) == -1) ||
	    sign_add_str(h, "url", url) == -1)
		goto out;
	txt = json_object_to_json_string_length(h, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (txt != NULL)
		out = sign_b64(txt, len);
out:
	json_object_put(h);
	return out;
}

char *
signer_jws(const struct signer *s, const char *url, const char *nonce,
    const char *kid, const char *payload)
{
	char		*prot = NULL, *pay = NULL, *input = NULL, *sig64 = NULL;
	char		*jws = NULL;
	unsigned char	*sig = NULL;
	size_t		 siglen = 0;
	int		 n;

	if (payload == NULL)
		payload = "";
	if ((prot = sign_protected(s, url, nonce, kid)) == NULL ||
	    (pay = sign_b64(payload, strlen(payload))) == NULL) {
		log_err("%s: cannot encode the header or payload", __func__);
		goto out;
	}
	if ((n = asprintf(&input, "%s.%s", prot, pay)) == -1) {
		input = NULL;
		goto out;
	}
	if (sign_raw(s, input, (size_t)n, &sig, &siglen) == -1 ||
	    (sig64 = sign_b64(sig, siglen)) == NULL)
		goto out;
	if (asprintf(&jws, "{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%s\"}", prot, pay, sig64) == -1)
		jws = NULL;
out:
	free(prot);
	free(pay);
	free(input);
	free(sig);
	free(sig64);
	return jws;
}

/* 1 when tn is 1 to TN_MAX digits. */
static int
sign_tn_ok(const char *tn)
{
	size_t	 n = strlen(tn);

	return n > 0 && n <= TN_MAX && strspn(tn, "0123456789") == n;
}

int
signer_csr(const struct signer *s, const char *tn, const unsigned char *tnder,
    size_t tnlen, unsigned char **der, size_t *derlen)
{
	gnutls_x509_crq_t	 crq = NULL;
	gnutls_pubkey_t		 pub = NULL;
	gnutls_datum_t		 out = { NULL, 0 };
	const char		*what = "init";
	int			 rc = -1, ret = 0;

	*der = NULL;
	*derlen = 0;
	if (s->alg != JWK_ES256 || !sign_tn_ok(tn) || tnlen == 0) {
		log_err("%s: needs an EC P-256 key and a number of 1 to %d "
		    "digits", __func__, TN_MAX);
		return -1;
	}
	if ((ret = gnutls_x509_crq_init(&crq)) < 0 ||
	    (ret = gnutls_pubkey_init(&pub)) < 0 ||
	    (ret = gnutls_pubkey_import_privkey(pub, s->key, 0, 0)) < 0)
		goto out;
	what = "set fields";
	if ((ret = gnutls_x509_crq_set_version(crq, 1)) < 0 ||
	    (ret = gnutls_x509_crq_set_dn_by_oid(crq,
	    GNUTLS_OID_X520_COMMON_NAME, 0, tn,
	    (unsigned int)strlen(tn))) < 0 ||
	    (ret = gnutls_x509_crq_set_pubkey(crq, pub)) < 0 ||
	    (ret = gnutls_x509_crq_set_extension_by_oid(crq, TNAUTHLIST_OID,
	    tnder, tnlen, 0)) < 0)
		goto out;
	what = "sign";
	if ((ret = gnutls_x509_crq_privkey_sign(crq, s->key, GNUTLS_DIG_SHA256,
	    0)) < 0)
		goto out;
	what = "export";
	if ((ret = gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER,
	    &out)) < 0)
		goto out;
	what = "copy";
	if ((*der = malloc(out.size)) == NULL)
		goto out;
	memcpy(*der, out.data, out.size);
	*derlen = out.size;
	rc = 0;
out:
	if (rc == -1)
		log_err("%s: %s: %s", __func__, what, ret < 0 ?
		    gnutls_strerror(ret) : "out of memory");
	gnutls_free(out.data);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	return rc;
}

int
signer_cert_der(const char *pem, unsigned char **der, size_t *derlen)
{
	gnutls_datum_t	 in, out = { NULL, 0 };
	size_t		 len = strlen(pem);
	int		 ret;

	*der = NULL;
	*derlen = 0;
	if (len > CERT_PEM_MAX) {
		log_err("%s: PEM too long", __func__);
		return -1;
	}
	in.data = (unsigned char *)pem;
	in.size = (unsigned int)len;
	if ((ret = gnutls_pem_base64_decode2("CERTIFICATE", &in, &out)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(ret));
		return -1;
	}
	if (out.size == 0 || (*der = malloc(out.size)) == NULL) {
		log_err("%s: empty certificate or out of memory", __func__);
		gnutls_free(out.data);
		return -1;
	}
	memcpy(*der, out.data, out.size);
	*derlen = out.size;
	gnutls_free(out.data);
	return 0;
}

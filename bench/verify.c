/* verify: the cost of one JWS signature check with GnuTLS (nettle and
 * GMP underneath) and with OpenSSL 3's libcrypto, for ES256, ES384,
 * RS256 and EdDSA, on the same keys, messages and signatures. CPU time
 * of the process (CLOCK_PROCESS_CPUTIME_ID), so that other load on the
 * machine matters less; under callgrind, Ir / N is the repeatable figure.
 * Also the cost of making the key object from its public parameters
 * (what a request pays when the account key is not kept). openssl_ec is
 * what lib/server/jwsverify.c does for ECDSA: GnuTLS's digest, then
 * libcrypto's EC_KEY check (no EVP layer).
 * Usage: verify [N]   (N checks per library and algorithm; default 2000) */
#define OPENSSL_SUPPRESS_DEPRECATED	/* EC_KEY, as jwsverify.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

struct alg {
	const char		*name;
	gnutls_pk_algorithm_t	 pk;
	unsigned		 bits;
	gnutls_sign_algorithm_t	 sign;
	const char		*md;		/* OpenSSL digest; NULL for EdDSA */
};

static const struct alg algs[] = {
	{ "ES256", GNUTLS_PK_ECDSA, 0, GNUTLS_SIGN_ECDSA_SHA256, "SHA256" },
	{ "ES384", GNUTLS_PK_ECDSA, 0, GNUTLS_SIGN_ECDSA_SHA384, "SHA384" },
	{ "RS256", GNUTLS_PK_RSA, 2048, GNUTLS_SIGN_RSA_SHA256, "SHA256" },
	{ "ES512", GNUTLS_PK_ECDSA, 0, GNUTLS_SIGN_ECDSA_SHA512, "SHA512" },
	{ "EdDSA", GNUTLS_PK_EDDSA_ED25519, 0, GNUTLS_SIGN_EDDSA_ED25519, NULL },
};

/* A JWS signing input of a typical new-order's size. */
static unsigned char msg[700];

static double
cpu_now(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned
alg_bits(const struct alg *a)
{
	if (a->bits != 0)
		return a->bits;
	if (a->pk == GNUTLS_PK_ECDSA)
		return GNUTLS_CURVE_TO_BITS(a->sign == GNUTLS_SIGN_ECDSA_SHA256 ?
		    GNUTLS_ECC_CURVE_SECP256R1 : a->sign ==
		    GNUTLS_SIGN_ECDSA_SHA384 ? GNUTLS_ECC_CURVE_SECP384R1 :
		    GNUTLS_ECC_CURVE_SECP521R1);
	return GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519);
}

static int
gnutls_check(gnutls_pubkey_t pub, const struct alg *a, gnutls_datum_t *sig)
{
	gnutls_datum_t	 m = { msg, sizeof(msg) };

	return gnutls_pubkey_verify_data2(pub, a->sign, 0, &m, sig) < 0;
}

static int
ossl_check(EVP_PKEY *pk, const struct alg *a, gnutls_datum_t *sig)
{
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	int		 rc;

	rc = EVP_DigestVerifyInit_ex(c, NULL, a->md, NULL, NULL, pk, NULL) != 1 ||
	    EVP_DigestVerify(c, sig->data, sig->size, msg, sizeof(msg)) != 1;
	EVP_MD_CTX_free(c);
	return rc;
}

/* A key from its public parameters, as a JWK gives them (EC and EdDSA:
 * the point; RSA: n and e), through OSSL_PARAM rather than DER. */
static EVP_PKEY *
ossl_fromdata(gnutls_pubkey_t pub, const struct alg *a)
{
	gnutls_datum_t		 x = { 0 }, y = { 0 };
	gnutls_ecc_curve_t	 curve;
	OSSL_PARAM_BLD		*b = OSSL_PARAM_BLD_new();
	OSSL_PARAM		*ps = NULL;
	EVP_PKEY_CTX		*c = NULL;
	EVP_PKEY		*k = NULL;
	unsigned char		 pt[1 + 2 * 66];
	BIGNUM			*n = NULL, *e = NULL;
	const char		*type = "EC";

	if (a->pk == GNUTLS_PK_RSA) {
		type = "RSA";
		gnutls_pubkey_export_rsa_raw2(pub, &x, &y, GNUTLS_EXPORT_FLAG_NO_LZ);
		n = BN_bin2bn(x.data, (int)x.size, NULL);
		e = BN_bin2bn(y.data, (int)y.size, NULL);
		OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n);
		OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e);
	} else if (a->pk == GNUTLS_PK_EDDSA_ED25519) {
		type = "ED25519";
		gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, NULL, 0);
		OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY,
		    x.data, x.size);
	} else {
		gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, &y,
		    GNUTLS_EXPORT_FLAG_NO_LZ);
		/* Coordinates at the curve's size, leading zeros kept. */
		size_t	 sz = curve == GNUTLS_ECC_CURVE_SECP256R1 ? 32 :
		    curve == GNUTLS_ECC_CURVE_SECP384R1 ? 48 : 66;

		memset(pt, 0, sizeof(pt));
		pt[0] = 4;
		memcpy(pt + 1 + sz - x.size, x.data, x.size);
		memcpy(pt + 1 + 2 * sz - y.size, y.data, y.size);
		x.size = y.size = (unsigned)sz;
		OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
		    curve == GNUTLS_ECC_CURVE_SECP256R1 ? "P-256" : curve ==
		    GNUTLS_ECC_CURVE_SECP384R1 ? "P-384" : "P-521", 0);
		OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt,
		    1 + x.size + y.size);
	}
	ps = OSSL_PARAM_BLD_to_param(b);
	if ((c = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, ps) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(ps);
	OSSL_PARAM_BLD_free(b);
	BN_free(n);
	BN_free(e);
	gnutls_free(x.data);
	gnutls_free(y.data);
	return k;
}

/* The ECDSA check as jwsverify.c makes it; -1 when a is not ECDSA. */
static double
ossl_ec(EVP_PKEY *pk, const struct alg *a, gnutls_datum_t *sig, int n,
    int *bad)
{
	const EC_KEY		*ec = EVP_PKEY_get0_EC_KEY(pk);
	const unsigned char	*p = sig->data;
	ECDSA_SIG		*es;
	unsigned char		 dg[64];
	gnutls_digest_algorithm_t dig = a->sign == GNUTLS_SIGN_ECDSA_SHA256 ?
	    GNUTLS_DIG_SHA256 : a->sign == GNUTLS_SIGN_ECDSA_SHA384 ?
	    GNUTLS_DIG_SHA384 : GNUTLS_DIG_SHA512;
	double			 t0;
	int			 i;

	if (a->pk != GNUTLS_PK_ECDSA || ec == NULL ||
	    (es = d2i_ECDSA_SIG(NULL, &p, sig->size)) == NULL)
		return -1;
	t0 = cpu_now();
	for (i = 0; i < n; i++) {
		gnutls_hash_fast(dig, msg, sizeof(msg), dg);
		*bad += ECDSA_do_verify(dg, (int)gnutls_hash_get_len(dig), es,
		    (EC_KEY *)ec) != 1;
	}
	t0 = cpu_now() - t0;
	ECDSA_SIG_free(es);
	return t0 / n * 1e6;
}

static void
one(const struct alg *a, int n)
{
	gnutls_privkey_t	 priv;
	gnutls_pubkey_t		 pub, tmp;
	gnutls_datum_t		 m = { msg, sizeof(msg) }, sig, der;
	EVP_PKEY		*pk;
	const unsigned char	*p;
	double			 t0, tg, to, tgi, toi, tof, tec;
	char			 ecs[16];
	int			 i, bad = 0;

	gnutls_privkey_init(&priv);
	gnutls_pubkey_init(&pub);
	if (gnutls_privkey_generate(priv, a->pk, alg_bits(a), 0) < 0 ||
	    gnutls_pubkey_import_privkey(pub, priv, 0, 0) < 0 ||
	    gnutls_privkey_sign_data2(priv, a->sign, 0, &m, &sig) < 0 ||
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0) {
		fprintf(stderr, "%s: cannot make a key\n", a->name);
		exit(1);
	}
	p = der.data;
	if ((pk = d2i_PUBKEY(NULL, &p, der.size)) == NULL) {
		fprintf(stderr, "%s: OpenSSL cannot read the key\n", a->name);
		exit(1);
	}
	t0 = cpu_now();
	for (i = 0; i < n; i++)
		bad += gnutls_check(pub, a, &sig);
	tg = cpu_now() - t0;
	t0 = cpu_now();
	for (i = 0; i < n; i++)
		bad += ossl_check(pk, a, &sig);
	to = cpu_now() - t0;
	t0 = cpu_now();
	for (i = 0; i < n; i++) {
		gnutls_pubkey_init(&tmp);
		bad += gnutls_pubkey_import(tmp, &der, GNUTLS_X509_FMT_DER) < 0;
		gnutls_pubkey_deinit(tmp);
	}
	tgi = cpu_now() - t0;
	t0 = cpu_now();
	for (i = 0; i < n; i++) {
		EVP_PKEY	*k;

		p = der.data;
		bad += (k = d2i_PUBKEY(NULL, &p, der.size)) == NULL;
		EVP_PKEY_free(k);
	}
	toi = cpu_now() - t0;
	t0 = cpu_now();
	for (i = 0; i < n; i++) {
		EVP_PKEY	*k;

		bad += (k = ossl_fromdata(pub, a)) == NULL;
		EVP_PKEY_free(k);
	}
	tof = cpu_now() - t0;
	tec = ossl_ec(pk, a, &sig, n, &bad);
	if (tec < 0)
		snprintf(ecs, sizeof(ecs), "-");
	else
		snprintf(ecs, sizeof(ecs), "%.1f", tec);
	printf("%-6s %14.1f %14.1f %8.2f %14.1f %14.1f %14.1f %12s%s\n",
	    a->name, tg / n * 1e6, to / n * 1e6, tg / to, tgi / n * 1e6,
	    toi / n * 1e6, tof / n * 1e6, ecs,
	    bad ? "  (SOME CHECKS FAILED)" : "");
	EVP_PKEY_free(pk);
	gnutls_free(sig.data);
	gnutls_free(der.data);
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(priv);
}

int
main(int argc, char *argv[])
{
	size_t	 i;
	int	 n = argc > 1 ? atoi(argv[1]) : 2000;

	if (n <= 0)
		n = 2000;
	memset(msg, 'a', sizeof(msg));
	gnutls_global_init();
	printf("# %d checks each; CPU microseconds per operation\n", n);
	printf("# GnuTLS %s, %s\n", gnutls_check_version(NULL),
	    OpenSSL_version(OPENSSL_VERSION));
	printf("%-6s %14s %14s %8s %14s %14s %14s %12s\n", "alg",
	    "gnutls_verify", "openssl_verify", "ratio", "gnutls_import",
	    "openssl_d2i", "openssl_params", "openssl_ec");
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		one(&algs[i], n);
	gnutls_global_deinit();
	return 0;
}

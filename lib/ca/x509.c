/* The certificate authority through GnuTLS: its key and certificate,
 * made on first start and loaded at every start, and the key and
 * identifier helpers the other files of the layer share. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "bounds.h"
#include "crlasn.h"
#include "caint.h"
#include "file.h"
#include "jwk.h"
#include "log.h"
#include "problem.h"
#include "tnauthlist.h"
#include "x509.h"



/*
 * Keys and identifiers.
 */

/* Left-pad the big-endian value d to exactly COORD_LEN octets. */
int
coord_pad(const gnutls_datum_t *d, unsigned char out[COORD_LEN])
{
	size_t	 skip = 0;

	while (skip < d->size && d->data[skip] == 0)
		skip++;
	if (d->size - skip > COORD_LEN)
		return -1;
	memset(out, 0, COORD_LEN);
	memcpy(out + COORD_LEN - (d->size - skip), d->data + skip,
	    d->size - skip);
	return 0;
}

/* The uncompressed point 04||x||y of pub. 1 when pub is an EC P-256 key,
 * 0 when it is some other key, -1 (logged) on failure. */
int
ec_point(gnutls_pubkey_t pub, unsigned char pt[POINT_LEN])
{
	gnutls_datum_t		 x = { NULL, 0 }, y = { NULL, 0 };
	gnutls_ecc_curve_t	 curve;
	int			 rc, ret = -1;

	if (gnutls_pubkey_get_pk_algorithm(pub, NULL) != GNUTLS_PK_ECDSA)
		return 0;
	rc = gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, &y,
	    GNUTLS_EXPORT_FLAG_NO_LZ);
	if (rc < 0) {
		log_err("%s: gnutls_pubkey_export_ecc_raw2: %s", __func__,
		    gnutls_strerror(rc));
		goto out;
	}
	if (curve != GNUTLS_ECC_CURVE_SECP256R1) {
		ret = 0;
		goto out;
	}
	pt[0] = 0x04;
	if (coord_pad(&x, pt + 1) == -1 ||
	    coord_pad(&y, pt + 1 + COORD_LEN) == -1) {
		log_err("%s: coordinate longer than %d octets", __func__,
		    COORD_LEN);
		goto out;
	}
	ret = 1;
out:
	gnutls_free(x.data);
	gnutls_free(y.data);
	return ret;
}

/* RFC 7638 thumbprint of the P-256 point pt. 0, or -1. */
int
point_thumb(const unsigned char pt[POINT_LEN], char thumb[THUMB_LEN + 1])
{
	if (jwk_thumb_ec("P-256", pt + 1, COORD_LEN, pt + 1 + COORD_LEN,
	    COORD_LEN, thumb) == -1) {
		log_err("%s: jwk_thumb_ec failed", __func__);
		return -1;
	}
	return 0;
}

/* Key identifier, RFC 5280 4.2.1.2 method 1: SHA-1 of the contents of
 * the subjectPublicKey BIT STRING, which for EC is the point itself. */
int
point_ski(const unsigned char pt[POINT_LEN], unsigned char ski[SKI_LEN])
{
	int	 rc;

	if ((rc = gnutls_hash_fast(GNUTLS_DIG_SHA1, pt, POINT_LEN, ski)) < 0) {
		log_err("%s: gnutls_hash_fast: %s", __func__,
		    gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

/* A fresh serial number: random, top bit clear, not zero. */
int
serial_new(unsigned char s[SERIAL_LEN])
{
	size_t	 i;
	int	 rc;

	do {
		if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, s, SERIAL_LEN)) < 0) {
			log_err("%s: gnutls_rnd: %s", __func__,
			    gnutls_strerror(rc));
			return -1;
		}
		s[0] &= 0x7f;
		for (i = 0; i < SERIAL_LEN && s[i] == 0; i++)
			continue;
	} while (i == SERIAL_LEN);
	return 0;
}

/* Copy a GnuTLS datum into malloc'd memory. 0, or -1 (logged). */
int
datum_dup(const gnutls_datum_t *d, unsigned char **out, size_t *outlen)
{
	if ((*out = malloc(d->size > 0 ? d->size : 1)) == NULL) {
		log_err("%s: malloc", __func__);
		return -1;
	}
	memcpy(*out, d->data, d->size);
	*outlen = d->size;
	return 0;
}

/* Whether tn is 1 to TN_MAX digits. */
int
tn_digits(const char *tn)
{
	size_t	 i;

	for (i = 0; tn[i] != '\0'; i++)
		if (i >= TN_MAX || tn[i] < '0' || tn[i] > '9')
			return 0;
	return i > 0;
}

/*
 * The CA.
 */

/* Fill the fields of a self-signed CA certificate for key. */
static int
ca_fill(gnutls_x509_crt_t crt, gnutls_pubkey_t pub, const char *name)
{
	unsigned char	 serial[SERIAL_LEN], pt[POINT_LEN], ski[SKI_LEN];
	time_t		 now = time(NULL);
	int		 rc;

	if (ec_point(pub, pt) != 1 || point_ski(pt, ski) == -1 ||
	    serial_new(serial) == -1)
		return -1;
	if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, serial, SERIAL_LEN)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
	    0, name, (unsigned int)strlen(name))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt, now - 60)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt,
	    now + (time_t)CA_DAYS * 86400)) < 0 ||
	    (rc = gnutls_x509_crt_set_pubkey(crt, pub)) < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(crt, 1, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt,
	    GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_key_id(crt, ski, SKI_LEN)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

/* PEM of a self-signed CA certificate for key, in *pem (gnutls_free). */
static int
ca_selfsigned(gnutls_privkey_t key, const char *name, gnutls_datum_t *pem)
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_pubkey_t		 pub = NULL;
	int			 rc, ret = -1;

	if ((rc = gnutls_pubkey_init(&pub)) < 0 ||
	    (rc = gnutls_pubkey_import_privkey(pub, key, 0, 0)) < 0 ||
	    (rc = gnutls_x509_crt_init(&crt)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	if (ca_fill(crt, pub, name) == -1)
		goto out;
	if ((rc = gnutls_x509_crt_privkey_sign(crt, crt, key,
	    GNUTLS_DIG_SHA256, 0)) < 0 ||
	    (rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, pem)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	ret = 0;
out:
	gnutls_x509_crt_deinit(crt);
	gnutls_pubkey_deinit(pub);
	return ret;
}

/* Make a P-256 key and a self-signed certificate and write them. */
static int
ca_create(const char *keyfile, const char *certfile, const char *name)
{
	gnutls_x509_privkey_t	 xkey = NULL;
	gnutls_privkey_t	 key = NULL;
	gnutls_datum_t		 kpem = { NULL, 0 }, cpem = { NULL, 0 };
	int			 rc, ret = -1;

	if ((rc = gnutls_x509_privkey_init(&xkey)) < 0 ||
	    (rc = gnutls_x509_privkey_generate2(xkey, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0)) < 0 ||
	    (rc = gnutls_x509_privkey_export2_pkcs8(xkey, GNUTLS_X509_FMT_PEM,
	    NULL, GNUTLS_PKCS_PLAIN, &kpem)) < 0 ||
	    (rc = gnutls_privkey_init(&key)) < 0 ||
	    (rc = gnutls_privkey_import_x509(key, xkey,
	    GNUTLS_PRIVKEY_IMPORT_COPY)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	if (ca_selfsigned(key, name, &cpem) == -1)
		goto out;
	if (file_write(keyfile, kpem.data, kpem.size, 0600) == -1 ||
	    file_write(certfile, cpem.data, cpem.size, 0644) == -1)
		goto out;
	log_info("%s: created CA \"%s\" in %s and %s", __func__, name,
	    keyfile, certfile);
	ret = 0;
out:
	if (kpem.data != NULL)
		explicit_bzero(kpem.data, kpem.size);
	gnutls_free(kpem.data);
	gnutls_free(cpem.data);
	gnutls_privkey_deinit(key);
	gnutls_x509_privkey_deinit(xkey);
	return ret;
}

/* Read the PEM key of keyfile into ca->key. */
static int
ca_load_key(struct ca *ca, const char *keyfile)
{
	gnutls_datum_t	 pem = { NULL, 0 };
	int		 rc, ret = -1;

	if ((rc = gnutls_load_file(keyfile, &pem)) < 0 ||
	    (rc = gnutls_privkey_init(&ca->key)) < 0 ||
	    (rc = gnutls_privkey_import_x509_raw(ca->key, &pem,
	    GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		log_err("%s: %s: %s", __func__, keyfile, gnutls_strerror(rc));
		goto out;
	}
	ret = 0;
out:
	if (pem.data != NULL)
		explicit_bzero(pem.data, pem.size);
	gnutls_free(pem.data);
	return ret;
}

/* Read the PEM certificate of certfile into ca->crt and ca->der. */
static int
ca_load_cert(struct ca *ca, const char *certfile)
{
	gnutls_datum_t	 pem = { NULL, 0 }, der = { NULL, 0 };
	int		 rc, ret = -1;

	if ((rc = gnutls_load_file(certfile, &pem)) < 0 ||
	    (rc = gnutls_x509_crt_init(&ca->crt)) < 0 ||
	    (rc = gnutls_x509_crt_import(ca->crt, &pem,
	    GNUTLS_X509_FMT_PEM)) < 0 ||
	    (rc = gnutls_x509_crt_export2(ca->crt, GNUTLS_X509_FMT_DER,
	    &der)) < 0) {
		log_err("%s: %s: %s", __func__, certfile, gnutls_strerror(rc));
		goto out;
	}
	ret = datum_dup(&der, &ca->der, &ca->derlen);
out:
	gnutls_free(pem.data);
	gnutls_free(der.data);
	return ret;
}

/* Check that the key is P-256 and belongs to the certificate, which is
 * a CA; take the certificate's key identifier (or compute one). */
static int
ca_check_pair(struct ca *ca)
{
	gnutls_pubkey_t	 kpub = NULL, cpub = NULL;
	unsigned char	 kpt[POINT_LEN], cpt[POINT_LEN];
	unsigned int	 crit;
	size_t		 sz = sizeof(ca->ski);
	int		 rc, ret = -1;

	if ((rc = gnutls_pubkey_init(&kpub)) < 0 ||
	    (rc = gnutls_pubkey_import_privkey(kpub, ca->key, 0, 0)) < 0 ||
	    (rc = gnutls_pubkey_init(&cpub)) < 0 ||
	    (rc = gnutls_pubkey_import_x509(cpub, ca->crt, 0)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	if (ec_point(kpub, kpt) != 1 || ec_point(cpub, cpt) != 1) {
		log_err("%s: CA key is not EC P-256", __func__);
		goto out;
	}
	if (memcmp(kpt, cpt, POINT_LEN) != 0) {
		log_err("%s: CA key does not match the certificate", __func__);
		goto out;
	}
	if (gnutls_x509_crt_get_ca_status(ca->crt, &crit) <= 0) {
		log_err("%s: CA certificate is not a CA", __func__);
		goto out;
	}
	rc = gnutls_x509_crt_get_subject_key_id(ca->crt, ca->ski, &sz, &crit);
	if (rc >= 0 && sz > 0)
		ca->skilen = sz;
	else if (point_ski(cpt, ca->ski) == 0)
		ca->skilen = SKI_LEN;
	else
		goto out;
	ret = 0;
out:
	gnutls_pubkey_deinit(kpub);
	gnutls_pubkey_deinit(cpub);
	return ret;
}

/* Both files exist: 1; neither: 0; one of them or unknown: -1 (logged). */
static int
ca_files(const char *keyfile, const char *certfile)
{
	int	 k, c;

	if ((k = file_exists(keyfile)) == -1 ||
	    (c = file_exists(certfile)) == -1)
		return -1;
	if (k != c) {
		log_err("%s: %s %s but %s %s", __func__, keyfile,
		    k ? "exists" : "is missing", certfile,
		    c ? "exists" : "is missing");
		return -1;
	}
	return k;
}

struct ca *
ca_open(const char *keyfile, const char *certfile, const char *name,
    int create)
{
	struct ca	*ca;
	int		 have;

	if ((have = ca_files(keyfile, certfile)) == -1)
		return NULL;
	if (have == 0) {
		if (!create) {
			log_err("%s: %s and %s are missing", __func__,
			    keyfile, certfile);
			return NULL;
		}
		if (name == NULL || name[0] == '\0' ||
		    strlen(name) > CA_NAME_MAX) {
			log_err("%s: CA name must be 1-%d characters",
			    __func__, CA_NAME_MAX);
			return NULL;
		}
		if (ca_create(keyfile, certfile, name) == -1)
			return NULL;
	}
	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		log_err("%s: calloc", __func__);
		return NULL;
	}
	if (ca_load_key(ca, keyfile) == -1 ||
	    ca_load_cert(ca, certfile) == -1 || ca_check_pair(ca) == -1) {
		ca_free(ca);
		return NULL;
	}
	return ca;
}

void
ca_free(struct ca *ca)
{
	if (ca == NULL)
		return;
	gnutls_privkey_deinit(ca->key);
	gnutls_x509_crt_deinit(ca->crt);
	free(ca->der);
	explicit_bzero(ca, sizeof(*ca));
	free(ca);
}

const unsigned char *
ca_cert_der(struct ca *ca, size_t *len)
{
	*len = ca->derlen;
	return ca->der;
}

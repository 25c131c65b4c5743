/* The certificate authority through GnuTLS: CSR checks (PROTOCOL.md 7.5),
 * certificates (PROTOCOL.md 9), revocation lookups and CRLs (RFC 5280). */
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
#include "jwk.h"
#include "log.h"
#include "problem.h"
#include "tnauthlist.h"
#include "x509.h"

#define CA_DAYS		3653		/* ten years */
#define CA_NAME_MAX	64		/* ub-common-name, RFC 5280 A.1 */
#define COORD_LEN	32		/* P-256 field element */
#define POINT_LEN	(1 + 2 * COORD_LEN)	/* 04 || x || y */
#define SKI_LEN		20		/* SHA-1 */
#define SKI_MAX		64
#define OID_SAN		"2.5.29.17"

struct ca {
	gnutls_x509_crt_t	 crt;
	gnutls_privkey_t	 key;
	unsigned char		*der;
	size_t			 derlen;
	unsigned char		 ski[SKI_MAX];
	size_t			 skilen;
};

static enum prob	 csr_fail(char *, size_t, const char *, ...)
			    __attribute__((format(printf, 3, 4)));

/*
 * Keys and identifiers.
 */

/* Left-pad the big-endian value d to exactly COORD_LEN octets. */
static int
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
static int
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
static int
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
static int
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
static int
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
static int
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
static int
tn_digits(const char *tn)
{
	size_t	 i;

	for (i = 0; tn[i] != '\0'; i++)
		if (i >= TN_MAX || tn[i] < '0' || tn[i] > '9')
			return 0;
	return i > 0;
}

/*
 * Files.
 */

/* 1 when path exists, 0 when it does not, -1 (logged) when unknown. */
static int
file_exists(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	log_err("%s: %s: %s", __func__, path, strerror(errno));
	return -1;
}

/* Flush the directory holding path, so a rename into it is durable. */
static void
dir_sync(const char *path)
{
	char	 buf[PATH_MAX];
	int	 fd;

	if (strlen(path) >= sizeof(buf))
		return;
	strcpy(buf, path);
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY)) == -1)
		return;
	if (fsync(fd) == -1)
		log_warn("%s: %s: %s", __func__, path, strerror(errno));
	close(fd);
}

/* Write len octets to fd. 0, or -1 with errno set. */
static int
write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replace path with buf (len octets) of the given mode: a temporary file
 * in the same directory, flushed, then renamed. 0, or -1 (logged). */
static int
file_write(const char *path, const unsigned char *buf, size_t len,
    mode_t mode)
{
	char	 tmp[PATH_MAX];
	int	 fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		log_err("%s: %s: path too long", __func__, path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_err("%s: mkstemp %s: %s", __func__, tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1 || write_all(fd, buf, len) == -1 ||
	    fsync(fd) == -1) {
		log_err("%s: %s: %s", __func__, tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		log_err("%s: %s: %s", __func__, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	dir_sync(path);
	return 0;
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

/*
 * CSR checks.
 */

/* Write the client-safe reason and return PROB_BAD_CSR. */
static enum prob
csr_fail(char *detail, size_t detailsz, const char *fmt, ...)
{
	va_list	 ap;

	if (detail != NULL && detailsz > 0) {
		va_start(ap, fmt);
		vsnprintf(detail, detailsz, fmt, ap);
		va_end(ap);
	}
	return PROB_BAD_CSR;
}

/* Signature algorithm and self-signature. */
static enum prob
csr_check_sig(gnutls_x509_crq_t crq, char *detail, size_t detailsz)
{
	int	 alg;

	alg = gnutls_x509_crq_get_signature_algorithm(crq);
	if (alg != GNUTLS_SIGN_ECDSA_SHA256 &&
	    alg != GNUTLS_SIGN_ECDSA_SHA384 &&
	    alg != GNUTLS_SIGN_ECDSA_SHA512)
		return csr_fail(detail, detailsz, "CSR must be signed with "
		    "ECDSA and SHA-256, SHA-384 or SHA-512");
	if (gnutls_x509_crq_verify(crq, 0) < 0)
		return csr_fail(detail, detailsz, "CSR signature does not "
		    "verify with its public key");
	return PROB_NONE;
}

/* The key must be EC P-256; its thumbprint goes to thumb. */
static enum prob
csr_check_key(gnutls_x509_crq_t crq, char thumb[THUMB_LEN + 1],
    char *detail, size_t detailsz)
{
	gnutls_pubkey_t	 pub = NULL;
	unsigned char	 pt[POINT_LEN];
	enum prob	 p = PROB_SERVER_INTERNAL;
	int		 rc;

	if ((rc = gnutls_pubkey_init(&pub)) < 0) {
		log_err("%s: gnutls_pubkey_init: %s", __func__,
		    gnutls_strerror(rc));
		goto out;
	}
	if (gnutls_pubkey_import_x509_crq(pub, crq, 0) < 0) {
		p = csr_fail(detail, detailsz, "CSR public key could not be "
		    "read");
		goto out;
	}
	if ((rc = ec_point(pub, pt)) == 0)
		p = csr_fail(detail, detailsz, "CSR public key must be EC "
		    "P-256");
	else if (rc == 1 && point_thumb(pt, thumb) == 0)
		p = PROB_NONE;
out:
	gnutls_pubkey_deinit(pub);
	return p;
}

/* Exactly one TNAuthList extension, with extnValue equal to tnder. */
static enum prob
csr_check_tn(gnutls_x509_crq_t crq, const unsigned char *tnder,
    size_t tnlen, char *detail, size_t detailsz)
{
	gnutls_datum_t	 ext = { NULL, 0 };
	unsigned int	 crit;
	enum prob	 p = PROB_NONE;
	int		 rc;

	rc = gnutls_x509_crq_get_extension_by_oid2(crq, TNAUTHLIST_OID, 0,
	    &ext, &crit);
	if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return csr_fail(detail, detailsz, "CSR does not request a "
		    "TNAuthList extension");
	if (rc < 0)
		return csr_fail(detail, detailsz, "CSR extension request "
		    "could not be decoded");
	if (ext.size != tnlen || memcmp(ext.data, tnder, tnlen) != 0)
		p = csr_fail(detail, detailsz, "CSR TNAuthList extension "
		    "differs from the order's identifier");
	gnutls_free(ext.data);
	if (p != PROB_NONE)
		return p;
	rc = gnutls_x509_crq_get_extension_by_oid2(crq, TNAUTHLIST_OID, 1,
	    &ext, &crit);
	if (rc != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
		if (rc >= 0)
			gnutls_free(ext.data);
		return csr_fail(detail, detailsz, "CSR requests more than "
		    "one TNAuthList extension");
	}
	return PROB_NONE;
}

/* No subjectAltName; basicConstraints absent or cA FALSE. */
static enum prob
csr_check_other(gnutls_x509_crq_t crq, char *detail, size_t detailsz)
{
	gnutls_datum_t	 ext = { NULL, 0 };
	unsigned int	 crit, ca;
	int		 rc, pathlen;

	rc = gnutls_x509_crq_get_extension_by_oid2(crq, OID_SAN, 0, &ext,
	    &crit);
	if (rc != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
		if (rc >= 0)
			gnutls_free(ext.data);
		return csr_fail(detail, detailsz, "CSR requests a "
		    "subjectAltName; only the TNAuthList identifier is "
		    "allowed");
	}
	rc = gnutls_x509_crq_get_basic_constraints(crq, &crit, &ca, &pathlen);
	if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return PROB_NONE;
	if (rc < 0)
		return csr_fail(detail, detailsz, "CSR basicConstraints "
		    "could not be decoded");
	if (rc > 0 || ca != 0)
		return csr_fail(detail, detailsz, "CSR asks for a CA "
		    "certificate");
	return PROB_NONE;
}

enum prob
x509_csr_check(const unsigned char *der, size_t len,
    const unsigned char *tnder, size_t tnlen, char thumb[THUMB_LEN + 1],
    char *detail, size_t detailsz)
{
	gnutls_x509_crq_t	 crq = NULL;
	gnutls_datum_t		 d;
	enum prob		 p;
	int			 rc;

	thumb[0] = '\0';
	if (len == 0 || len > CSR_DER_MAX)
		return csr_fail(detail, detailsz, "CSR must be 1 to %d "
		    "octets of DER", CSR_DER_MAX);
	if ((rc = gnutls_x509_crq_init(&crq)) < 0) {
		log_err("%s: gnutls_x509_crq_init: %s", __func__,
		    gnutls_strerror(rc));
		return PROB_SERVER_INTERNAL;
	}
	d.data = (unsigned char *)der;
	d.size = (unsigned int)len;
	if (gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER) < 0)
		p = csr_fail(detail, detailsz, "CSR is not a DER PKCS#10 "
		    "certification request");
	else if ((p = csr_check_sig(crq, detail, detailsz)) == PROB_NONE &&
	    (p = csr_check_key(crq, thumb, detail, detailsz)) == PROB_NONE &&
	    (p = csr_check_tn(crq, tnder, tnlen, detail, detailsz)) ==
	    PROB_NONE)
		p = csr_check_other(crq, detail, detailsz);
	if (p != PROB_NONE)
		thumb[0] = '\0';
	gnutls_x509_crq_deinit(crq);
	return p;
}

/*
 * Issuance.
 */

/* The public key of the request and its key identifier. */
static int
issue_key(const unsigned char *csr, size_t csrlen, gnutls_pubkey_t pub,
    unsigned char ski[SKI_LEN])
{
	gnutls_x509_crq_t	 crq = NULL;
	gnutls_datum_t		 d;
	unsigned char		 pt[POINT_LEN];
	int			 rc, ret = -1;

	d.data = (unsigned char *)csr;
	d.size = (unsigned int)csrlen;
	if ((rc = gnutls_x509_crq_init(&crq)) < 0 ||
	    (rc = gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER)) < 0 ||
	    (rc = gnutls_pubkey_import_x509_crq(pub, crq, 0)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	if (ec_point(pub, pt) != 1) {
		log_err("%s: CSR key is not EC P-256", __func__);
		goto out;
	}
	ret = point_ski(pt, ski);
out:
	gnutls_x509_crq_deinit(crq);
	return ret;
}

/* Version, serial, subject, validity and key. */
static int
issue_fill(gnutls_x509_crt_t crt, gnutls_pubkey_t pub, const struct issue *is,
    const unsigned char serial[SERIAL_LEN])
{
	int	 rc;

	if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, serial, SERIAL_LEN)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
	    0, is->tn, (unsigned int)strlen(is->tn))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt,
	    is->not_before)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt,
	    is->not_after)) < 0 ||
	    (rc = gnutls_x509_crt_set_pubkey(crt, pub)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

/* The extensions of PROTOCOL.md 9. */
static int
issue_ext(struct ca *ca, gnutls_x509_crt_t crt, const struct issue *is,
    const unsigned char ski[SKI_LEN])
{
	int	 rc;

	if ((rc = gnutls_x509_crt_set_extension_by_oid(crt, TNAUTHLIST_OID,
	    is->tnder, is->tnlen, 0)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt,
	    GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_key_id(crt, ski, SKI_LEN)) < 0 ||
	    (rc = gnutls_x509_crt_set_authority_key_id(crt, ca->ski,
	    ca->skilen)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		return -1;
	}
	if (is->crl_url != NULL &&
	    (rc = gnutls_x509_crt_set_crl_dist_points2(crt, GNUTLS_SAN_URI,
	    is->crl_url, (unsigned int)strlen(is->crl_url), 0)) < 0) {
		log_err("%s: crl_dist_points: %s", __func__,
		    gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

/* Whether the issuance parameters are sane; logs when not. */
static int
issue_valid(const unsigned char *csr, size_t csrlen, const struct issue *is)
{
	if (csr == NULL || csrlen == 0 || csrlen > CSR_DER_MAX ||
	    is->tn == NULL || !tn_digits(is->tn) || is->tnder == NULL ||
	    is->tnlen == 0 || is->tnlen > TNAUTHLIST_DER_MAX ||
	    is->not_after <= is->not_before) {
		log_err("%s: bad issuance parameters", __func__);
		return 0;
	}
	return 1;
}

int
ca_issue(struct ca *ca, const unsigned char *csr, size_t csrlen,
    const struct issue *is, unsigned char **der, size_t *derlen,
    unsigned char serial[SERIAL_LEN])
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_pubkey_t		 pub = NULL;
	gnutls_datum_t		 out = { NULL, 0 };
	unsigned char		 ski[SKI_LEN];
	int			 rc, ret = -1;

	*der = NULL;
	*derlen = 0;
	if (!issue_valid(csr, csrlen, is))
		return -1;
	if ((rc = gnutls_pubkey_init(&pub)) < 0 ||
	    (rc = gnutls_x509_crt_init(&crt)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	if (issue_key(csr, csrlen, pub, ski) == -1 ||
	    serial_new(serial) == -1 ||
	    issue_fill(crt, pub, is, serial) == -1 ||
	    issue_ext(ca, crt, is, ski) == -1)
		goto out;
	if ((rc = gnutls_x509_crt_privkey_sign(crt, ca->crt, ca->key,
	    GNUTLS_DIG_SHA256, 0)) < 0 ||
	    (rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER,
	    &out)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	ret = datum_dup(&out, der, derlen);
out:
	gnutls_free(out.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_pubkey_deinit(pub);
	return ret;
}

/*
 * Revocation.
 */

/* Serial of crt, left-padded; 0 when it cannot be one of ours. */
static int
cert_serial(gnutls_x509_crt_t crt, unsigned char serial[SERIAL_LEN])
{
	unsigned char	 buf[64];
	size_t		 sz = sizeof(buf), skip = 0;

	if (gnutls_x509_crt_get_serial(crt, buf, &sz) < 0)
		return 0;
	while (skip < sz && buf[skip] == 0)
		skip++;
	if (sz - skip > SERIAL_LEN || sz == skip)
		return 0;
	memset(serial, 0, SERIAL_LEN);
	memcpy(serial + SERIAL_LEN - (sz - skip), buf + skip, sz - skip);
	return 1;
}

/* Whether crt was issued by the CA: signature, issuer, not a CA. */
static int
cert_ours(struct ca *ca, gnutls_x509_crt_t crt)
{
	unsigned int	 status, crit;

	if (gnutls_x509_crt_verify(crt, &ca->crt, 1,
	    GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
	    GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS, &status) < 0 ||
	    status != 0)
		return 0;
	if (gnutls_x509_crt_get_ca_status(crt, &crit) > 0 ||
	    gnutls_x509_crt_equals(crt, ca->crt))
		return 0;
	return 1;
}

/* Serial and thumbprint of a certificate the CA issued. */
static enum prob
cert_ids(gnutls_x509_crt_t crt, unsigned char serial[SERIAL_LEN],
    char thumb[THUMB_LEN + 1])
{
	gnutls_pubkey_t	 pub = NULL;
	unsigned char	 pt[POINT_LEN];
	enum prob	 p = PROB_SERVER_INTERNAL;
	int		 rc;

	if (!cert_serial(crt, serial))
		return PROB_NOT_FOUND;
	if ((rc = gnutls_pubkey_init(&pub)) < 0 ||
	    (rc = gnutls_pubkey_import_x509(pub, crt, 0)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	if ((rc = ec_point(pub, pt)) == 0)
		p = PROB_NOT_FOUND;
	else if (rc == 1 && point_thumb(pt, thumb) == 0)
		p = PROB_NONE;
out:
	gnutls_pubkey_deinit(pub);
	return p;
}

enum prob
ca_cert_check(struct ca *ca, const unsigned char *der, size_t len,
    unsigned char serial[SERIAL_LEN], char thumb[THUMB_LEN + 1])
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_datum_t		 d;
	enum prob		 p;
	int			 rc;

	memset(serial, 0, SERIAL_LEN);
	thumb[0] = '\0';
	if (len == 0 || len > CERT_DER_MAX)
		return PROB_MALFORMED;
	if ((rc = gnutls_x509_crt_init(&crt)) < 0) {
		log_err("%s: gnutls_x509_crt_init: %s", __func__,
		    gnutls_strerror(rc));
		return PROB_SERVER_INTERNAL;
	}
	d.data = (unsigned char *)der;
	d.size = (unsigned int)len;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0)
		p = PROB_MALFORMED;
	else if (!cert_ours(ca, crt))
		p = PROB_NOT_FOUND;
	else
		p = cert_ids(crt, serial, thumb);
	if (p != PROB_NONE) {
		memset(serial, 0, SERIAL_LEN);
		thumb[0] = '\0';
	}
	gnutls_x509_crt_deinit(crt);
	return p;
}

/* The entries, number, dates and AKI of a CRL, signed. */
static int
crl_fill(struct ca *ca, gnutls_x509_crl_t crl, const struct revoked *r,
    size_t n, unsigned long number, time_t this_update, time_t next_update)
{
	unsigned char	 s[1 + SERIAL_LEN], num[1 + sizeof(number)];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(number); i++)
		num[sizeof(num) - 1 - i] = (unsigned char)(number >> (8 * i));
	num[0] = 0;
	s[0] = 0;	/* keep every serial a positive INTEGER */
	if ((rc = gnutls_x509_crl_set_version(crl, 2)) < 0 ||
	    (rc = gnutls_x509_crl_set_this_update(crl, this_update)) < 0 ||
	    (rc = gnutls_x509_crl_set_next_update(crl, next_update)) < 0 ||
	    (rc = gnutls_x509_crl_set_number(crl, num, sizeof(num))) < 0 ||
	    (rc = gnutls_x509_crl_set_authority_key_id(crl, ca->ski,
	    ca->skilen)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		return -1;
	}
	for (i = 0; i < n; i++) {
		memcpy(s + 1, r[i].serial, SERIAL_LEN);
		if ((rc = gnutls_x509_crl_set_crt_serial(crl, s, sizeof(s),
		    r[i].when)) < 0) {
			log_err("%s: gnutls_x509_crl_set_crt_serial: %s",
			    __func__, gnutls_strerror(rc));
			return -1;
		}
	}
	if ((rc = gnutls_x509_crl_privkey_sign(crl, ca->crt, ca->key,
	    GNUTLS_DIG_SHA256, 0)) < 0) {
		log_err("%s: gnutls_x509_crl_privkey_sign: %s", __func__,
		    gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

/* Add the reasonCode entry extensions to crl and sign it again. */
static int
crl_reasons(struct ca *ca, const gnutls_datum_t *crl, const struct revoked *r,
    size_t n, unsigned char **der, size_t *derlen)
{
	unsigned char	*tbs = NULL;
	size_t		 tbslen;
	gnutls_datum_t	 t, sig = { NULL, 0 };
	int		 rc, ret = -1;

	if (crlasn_add_reasons(crl->data, crl->size, r, n, &tbs,
	    &tbslen) == -1)
		goto out;
	t.data = tbs;
	t.size = (unsigned int)tbslen;
	if ((rc = gnutls_privkey_sign_data2(ca->key, GNUTLS_SIGN_ECDSA_SHA256,
	    0, &t, &sig)) < 0) {
		log_err("%s: gnutls_privkey_sign_data2: %s", __func__,
		    gnutls_strerror(rc));
		goto out;
	}
	ret = crlasn_resign(crl->data, crl->size, tbs, tbslen, sig.data,
	    sig.size, der, derlen);
out:
	gnutls_free(sig.data);
	free(tbs);
	return ret;
}

int
ca_crl(struct ca *ca, const struct revoked *r, size_t n,
    unsigned long number, time_t this_update, time_t next_update,
    unsigned char **der, size_t *derlen)
{
	gnutls_x509_crl_t	 crl = NULL;
	gnutls_datum_t		 out = { NULL, 0 };
	size_t			 i;
	int			 rc, reasons = 0, ret = -1;

	*der = NULL;
	*derlen = 0;
	for (i = 0; i < n; i++)
		if (r[i].reason >= 0)
			reasons = 1;
	if ((rc = gnutls_x509_crl_init(&crl)) < 0) {
		log_err("%s: gnutls_x509_crl_init: %s", __func__,
		    gnutls_strerror(rc));
		goto out;
	}
	if (crl_fill(ca, crl, r, n, number, this_update, next_update) == -1)
		goto out;
	if ((rc = gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER,
	    &out)) < 0) {
		log_err("%s: gnutls_x509_crl_export2: %s", __func__,
		    gnutls_strerror(rc));
		goto out;
	}
	if (reasons)
		ret = crl_reasons(ca, &out, r, n, der, derlen);
	else
		ret = datum_dup(&out, der, derlen);
out:
	gnutls_free(out.data);
	gnutls_x509_crl_deinit(crl);
	return ret;
}

/*
 * The chain.
 */

char *
ca_chain_pem(struct ca *ca, const unsigned char *der, size_t len)
{
	gnutls_datum_t	 leaf, a = { NULL, 0 }, b = { NULL, 0 }, cd;
	char		*pem = NULL;
	int		 rc;

	if (len == 0 || len > CERT_DER_MAX) {
		log_err("%s: certificate of %zu octets", __func__, len);
		return NULL;
	}
	leaf.data = (unsigned char *)der;
	leaf.size = (unsigned int)len;
	cd.data = ca->der;
	cd.size = (unsigned int)ca->derlen;
	if ((rc = gnutls_pem_base64_encode2("CERTIFICATE", &leaf, &a)) < 0 ||
	    (rc = gnutls_pem_base64_encode2("CERTIFICATE", &cd, &b)) < 0) {
		log_err("%s: gnutls_pem_base64_encode2: %s", __func__,
		    gnutls_strerror(rc));
		goto out;
	}
	if ((pem = malloc((size_t)a.size + b.size + 1)) == NULL) {
		log_err("%s: malloc", __func__);
		goto out;
	}
	memcpy(pem, a.data, a.size);
	memcpy(pem + a.size, b.data, b.size);
	pem[a.size + b.size] = '\0';
out:
	gnutls_free(a.data);
	gnutls_free(b.data);
	return pem;
}

/* The TNAuthList number of a parsed certificate, or "" when it has none
 * of the project's profile. */
static void
x509_crt_tn(gnutls_x509_crt_t crt, char tn[TN_MAX + 1])
{
	unsigned char	 ext[TNAUTHLIST_DER_MAX];
	size_t		 len = sizeof(ext);
	char		 detail[DETAIL_MAX];

	tn[0] = '\0';
	if (gnutls_x509_crt_get_extension_by_oid(crt, TNAUTHLIST_OID, 0, ext,
	    &len, NULL) < 0 || tnauthlist_parse(ext, len, tn, detail,
	    sizeof(detail)) != PROB_NONE)
		tn[0] = '\0';
}

int
x509_cert_info(const unsigned char *der, size_t len, char tn[TN_MAX + 1],
    char *subject, size_t subjectsz, time_t *not_after)
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_datum_t		 d = { (unsigned char *)der, (unsigned)len };
	gnutls_datum_t		 dn = { NULL, 0 };
	int			 rc = -1;

	if (len == 0 || len > CERT_DER_MAX ||
	    gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn3(crt, &dn, 0) < 0 ||
	    (*not_after = gnutls_x509_crt_get_expiration_time(crt)) ==
	    (time_t)-1)
		goto out;
	snprintf(subject, subjectsz, "%.*s", (int)dn.size, (char *)dn.data);
	x509_crt_tn(crt, tn);
	rc = 0;
out:
	gnutls_free(dn.data);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

/* Issuance (PROTOCOL.md 9) and the chain a client downloads. */
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
#include "config.h"
#include "file.h"
#include "jwk.h"
#include "log.h"
#include "problem.h"
#include "tnauthlist.h"
#include "x509.h"



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

/* The keyUsage bits of a profile's KU_* set (config.h). */
static unsigned
issue_usage(unsigned ku)
{
	unsigned	 u = 0;

	if (ku == 0 || (ku & KU_DIGITAL_SIGNATURE))
		u |= GNUTLS_KEY_DIGITAL_SIGNATURE;
	if (ku & KU_NON_REPUDIATION)
		u |= GNUTLS_KEY_NON_REPUDIATION;
	if (ku & KU_KEY_AGREEMENT)
		u |= GNUTLS_KEY_KEY_AGREEMENT;
	return u;
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
	    issue_usage(is->key_usage))) < 0 ||
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

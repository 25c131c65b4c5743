/* CSR checks (PROTOCOL.md 7.5). */
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


static enum prob	 csr_fail(char *, size_t, const char *, ...)
			    __attribute__((format(printf, 3, 4)));


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

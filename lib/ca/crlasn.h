/* CRL rewriting through libtasn1: reasonCode entry extensions (RFC 5280
 * 5.3.1), which GnuTLS does not write. Used by x509.c only. */
#ifndef CRLASN_H
#define CRLASN_H
#include <stddef.h>

#include "x509.h"

/* Take the tbsCertList of crl (DER, crllen octets, made by GnuTLS from r
 * in the same order) and add to entry i a reasonCode extension when
 * r[i].reason >= 0. *tbs (*tbslen octets) is the new tbsCertList to be
 * signed, malloc'd; the caller frees it. Returns 0, or -1 (logged) when
 * the entries do not match r, a reason is not a CRLReason or libtasn1
 * fails. */
int	crlasn_add_reasons(const unsigned char *crl, size_t crllen,
	    const struct revoked *r, size_t n, unsigned char **tbs,
	    size_t *tbslen);

/* Put tbs and its signature sig (DER ECDSA-Sig-Value) into crl, keeping
 * its signatureAlgorithm. *out (*outlen octets) is malloc'd; the caller
 * frees it. Returns 0, or -1 (logged). */
int	crlasn_resign(const unsigned char *crl, size_t crllen,
	    const unsigned char *tbs, size_t tbslen, const unsigned char *sig,
	    size_t siglen, unsigned char **out, size_t *outlen);

#endif

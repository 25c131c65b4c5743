/* The certificate authority: CSR checks (PROTOCOL.md 7.5), certificates
 * (PROTOCOL.md 9), revocation lookups and CRLs (RFC 5280). */
#ifndef X509_H
#define X509_H
#include <stddef.h>
#include <time.h>

#include "bounds.h"
#include "problem.h"

struct ca;

/* What ca_issue needs besides the CSR; the caller computes the times. */
struct issue {
	const char		*tn;		/* subject CN, 1-15 digits */
	const unsigned char	*tnder;		/* TNAuthList DER, copied */
	size_t			 tnlen;
	time_t			 not_before;
	time_t			 not_after;
	const char		*crl_url;	/* NULL: no CRL DP */
	unsigned		 key_usage;	/* KU_* of config.h; 0:
						   digitalSignature */
};

/* One CRL entry; reason is a CRLReason (RFC 5280 5.3.1) or -1. */
struct revoked {
	unsigned char	 serial[SERIAL_LEN];
	time_t		 when;
	int		 reason;
};

/* Load the CA key and certificate (PEM) from keyfile and certfile. When
 * neither file exists and create is non-zero, make a P-256 key (mode
 * 0600) and a self-signed CA certificate for CN=name, valid 10 years,
 * write both (each through a temporary file) and load them. The key must
 * be EC P-256 and match the certificate, which must be a CA. Returns the
 * CA (release with ca_free), or NULL (logged). */
struct ca		*ca_open(const char *keyfile, const char *certfile,
			    const char *name, int create);

/* Release a CA, wiping its key. Accepts NULL. */
void			 ca_free(struct ca *);

/* DER of the CA certificate, *len octets; borrowed, lives as long as the
 * CA. */
const unsigned char	*ca_cert_der(struct ca *, size_t *len);

/* Check a PKCS#10 request (DER, len octets, at most CSR_DER_MAX) for
 * finalize, PROTOCOL.md 7.5: self-signature by ECDSA with SHA-256/384/512,
 * an EC P-256 key, an extensionRequest holding a TNAuthList extension
 * whose extnValue is byte for byte tnder (tnlen octets), no
 * subjectAltName, basicConstraints absent or cA FALSE. On success fills
 * thumb with the RFC 7638 thumbprint of the request's key, so the caller
 * can refuse an account key. Returns PROB_NONE, PROB_BAD_CSR with a
 * client-safe reason in detail (detailsz octets, may be NULL), or
 * PROB_SERVER_INTERNAL (logged). */
enum prob		 x509_csr_check(const unsigned char *der, size_t len,
			    const unsigned char *tnder, size_t tnlen,
			    char thumb[THUMB_LEN + 1], char *detail,
			    size_t detailsz);

/* Issue the certificate of PROTOCOL.md 9 for the key of csr (DER,
 * csrlen octets, which x509_csr_check has accepted). On success *der
 * (*derlen octets) is the certificate, malloc'd, which the caller frees,
 * and serial holds its serial number. Returns 0, or -1 (logged). */
int			 ca_issue(struct ca *, const unsigned char *csr,
			    size_t csrlen, const struct issue *,
			    unsigned char **der, size_t *derlen,
			    unsigned char serial[SERIAL_LEN]);

/* Identify a certificate handed in for revocation (DER, len octets).
 * Returns PROB_NONE and fills serial (left-padded with zeros) and the
 * RFC 7638 thumbprint of its P-256 key; PROB_MALFORMED when it does not
 * parse; PROB_NOT_FOUND when this CA did not issue it (its signature does
 * not verify with the CA key, or it is a CA certificate);
 * PROB_SERVER_INTERNAL (logged). Validity dates are not checked. */
enum prob		 ca_cert_check(struct ca *, const unsigned char *der,
			    size_t len, unsigned char serial[SERIAL_LEN],
			    char thumb[THUMB_LEN + 1]);

/* A version 2 CRL signed by the CA (ECDSA with SHA-256) listing the n
 * entries of r, with a CRL number, an authorityKeyIdentifier and a
 * reasonCode entry extension where reason >= 0 (0-10 but 7). *der
 * (*derlen octets) is malloc'd; the caller frees it. Returns 0, or -1
 * (logged). */
int			 ca_crl(struct ca *, const struct revoked *r, size_t n,
			    unsigned long number, time_t this_update,
			    time_t next_update, unsigned char **der,
			    size_t *derlen);

/* The chain for the certificate URL (RFC 8555 7.4.2): strict RFC 7468
 * PEM of the certificate der (len octets), then of the CA certificate.
 * Returns a malloc'd NUL-terminated string the caller frees, or NULL
 * (logged). */
char			*ca_chain_pem(struct ca *, const unsigned char *der,
			    size_t len);

/* The authorityKeyIdentifier keyIdentifier (*akilen octets) and the
 * serial's content octets (*seriallen) of a certificate (DER, len
 * octets), for the ARI certID (RFC 9773 4.1). 0, or -1 (logged). */
int			 x509_cert_ids(const unsigned char *der, size_t len,
			    unsigned char aki[AKI_MAX], size_t *akilen,
			    unsigned char serial[CERT_SERIAL_MAX],
			    size_t *seriallen);

#endif

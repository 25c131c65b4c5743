/* What a certificate says, for the platform side. */
#ifndef CERTINFO_H
#define CERTINFO_H
#include <stddef.h>
#include <time.h>

#include "bounds.h"

/* The TNAuthList number (or "" when it has none of our profile), the
 * subject DN (truncated to subjectsz) and notAfter of a DER certificate.
 * 0, or -1 when it does not parse. */
int	 certinfo_read(const unsigned char *der, size_t len,
	    char tn[TN_MAX + 1], char *subject, size_t subjectsz,
	    time_t *not_after);

/* The ARI certID (RFC 9773 4.1) of a DER certificate: base64url of its
 * authorityKeyIdentifier keyIdentifier, ".", base64url of its serial's
 * content octets, into out (outsz octets). 0, or -1. */
int	 certinfo_certid(const unsigned char *der, size_t len, char *out,
	    size_t outsz);

#endif

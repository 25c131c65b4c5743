/* What the files of the CA layer share: the CA's state and the key and
 * identifier helpers (x509.c). Not for other layers. */
#ifndef CA_CAINT_H
#define CA_CAINT_H
#include <stddef.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "bounds.h"

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

/* Left-pad the big-endian value d to exactly COORD_LEN octets. */
int	coord_pad(const gnutls_datum_t *, unsigned char[COORD_LEN]);
/* The uncompressed P-256 point of pub; -1 for other keys. */
int	ec_point(gnutls_pubkey_t, unsigned char[POINT_LEN]);
/* RFC 7638 thumbprint of a P-256 point. */
int	point_thumb(const unsigned char[POINT_LEN], char[THUMB_LEN + 1]);
/* Subject key identifier (SHA-1 of the point, RFC 5280 4.2.1.2). */
int	point_ski(const unsigned char[POINT_LEN], unsigned char[SKI_LEN]);
/* A fresh random serial, positive, top bit clear. */
int	serial_new(unsigned char[SERIAL_LEN]);
/* Copy a GnuTLS datum into a malloc'd buffer. */
int	datum_dup(const gnutls_datum_t *, unsigned char **, size_t *);
/* Whether tn is 1-15 digits. */
int	tn_digits(const char *);

#endif

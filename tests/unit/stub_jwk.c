/* Test stand-in for jwk_thumb_ec (RFC 7638), EC keys only. */
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "b64url.h"
#include "jwk.h"

int
jwk_thumb_ec(const char *crv, const unsigned char *x, size_t xlen,
    const unsigned char *y, size_t ylen, char out[THUMB_LEN + 1])
{
	char		 bx[100], by[100], json[300];
	unsigned char	 h[32];
	int		 n;

	if (b64url_encode(x, xlen, bx, sizeof(bx)) == 0 ||
	    b64url_encode(y, ylen, by, sizeof(by)) == 0)
		return -1;
	n = snprintf(json, sizeof(json),
	    "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
	    crv, bx, by);
	if (n < 0 || (size_t)n >= sizeof(json))
		return -1;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, json, (size_t)n, h) < 0)
		return -1;
	return b64url_encode(h, sizeof(h), out, THUMB_LEN + 1) ==
	    THUMB_LEN ? 0 : -1;
}

/* libFuzzer target: the ARI certID of renewalInfo URLs and of newOrder's
 * replaces (renewal_certid_parse, lib/acme/acme_renewal.c). An accepted
 * certID splits at its one dot into two canonical base64url parts that
 * encode back to exactly the input, with a positive serial. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme.h"
#include "b64url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 aki[AKI_MAX], ser[CERT_SERIAL_MAX], key[SERIAL_LEN];
	char		 back[CERTID_MAX * 2];
	size_t		 al, sl, n;

	if (renewal_certid_parse((const char *)data, size, aki, &al, ser,
	    &sl) == -1)
		return 0;
	if (al == 0 || al > AKI_MAX || sl == 0 || sl > CERT_SERIAL_MAX ||
	    (ser[0] & 0x80))
		abort();
	n = b64url_encode(aki, al, back, sizeof(back));
	back[n++] = '.';
	n += b64url_encode(ser, sl, back + n, sizeof(back) - n);
	if (n != size || memcmp(back, data, size) != 0)
		abort();
	if (renewal_serial_key(ser, sl, key) == 0 && sl <= SERIAL_LEN &&
	    memcmp(key + SERIAL_LEN - sl, ser, sl) != 0)
		abort();
	return 0;
}

/* libFuzzer target: strict base64url (b64url_decode, b64url_valid,
 * b64url_decode_alloc) on the input as text, and b64url_encode of the
 * input as octets. Decoding is canonical: what decodes re-encodes to the
 * same text, and encoding round-trips. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX	(64 * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 dec[FUZZ_MAX], back[FUZZ_MAX];
	static char		 enc[B64URL_LEN(FUZZ_MAX) + 1];
	unsigned char		*a = NULL;
	ssize_t			 n, m;
	size_t			 e;

	if (size > FUZZ_MAX)
		return 0;
	/* The input as base64url text. */
	n = b64url_decode((const char *)data, size, dec, sizeof(dec));
	if (size > 0 && (n >= 0) != b64url_valid((const char *)data, size))
		abort();
	m = b64url_decode_alloc((const char *)data, size, &a);
	if (m != n || (m >= 0) != (a != NULL))
		abort();
	if (n >= 0) {
		if (memcmp(a, dec, (size_t)n) != 0 || a[n] != '\0')
			abort();
		e = b64url_encode(dec, (size_t)n, enc, sizeof(enc));
		if (e != size || memcmp(enc, data, size) != 0)
			abort();
	}
	free(a);
	/* A decode into one octet too few is refused, never cut. */
	if (n > 0 && b64url_decode((const char *)data, size, dec,
	    (size_t)n - 1) != -1)
		abort();

	/* The input as octets. */
	e = b64url_encode(data, size, enc, sizeof(enc));
	if (e != B64URL_LEN(size) || strlen(enc) != e ||
	    (size > 0 && !b64url_valid(enc, e)))
		abort();
	n = b64url_decode(enc, e, back, sizeof(back));
	if (n != (ssize_t)size || memcmp(back, data, size) != 0)
		abort();
	/* No room for the NUL: nothing but an empty string. */
	if (e > 0 && (b64url_encode(data, size, enc, e) != 0 ||
	    enc[0] != '\0'))
		abort();
	return 0;
}

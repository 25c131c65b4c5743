/* base64url without padding, strict in what it accepts. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"

static const char alphabet[] = B64URL_ALPHABET;

/* Value of a base64url character, or -1. */
static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

size_t
b64url_encode(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	size_t	 i, o = 0, need = B64URL_LEN(len);
	uint32_t v;

	if (outsz == 0)
		return 0;
	if (need >= outsz || need < len) {
		out[0] = '\0';
		return 0;
	}
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

ssize_t
b64url_decode(const char *in, size_t len, unsigned char *out, size_t outsz)
{
	size_t	 i, o = 0, rem = len % 4, need;
	uint32_t v = 0;
	int	 d, bits = 0;

	if (rem == 1)
		return -1;
	need = len / 4 * 3 + (rem ? rem - 1 : 0);
	if (need > outsz || len > (size_t)SSIZE_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		if ((d = b64url_value((unsigned char)in[i])) < 0)
			return -1;
		v = v << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	if (v != 0)		/* non-canonical: stray low bits */
		return -1;
	return (ssize_t)o;
}

ssize_t
b64url_decode_alloc(const char *in, size_t len, unsigned char **out)
{
	size_t	 cap = len / 4 * 3 + 3;
	ssize_t	 n;

	*out = NULL;
	if ((*out = malloc(cap)) == NULL)
		return -1;
	if ((n = b64url_decode(in, len, *out, cap)) < 0) {
		free(*out);
		*out = NULL;
	} else
		(*out)[n] = '\0';
	return n;
}

int
b64url_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len % 4 == 1)
		return 0;
	for (i = 0; i < len; i++)
		if (b64url_value((unsigned char)s[i]) < 0)
			return 0;
	/* The last character may not carry bits past the end. */
	if (len % 4 == 2)
		return (b64url_value((unsigned char)s[len - 1]) & 15) == 0;
	if (len % 4 == 3)
		return (b64url_value((unsigned char)s[len - 1]) & 3) == 0;
	return 1;
}

/* base64url without padding (RFC 4648 section 5), strict. */
#ifndef B64URL_H
#define B64URL_H
#include <stddef.h>
#include <sys/types.h>

#define B64URL_ALPHABET	\
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* Encoded length of n octets, without the NUL. */
#define B64URL_LEN(n)	(((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* Encode len octets into out (NUL-terminated). Returns the length written,
 * or 0 when out is too small (out is then an empty string). */
size_t	 b64url_encode(const unsigned char *in, size_t len, char *out,
	    size_t outsz);
/* Decode exactly len characters. Refuses padding, whitespace, characters
 * outside the alphabet, an impossible length (len % 4 == 1) and non-zero
 * unused trailing bits. Returns the octets written or -1. */
ssize_t	 b64url_decode(const char *in, size_t len, unsigned char *out,
	    size_t outsz);
/* 1 when s is non-empty, canonical base64url (as decode accepts). */
int	 b64url_valid(const char *, size_t);
/* Allocating decode, NUL-terminated; *out belongs to the caller (free). -1 on failure. */
ssize_t	 b64url_decode_alloc(const char *in, size_t len, unsigned char **out);

#endif

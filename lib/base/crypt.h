/* Randomness, hashes and MACs for the request path (GnuTLS underneath). */
#ifndef CRYPT_H
#define CRYPT_H
#include <stddef.h>

#define SHA256_LEN	32
#define SHA512_LEN	64

int	crypt_random(void *, size_t);
int	crypt_sha256(const void *, size_t, unsigned char[SHA256_LEN]);
int	crypt_sha512(const void *, size_t, unsigned char[SHA512_LEN]);
int	crypt_hmac(const void *key, size_t keylen, const void *, size_t,
	    unsigned char[SHA256_LEN]);
/* Constant-time comparison: 1 when equal. */
int	crypt_equal(const void *, const void *, size_t);
/* A uniformly drawn number below bound (rejection sampling), or -1. */
long	crypt_uniform(unsigned long bound);
/* A fresh random id: ID_RAW_LEN octets as base64url (ID_LEN chars). */
int	crypt_id(char *, size_t);

/* Seal (AES-256-GCM, key derived from secret) len octets into out,
 * which needs len + CRYPT_SEAL_OVERHEAD octets; the sealed length or -1. */
#define CRYPT_SEAL_OVERHEAD	(12 + 16)
long	crypt_seal(const unsigned char secret[32], const void *, size_t,
	    unsigned char *out, size_t outsz);
/* Open what crypt_seal made; the plain length or -1. */
long	crypt_open(const unsigned char secret[32], const unsigned char *,
	    size_t, void *out, size_t outsz);

#endif

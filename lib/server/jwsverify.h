/* The JWS signature check, with each algorithm on the faster of the two
 * libraries on Debian (bench/verify.c; bench/RESULTS.md): OpenSSL's
 * libcrypto for ES256 and ES512, GnuTLS (jwk_verify) for ES384, EdDSA
 * and RS256 (within 10%). jwsverify.c is the only file that calls
 * libcrypto. */
#ifndef JWSVERIFY_H
#define JWSVERIFY_H
#include <stddef.h>

#include "jwk.h"

/* A key made ready for checks. */
struct jwsv;

/* A verifier for key, which it borrows: key must outlive it. NULL when
 * out of memory or when libcrypto refuses the key. */
struct jwsv	*jwsv_new(const struct jwk *key);
void		 jwsv_free(struct jwsv *);
const struct jwk *jwsv_jwk(const struct jwsv *);
/* 0 when sig is a valid JWS signature over msg, else -1. */
int		 jwsv_verify(struct jwsv *, const void *msg, size_t msglen,
		    const unsigned char *sig, size_t siglen);

/* The verifier of the account id whose stored key is canon (its
 * canonical JWK), from a small per-process cache: a hit needs the same
 * id and the same key text, so a key change is never missed. Borrowed
 * until the next call; NULL when the key does not load. */
struct jwsv	*jwsv_account(const char *id, const char *canon);
/* Empty the cache (tests; a program's end). */
void		 jwsv_cache_clear(void);

#endif

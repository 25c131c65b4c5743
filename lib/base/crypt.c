/* Randomness, hashes and MACs. The only other GnuTLS users are jwk.c,
 * jws.c (public keys and signatures) and x509.c (certificates). */
#include <stdint.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "b64url.h"
#include "bounds.h"
#include "crypt.h"
#include "log.h"

int
crypt_random(void *buf, size_t len)
{
	if (gnutls_rnd(GNUTLS_RND_RANDOM, buf, len) < 0) {
		log_err("%s: gnutls_rnd failed", __func__);
		return -1;
	}
	return 0;
}

int
crypt_sha256(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out) < 0 ? -1 : 0;
}

int
crypt_sha512(const void *data, size_t len, unsigned char out[SHA512_LEN])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA512, data, len, out) < 0 ? -1 : 0;
}

int
crypt_hmac(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[SHA256_LEN])
{
	return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, data, len,
	    out) < 0 ? -1 : 0;
}

int
crypt_equal(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char	 d = 0;
	size_t		 i;

	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

long
crypt_uniform(unsigned long bound)
{
	uint32_t	 v, limit;

	if (bound == 0 || bound > UINT32_MAX)
		return -1;
	/* Largest multiple of bound that fits: draws above it are redrawn. */
	limit = UINT32_MAX - (uint32_t)((UINT32_MAX % bound + 1) % bound);
	do {
		if (crypt_random(&v, sizeof(v)) == -1)
			return -1;
	} while (v > limit);
	return (long)(v % bound);
}

int
crypt_id(char *out, size_t outsz)
{
	unsigned char	 raw[ID_RAW_LEN];

	if (crypt_random(raw, sizeof(raw)) == -1)
		return -1;
	return b64url_encode(raw, sizeof(raw), out, outsz) == ID_LEN ? 0 : -1;
}

/* The sealing key: HMAC(secret, "outbox seal v1"). */
static int
crypt_seal_key(const unsigned char secret[32], unsigned char key[SHA256_LEN])
{
	static const char label[] = "outbox seal v1";

	return crypt_hmac(secret, 32, label, sizeof(label) - 1, key);
}

long
crypt_seal(const unsigned char secret[32], const void *in, size_t len,
    unsigned char *out, size_t outsz)
{
	gnutls_aead_cipher_hd_t	 h = NULL;
	unsigned char		 key[SHA256_LEN];
	gnutls_datum_t		 k = { key, sizeof(key) };
	size_t			 n = outsz - 12;
	long			 rc = -1;

	if (outsz < len + CRYPT_SEAL_OVERHEAD || crypt_seal_key(secret,
	    key) == -1 || crypt_random(out, 12) == -1)
		goto out;
	if (gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &k) < 0 ||
	    gnutls_aead_cipher_encrypt(h, out, 12, NULL, 0, 16, in, len,
	    out + 12, &n) < 0)
		goto out;
	rc = (long)(n + 12);
out:
	if (h != NULL)
		gnutls_aead_cipher_deinit(h);
	explicit_bzero(key, sizeof(key));
	return rc;
}

long
crypt_open(const unsigned char secret[32], const unsigned char *in,
    size_t len, void *out, size_t outsz)
{
	gnutls_aead_cipher_hd_t	 h = NULL;
	unsigned char		 key[SHA256_LEN];
	gnutls_datum_t		 k = { key, sizeof(key) };
	size_t			 n = outsz;
	long			 rc = -1;

	if (len < CRYPT_SEAL_OVERHEAD || crypt_seal_key(secret, key) == -1)
		goto out;
	if (gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &k) < 0 ||
	    gnutls_aead_cipher_decrypt(h, in, 12, NULL, 0, 16, in + 12,
	    len - 12, out, &n) < 0)
		goto out;
	rc = (long)n;
out:
	if (h != NULL)
		gnutls_aead_cipher_deinit(h);
	explicit_bzero(key, sizeof(key));
	return rc;
}

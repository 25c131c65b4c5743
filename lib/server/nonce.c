/* Nonces (RFC 8555 6.5): issued without a database write, as
 * time(4) || random(16) || HMAC(secret, time || random)[0..10): 128
 * random bits, 80 of MAC; and
 * marked used in the store until they expire, so each is good once. */
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "b64url.h"
#include "crypt.h"

#define NONCE_RAND	16	/* random octets: 128 bits */
#define NONCE_BODY	(4 + NONCE_RAND)	/* time and random */
#define NONCE_MAC	(NONCE_RAW_LEN - NONCE_BODY)

static int
nonce_mac(const struct server *srv, const unsigned char *body,
    unsigned char mac[SHA256_LEN])
{
	unsigned char	 in[4 + NONCE_BODY];

	memcpy(in, "nnc1", 4);
	memcpy(in + 4, body, NONCE_BODY);
	return crypt_hmac(srv->secret, sizeof(srv->secret), in, sizeof(in),
	    mac);
}

int
nonce_new(const struct server *srv, time_t now, char out[NONCE_LEN + 1])
{
	unsigned char	 raw[NONCE_RAW_LEN], mac[SHA256_LEN];
	uint32_t	 t = (uint32_t)now;

	raw[0] = (unsigned char)(t >> 24);
	raw[1] = (unsigned char)(t >> 16);
	raw[2] = (unsigned char)(t >> 8);
	raw[3] = (unsigned char)t;
	if (crypt_random(raw + 4, NONCE_RAND) == -1 ||
	    nonce_mac(srv, raw, mac) == -1)
		return -1;
	memcpy(raw + NONCE_BODY, mac, NONCE_MAC);
	return b64url_encode(raw, sizeof(raw), out, NONCE_LEN + 1) ==
	    NONCE_LEN ? 0 : -1;
}

/* The nonce's octets and its expiry: 0 when it was issued here and is
 * still young; 1 when it was not issued here, 2 when it is too old. */
static int
nonce_check(struct req *r, const char *nonce,
    unsigned char raw[NONCE_RAW_LEN], int64_t *expires)
{
	unsigned char	 mac[SHA256_LEN];
	uint32_t	 t;

	if (strlen(nonce) != NONCE_LEN ||
	    b64url_decode(nonce, NONCE_LEN, raw, NONCE_RAW_LEN) !=
	    NONCE_RAW_LEN || nonce_mac(r->srv, raw, mac) == -1 ||
	    !crypt_equal(mac, raw + NONCE_BODY, NONCE_MAC))
		return 1;
	t = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
	    (uint32_t)raw[2] << 8 | raw[3];
	if ((int64_t)t + NONCE_LIFETIME < (int64_t)r->now ||
	    (int64_t)t > (int64_t)r->now + 60)
		return 2;
	*expires = (int64_t)t + NONCE_LIFETIME;
	return 0;
}

enum prob
nonce_use(struct req *r, const char *nonce)
{
	unsigned char	 raw[NONCE_RAW_LEN];
	int64_t		 expires;
	int		 rc;

	if ((rc = nonce_check(r, nonce, raw, &expires)) != 0)
		return resp_fail(r, PROB_BAD_NONCE, rc == 1 ? "the nonce was "
		    "not issued by this server" : "the nonce has expired");
	rc = store_nonce_use(r->st, raw, sizeof(raw), expires);
	if (rc == STORE_EXISTS)
		return resp_fail(r, PROB_BAD_NONCE, "the nonce was used "
		    "before");
	return rc == STORE_OK ? PROB_NONE : PROB_SERVER_INTERNAL;
}

/* A nonce that fails its checks is not started: nonce_use tells why, at
 * the end, if authentication gets that far. */
int
nonce_start(struct req *r, const char *nonce)
{
	unsigned char	 raw[NONCE_RAW_LEN];
	int64_t		 expires;

	return nonce_check(r, nonce, raw, &expires) == 0 &&
	    store_nonce_start(r->st, raw, sizeof(raw), expires) == STORE_OK;
}

enum prob
nonce_end(struct req *r, const char *nonce, int started, int keep)
{
	int	 rc;

	if (!started)
		return keep ? nonce_use(r, nonce) : PROB_NONE;
	rc = store_nonce_end(r->st, keep);
	if (!keep)
		return rc == STORE_OK ? PROB_NONE : PROB_SERVER_INTERNAL;
	if (rc == STORE_EXISTS)
		return resp_fail(r, PROB_BAD_NONCE, "the nonce was used "
		    "before");
	return rc == STORE_OK ? PROB_NONE : PROB_SERVER_INTERNAL;
}

/* libFuzzer target: the external account binding parser (eab_parse) on
 * any JSON value, against a fixed newAccount URL and account key, then
 * eab_verify with a fixed HMAC key. Checks what an accepted binding must
 * satisfy (RFC 8555 7.3.4): a kid of 1 to EAB_KID_MAX characters, a
 * MAC input "protected.payload", and verification only with the key that
 * made the MAC. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "crypt.h"
#include "eab.h"
#include "json.h"
#include "jwk.h"
#include "problem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define URL	"https://ca.example/acme/new-account"
#define JWK	"{\"kty\":\"OKP\",\"crv\":\"Ed25519\"," \
	"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

static struct jwk *
outer_key(void)
{
	static struct jwk	*k;
	json_object		*o;
	char			 d[DETAIL_MAX];

	if (k == NULL) {
		o = json_parse_object(JWK, strlen(JWK));
		if (o == NULL || jwk_parse(o, &k, d, sizeof(d)) != PROB_NONE)
			abort();
		json_object_put(o);
	}
	return k;
}

static void
check_accepted(const struct eab *e)
{
	unsigned char	 mac[SHA256_LEN];
	char		 d[DETAIL_MAX];
	size_t		 len = strlen(e->kid);
	enum prob	 p;

	if (len == 0 || len > EAB_KID_MAX || e->input == NULL ||
	    memchr(e->input, '.', e->inputlen) == NULL)
		abort();
	p = eab_verify(e, key, sizeof(key), d, sizeof(d));
	if (crypt_hmac(key, sizeof(key), e->input, e->inputlen, mac) == -1)
		abort();
	/* It verifies exactly when the MAC given is the key's. */
	if ((p == PROB_NONE) != (memcmp(mac, e->mac, sizeof(mac)) == 0))
		abort();
	if (p != PROB_NONE && p != PROB_UNAUTHORIZED)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object	*v;
	struct eab	 e;
	char		 d[DETAIL_MAX];
	enum prob	 p;

	if (size > BODY_MAX)
		return 0;
	v = json_parse((const char *)data, size);
	p = eab_parse(v, URL, outer_key(), &e, d, sizeof(d));
	if (p == PROB_NONE)
		check_accepted(&e);
	else if (p != PROB_MALFORMED && p != PROB_SERVER_INTERNAL)
		abort();
	else if (d[0] == '\0' && p == PROB_MALFORMED)
		abort();
	eab_clear(&e);
	json_object_put(v);
	return 0;
}

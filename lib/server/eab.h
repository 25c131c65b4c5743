/* External account binding (RFC 8555 7.3.4): the JWS a newAccount
 * payload carries in externalAccountBinding, MACed with a key the CA
 * gave the external account (a platform) out of band. */
#ifndef EAB_H
#define EAB_H
#include <stddef.h>

#include <json-c/json.h>

#include "bounds.h"
#include "jwk.h"
#include "problem.h"

struct eab {
	char		 kid[EAB_KID_MAX + 1];
	char		*input;		/* protected "." payload: MACed */
	size_t		 inputlen;
	unsigned char	 mac[32];	/* the HS256 MAC given */
};

/* Check the binding v against the outer JWS (its url, its jwk): a
 * flattened JWS of exactly protected, payload and signature; a protected
 * header of exactly alg "HS256", kid and url (no nonce), url equal to
 * the outer url; the payload the same key as outer (by RFC 7638
 * thumbprint); a 32-octet signature. PROB_MALFORMED (detail set) when
 * not. Nothing is verified yet: see eab_verify. out is cleared first and
 * must be released with eab_clear, whatever the result. */
enum prob	 eab_parse(json_object *v, const char *url,
		    const struct jwk *outer, struct eab *out, char *detail,
		    size_t detailsz);
/* Verify the MAC with key in constant time: PROB_UNAUTHORIZED when it
 * does not verify. */
enum prob	 eab_verify(const struct eab *, const unsigned char *key,
		    size_t keylen, char *detail, size_t detailsz);
void		 eab_clear(struct eab *);

#endif

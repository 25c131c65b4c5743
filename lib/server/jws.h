/* Flattened JWS (RFC 7515 section 7.2.2) as ACME uses it (RFC 8555 6.2). */
#ifndef JWS_H
#define JWS_H
#include <stddef.h>

#include <json-c/json.h>

#include "jwk.h"
#include "problem.h"

struct jws {
	json_object	*body;		/* the parsed request body */
	json_object	*hdr;		/* the decoded protected header */
	const char	*protected;	/* borrowed from body */
	const char	*payload64;	/* borrowed from body */
	enum jwk_alg	 alg;
	const char	*nonce;		/* borrowed from hdr; may be NULL */
	const char	*url;		/* borrowed from hdr */
	const char	*kid;		/* borrowed from hdr; may be NULL */
	struct jwk	*jwk;		/* owned; NULL when kid is used */
	unsigned char	*payload;	/* decoded, NUL-terminated */
	size_t		 payloadsz;
	json_object	*pobj;		/* payload parsed, or NULL */
	int		 pag;		/* payload is "": POST-as-GET */
	unsigned char	*sig;
	size_t		 siglen;
};

/* What a nested JWS (keyChange inner, RFC 8555 7.3.5) may not carry. */
#define JWS_OUTER	0
#define JWS_INNER	1

/* Parse a flattened JWS and check the rules of PROTOCOL.md section 4
 * that need no state: 3-8, 10 and 12 (with JWS_INNER: no nonce, jwk
 * required, no kid). *out belongs to the caller (jws_free). */
enum prob	 jws_parse(const char *, size_t, int mode, struct jws **out,
		    char *detail, size_t detailsz);
/* Check the signature with key (rules 15 and 16). */
enum prob	 jws_verify(const struct jws *, const struct jwk *key,
		    char *detail, size_t detailsz);
/* The same with a verifier made ready (jwsverify.h: an account's key
 * kept by the process). */
struct jwsv;
enum prob	 jws_verify_with(const struct jws *, struct jwsv *,
		    char *detail, size_t detailsz);
/* Check the signature with the stored key (canonical JWK) of account
 * id, made ready once per process (jwsverify.h: a changed key is a
 * miss). */
enum prob	 jws_verify_account(const struct jws *, const char *id,
		    const char *canon, char *detail, size_t detailsz);
/* The payload as a JSON object, borrowed from jws (parsed once). NULL
 * when the payload is not a JSON object. */
json_object	*jws_payload_object(struct jws *);
void		 jws_free(struct jws *);

#endif

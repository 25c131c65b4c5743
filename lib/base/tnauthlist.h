/* TNAuthList (RFC 8226) values and the ACME identifier that carries them
 * (RFC 9448 section 3), held to the project profile of PROTOCOL.md 7.4. */
#ifndef TNAUTHLIST_H
#define TNAUTHLIST_H
#include <stddef.h>

#include "bounds.h"
#include "problem.h"

#define TNAUTHLIST_OID	"1.3.6.1.5.5.7.1.26"	/* id-pe-TNAuthList */

/* Check that der (len octets) is the strict DER of a TNAuthorizationList
 * holding exactly one TNEntry of alternative "one" with 1 to TN_MAX
 * characters, all '0'-'9'; copy the number, NUL-terminated, to tn.
 * Returns PROB_NONE; PROB_MALFORMED when der does not decode or is not
 * DER (indefinite or long-form lengths, trailing octets); or
 * PROB_REJECTED_IDENTIFIER when it decodes but is outside the profile
 * (SPC, range, several entries, '#' or '*', too many digits); or
 * PROB_SERVER_INTERNAL (logged) when libtasn1 or memory fails us.
 * On failure detail (detailsz octets, may be NULL) receives a sentence fit
 * for a client, and tn is an empty string. Nothing is allocated. */
enum prob	 tnauthlist_parse(const unsigned char *der, size_t len,
		    char tn[TN_MAX + 1], char *detail, size_t detailsz);

/* The same for the value of an ACME identifier of type "TNAuthList":
 * value is base64url without padding (len characters, not NUL-terminated).
 * *derlen is the capacity of der on entry (TNAUTHLIST_DER_MAX will do) and
 * the length of the decoded DER on success (0 on failure). A value that
 * is not base64url, or is longer than IDENT_VALUE_MAX or than der can
 * hold, is PROB_MALFORMED; otherwise as tnauthlist_parse. */
enum prob	 tnauthlist_ident_parse(const char *value, size_t len,
		    unsigned char *der, size_t *derlen, char tn[TN_MAX + 1],
		    char *detail, size_t detailsz);

/* DER of the TNAuthorizationList holding the one number tn (1 to TN_MAX
 * digits, NUL-terminated). *derlen is the capacity of der on entry and
 * the length written on success. Returns 0, or -1 (logged) when tn is
 * outside the profile, der is too small or libtasn1 fails. */
int		 tnauthlist_encode(const char *tn, unsigned char *der,
		    size_t *derlen);

/* Operator policy on country codes: 1 when tn starts with one of the n
 * digit strings in prefixes, or when n is 0 (no policy); 0 otherwise. */
int		 tnauthlist_prefix_allowed(const char *tn,
		    const char *const *prefixes, size_t n);

#endif

/* An ACME client (RFC 8555) over libcurl for TNAuthList orders and the
 * sms-link-00 challenge: idprover-client, the relay and the bench. */
#ifndef ACMEC_H
#define ACMEC_H
#include <stddef.h>

#include <json-c/json.h>

struct signer;
struct acmec;

/* The last problem document the server answered with. */
struct acmec_problem {
	int	 status;		/* HTTP status; 0: transport failure */
	char	 type[64];		/* the ACME type suffix: "badNonce" */
	char	 detail[256];
	int	 remaining;		/* remainingTries, or -1 */
	long	 retry_after;		/* Retry-After seconds, or -1 */
};

/* Fetch the directory. cafile NULL: the system trust store. The signer
 * is borrowed and must outlive the client. NULL with err on failure.
 * Calls curl_global_init: make the first client before any thread. */
struct acmec	*acmec_new(const char *directory_url, const char *cafile,
		    struct signer *, char *err, size_t errsz);
void		 acmec_free(struct acmec *);
const struct acmec_problem *acmec_problem(const struct acmec *);
/* The HTTP status of the last response (0: none). */
int		 acmec_status(const struct acmec *);
/* Borrowed: the directory's meta.termsOfService, or NULL. Creating an
 * account through acmec_account agrees to it. */
const char	*acmec_terms(const struct acmec *);
/* Borrowed until the next request: the URL of the last response's Link
 * header with that rel ("up", "index", "next"), or NULL. */
const char	*acmec_link(const struct acmec *, const char *rel);

/* Every call below returns 0, or -1 with acmec_problem() filled. JSON
 * results are new references owned by the caller (json_object_put). */

/* newAccount: creates or finds the account of the key; sets the kid.
 * contact may be NULL; only_existing sets onlyReturnExisting. */
/* Bind the account acmec_account creates to an external account (RFC
 * 8555 7.3.4): key id and the base64url HMAC key. -1 when malformed. */
int	acmec_set_eab(struct acmec *, const char *kid, const char *key64);
int	acmec_account(struct acmec *, const char *contact, int only_existing,
	    char *url, size_t urlsz);
/* Use an account URL known from before as the kid. */
void	acmec_set_kid(struct acmec *, const char *url);
/* Signed POST of payload (JSON text; NULL or "": POST-as-GET) to url,
 * retrying once on badNonce. *out gets the JSON body (may be NULL);
 * location, when not NULL, the Location header. */
int	acmec_post(struct acmec *, const char *url, const char *payload,
	    json_object **out, char *location, size_t locsz);
/* newOrder for one telephone number (digits): *order and its URL. */
int	acmec_order(struct acmec *, const char *tn, json_object **order,
	    char *url, size_t urlsz);
/* The same with a profile (draft-ietf-acme-profiles) and the certID of
 * the certificate it replaces (RFC 9773 5); either may be NULL. */
int	acmec_order_with(struct acmec *, const char *tn, const char *profile,
	    const char *replaces, json_object **order, char *url,
	    size_t urlsz);
/* GET the renewal information of a certID (RFC 9773 4.2): the suggested
 * window (seconds since the epoch) and, into why (whysz), its
 * explanationURL or "". */
int	acmec_renewal_info(struct acmec *, const char *certid, long *start,
	    long *end, char *why, size_t whysz);
/* The challenge URL and token of an order's authorization. */
int	acmec_challenge(struct acmec *, json_object *order, char *url,
	    size_t urlsz, char *token, size_t tokensz);
/* Step 1 ({}) and step 2 (the digest of code, token and thumbprint). */
int	acmec_ready(struct acmec *, const char *chall_url, json_object **);
int	acmec_answer(struct acmec *, const char *chall_url, const char *token,
	    const char *code, json_object **);
/* Finalize with a CSR (DER); polls while processing; *order is valid. */
int	acmec_finalize(struct acmec *, json_object *order,
	    const unsigned char *csr, size_t csrlen, json_object **out);
/* Download the chain (PEM, malloc'd). */
int	acmec_cert(struct acmec *, const char *cert_url, char **pem);
/* Revoke a certificate (DER) with reason (-1: none), signed by the
 * account (certkey NULL) or by the certificate's own key. */
int	acmec_revoke(struct acmec *, const unsigned char *der, size_t len,
	    int reason, struct signer *certkey);
/* Roll the account key over to newkey; the client then signs with it. */
int	acmec_key_change(struct acmec *, struct signer *newkey);
/* The digest of PROTOCOL.md 8.2.3 (43 chars + NUL) for a thumbprint. */
int	acmec_digest(const char *code, const char *token, const char *thumb,
	    char out[44]);

#endif

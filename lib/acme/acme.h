/* idprover: the one header the programs in cgi-bin/ include. */
#ifndef ACME_H
#define ACME_H

#include "server.h"

/* Resource logic. */
enum prob	 acme_directory(struct req *);
enum prob	 acme_nonce(struct req *);
enum prob	 acme_nonce_post(struct req *);
enum prob	 acme_account_new(struct req *);
enum prob	 acme_account_post(struct req *);
enum prob	 acme_key_change(struct req *);
enum prob	 acme_order_new(struct req *);
enum prob	 acme_orders_list(struct req *, const char *query);
enum prob	 acme_order_post(struct req *);
enum prob	 acme_finalize(struct req *);
enum prob	 acme_authz_post(struct req *);
enum prob	 acme_challenge_post(struct req *);
void		 acme_challenge_after(struct req *);
void		 acme_challenge_idle(struct server *);
enum prob	 acme_cert_post(struct req *);
enum prob	 acme_revoke(struct req *);
enum prob	 acme_crl(struct req *);
int		 acme_ca_init(struct server *);
/* Revocation shared with the operator's tool: reasons accepted from
 * clients (0, 1, 3, 4, 5), and marking a certificate revoked in the open
 * transaction (STORE_EXISTS when it already was). */
int		 cert_reason_ok(long);
/* CRLReason privilegeWithdrawn (RFC 5280 5.3.1): the operator's report
 * that the certificate's number was reassigned. */
#define CRL_KEY_COMPROMISE	1
#define CRL_PRIVILEGE_WITHDRAWN	9
int		 cert_revoke(struct store *, struct cert *, int reason,
		    time_t now);
int		 acme_sms_init(struct server *);

/* Renewal information (RFC 9773, acme_renewal.c). */
enum prob	 acme_renewal_info(struct req *);
/* Split a certID (len octets, RFC 9773 4.1) into the keyIdentifier and
 * the serial's content octets. 0, or -1 when it is malformed. */
int		 renewal_certid_parse(const char *, size_t len,
		    unsigned char aki[AKI_MAX], size_t *akilen,
		    unsigned char serial[CERT_SERIAL_MAX], size_t *seriallen);
/* The store key of a serial of n content octets: left-padded to
 * SERIAL_LEN. -1 when it is longer than any serial issued here. */
int		 renewal_serial_key(const unsigned char *serial, size_t n,
		    unsigned char key[SERIAL_LEN]);
/* The certificate a certID names, with its order: 0; -1 malformed; 1
 * unknown here; -2 internal (logged by the store). */
int		 renewal_lookup(struct req *, const char *certid,
		    struct cert *, struct order *);
enum renew_why { RENEW_DEFAULT, RENEW_STALE, RENEW_REVOKED,
	RENEW_REASSIGNED, RENEW__MAX };
/* The suggested window of a certificate (RFC 9773 4.2): the last third
 * of its lifetime with a per-certificate jitter; ending no later than
 * its proof's maximum age under its profile (RENEW_STALE); in the past
 * when it was revoked (RENEW_REVOKED, RENEW_REASSIGNED). */
enum renew_why	 renewal_window(const struct config *, const struct cert *,
		    const struct order *, time_t *start, time_t *end);

/* Account and order state shared by the resources (acme_state.c). */
int		 account_json(const struct req *, const struct account *,
		    json_object **);
/* Load the order named id for the signing account: not found → 404,
 * another account's → 403. Applies expiry (and stores it). */
enum prob	 order_load(struct req *, const char *id, struct order *);
json_object	*order_json(const struct req *, const struct order *);
json_object	*authz_json(const struct req *, const struct order *);
json_object	*chall_json(const struct req *, const struct order *);
/* The validity of the certificate finalize issues at now for the order
 * (PROTOCOL.md 3.7): notBefore no earlier than now − 1 minute,
 * notAfter no later than notBefore + cert_max_days nor the validation +
 * cert_max_days; by default the lifetime of the order's profile, and
 * never beyond the validation + the profile's max_proof_seconds.
 * -1 when nothing is left of the requested window. */
#define VALIDITY_SKEW	60
int		 order_cert_times(const struct config *, const struct order *,
		    time_t now, time_t *not_before, time_t *not_after);
/* Apply the clock to an order: expired codes, orders and authorizations
 * (in memory). Returns 1 when the order changed. */
int		 order_expire(struct order *, time_t now);
/* Mark the order, its authorization and challenge invalid. */
void		 order_fail(struct order *, enum prob, const char *detail);

/* Reassigned numbers (acme_reassign.c, the operator's tool). */
struct reassign {
	long	 orders;	/* orders found proved before since */
	long	 certs;		/* unexpired certificates revoked */
	long	 authzs;	/* valid authorizations ended */
};
/* For the ntn numbers of tns (sorted in place): revoke with
 * privilegeWithdrawn (9) every unexpired certificate and end every valid
 * authorization whose proof was made before since. Transactions of
 * REASSIGN_BATCH orders. 0, or -1 (logged). */
int		 reassign_numbers(struct store *, char (*tns)[TN_MAX + 1],
		    size_t ntn, time_t since, time_t now, struct reassign *);
/* The certificates of number tn in order of issue, each with the order
 * that replaces it ("" when none): fn gets them one by one. Returns how
 * many, or -1. */
int		 reassign_lineage(struct store *, const char *tn,
		    int (*fn)(void *, const struct order *, const struct cert *,
		    const char *replaced_by), void *arg);

#endif

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
int		 cert_revoke(struct store *, struct cert *, int reason,
		    time_t now);
int		 acme_sms_init(struct server *);

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
 * (PROTOCOL.md 3.7, issue 12): notBefore no earlier than now − 1 minute,
 * notAfter no later than notBefore + cert_max_days nor the validation +
 * cert_max_days. -1 when nothing is left of the requested window. */
#define VALIDITY_SKEW	60
int		 order_cert_times(const struct config *, const struct order *,
		    time_t now, time_t *not_before, time_t *not_after);
/* Apply the clock to an order: expired codes, orders and authorizations
 * (in memory). Returns 1 when the order changed. */
int		 order_expire(struct order *, time_t now);
/* Mark the order, its authorization and challenge invalid. */
void		 order_fail(struct order *, enum prob, const char *detail);

#endif

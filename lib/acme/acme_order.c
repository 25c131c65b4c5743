/* Orders: newOrder for one TNAuthList identifier (RFC 8555 7.4,
 * RFC 9448), the order URL and the account's orders list. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "b64url.h"
#include "crypt.h"
#include "json.h"
#include "jws.h"
#include "platform.h"
#include "ratelimit.h"
#include "tnauthlist.h"

/* The one identifier of the payload, checked (PROTOCOL.md 3.7). */
static enum prob
order_ident(struct req *r, json_object *pl, struct order *o)
{
	json_object	*ids = json_get_arr(pl, "identifiers"), *id;
	const char	*type, *value;
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	size_t		 derlen = sizeof(der);
	const char	*pfx[PREFIXES_MAX];
	size_t		 i;
	enum prob	 p;

	if (ids == NULL || json_object_array_length(ids) != 1)
		return resp_fail(r, PROB_MALFORMED, "identifiers must be an "
		    "array of exactly one identifier");
	id = json_object_array_get_idx(ids, 0);
	if ((type = json_get_str(id, "type")) == NULL ||
	    (value = json_get_str(id, "value")) == NULL)
		return resp_fail(r, PROB_MALFORMED, "an identifier needs "
		    "string members type and value");
	if (strcmp(type, "TNAuthList") != 0)
		return resp_fail(r, PROB_UNSUPPORTED_IDENTIFIER, "only "
		    "TNAuthList identifiers are supported");
	if (strlen(value) > IDENT_VALUE_MAX)
		return resp_fail(r, PROB_MALFORMED, "the identifier value is "
		    "too long for one telephone number");
	p = tnauthlist_ident_parse(value, strlen(value), der, &derlen, o->tn,
	    r->detail, sizeof(r->detail));
	if (p != PROB_NONE)
		return p;
	for (i = 0; i < r->cfg->nprefixes; i++)
		pfx[i] = r->cfg->prefixes[i];
	if (!tnauthlist_prefix_allowed(o->tn, pfx, r->cfg->nprefixes))
		return resp_fail(r, PROB_REJECTED_IDENTIFIER, "numbers of this "
		    "country code are not accepted here");
	/* Keep the canonical spelling of the value: base64url of the DER. */
	if (b64url_encode(der, derlen, o->ident, sizeof(o->ident)) <= 0)
		return PROB_SERVER_INTERNAL;
	return PROB_NONE;
}

/*
 * notBefore and notAfter, optional, inside the certificate policy: a
 * certificate must not outlive its proof. notBefore no earlier than a
 * minute ago and no later than the order's expiry; notAfter after
 * notBefore, at most cert_max_days after it and at most cert_max_days
 * from now (the challenge can only be answered later, so notAfter is
 * then no later than the validation + cert_max_days). Finalize clamps
 * again against the issuance and the validation (order_cert_times).
 */
static enum prob
order_validity(struct req *r, json_object *pl, struct order *o)
{
	const char	*nb = json_get_str(pl, "notBefore");
	const char	*na = json_get_str(pl, "notAfter");
	time_t		 b, a, expires = r->now + r->cfg->order_hours * 3600;
	long		 max = r->cfg->cert_max_days * 86400;

	if ((json_has(pl, "notBefore") && nb == NULL) ||
	    (json_has(pl, "notAfter") && na == NULL) ||
	    (nb != NULL && time_parse(nb, &b) == -1) ||
	    (na != NULL && time_parse(na, &a) == -1))
		return resp_fail(r, PROB_MALFORMED, "notBefore and notAfter "
		    "must be RFC 3339 times");
	if (nb == NULL)
		b = r->now;
	if (nb != NULL && (b < r->now - VALIDITY_SKEW || b > expires))
		return resp_fail(r, PROB_MALFORMED, "notBefore must lie "
		    "between one minute ago and the order's expiry (%ld "
		    "hours from now)", r->cfg->order_hours);
	if (na != NULL && (a <= b || a - b > max || a > r->now + max))
		return resp_fail(r, PROB_MALFORMED, "notAfter must follow "
		    "notBefore, by at most %ld days, and lie at most %ld days "
		    "from now", r->cfg->cert_max_days, r->cfg->cert_max_days);
	o->has_nb = nb != NULL;
	o->has_na = na != NULL;
	o->not_before = b;
	o->not_after = na != NULL ? a : 0;
	o->expires = expires;
	return PROB_NONE;
}

/* The profile of the order (draft-ietf-acme-profiles 4): the named
 * one, or the default; stored by name. */
static enum prob
order_profile(struct req *r, json_object *pl, struct order *o)
{
	const char		*name = json_get_str(pl, "profile");
	const struct profile	*pr;

	if (json_has(pl, "profile") && name == NULL)
		return resp_fail(r, PROB_MALFORMED, "profile must be a string");
	if ((pr = config_profile(r->cfg, name)) == NULL)
		return resp_fail(r, PROB_INVALID_PROFILE, "no profile of that "
		    "name is offered; the directory's meta.profiles lists "
		    "them");
	strcpy(o->profile, pr->name);
	return PROB_NONE;
}

/* replaces (RFC 9773 5): a certificate of this account for this
 * number; the claim itself is made once the order has its id. */
static enum prob
order_replaces(struct req *r, json_object *pl, struct order *o)
{
	const char	*s = json_get_str(pl, "replaces");
	struct cert	 c;
	struct order	 old;
	int		 rc;

	if (!json_has(pl, "replaces"))
		return PROB_NONE;
	if (s == NULL)
		return resp_fail(r, PROB_MALFORMED, "replaces must be a "
		    "certID string");
	if ((rc = renewal_lookup(r, s, &c, &old)) == -2)
		return PROB_SERVER_INTERNAL;
	if (rc != 0)
		return resp_fail(r, PROB_MALFORMED, "replaces names no "
		    "certificate of this server");
	if (strcmp(c.acct, r->acct.id) != 0)
		return resp_fail(r, PROB_MALFORMED, "the certificate replaced "
		    "belongs to another account");
	if (strcmp(old.ident, o->ident) != 0)
		return resp_fail(r, PROB_MALFORMED, "the certificate replaced "
		    "is for another number");
	strcpy(o->replaces, c.id);
	return PROB_NONE;
}

/* Record that o replaces its certificate: one order per certificate,
 * but one that failed (invalid) gives its place up. */
static enum prob
order_claim(struct req *r, const struct order *o)
{
	struct order	 prev;
	char		 by[ID_LEN + 1];
	int		 rc;

	if (o->replaces[0] == '\0')
		return PROB_NONE;
	if ((rc = store_replace(r->st, o->replaces, o->id, NULL)) ==
	    STORE_EXISTS && (rc = store_replaced_by(r->st, o->replaces,
	    by)) == STORE_OK && (rc = store_order_get(r->st, by, &prev)) ==
	    STORE_OK) {
		order_expire(&prev, r->now);
		rc = prev.status == ORDER_INVALID ? store_replace(r->st,
		    o->replaces, o->id, by) : STORE_EXISTS;
	}
	if (rc == STORE_EXISTS)
		return resp_fail(r, PROB_ALREADY_REPLACED, "another order "
		    "already replaces that certificate");
	return rc == STORE_OK ? PROB_NONE : PROB_SERVER_INTERNAL;
}

struct reuse {
	const char	*ident;
	time_t		 now, after;
	struct order	 best;
	int		 found;
};

static int
reuse_one(void *arg, const struct order *o)
{
	struct reuse	*u = arg;
	struct order	 c = *o;

	order_expire(&c, u->now);
	if (c.authz == AUTHZ_VALID && c.proof[0] == '\0' &&
	    (time_t)c.validated > u->after && strcmp(c.ident, u->ident) == 0 &&
	    (!u->found || c.validated > u->best.validated)) {
		u->best = c;
		u->found = 1;
	}
	return 1;
}

/*
 * The store's index names the account's latest SMS proof of the number:
 * if it still stands, it is the one the walk would find; if it is too
 * old, so are all the others. 1: decided (u says how); 0: walk the
 * account's orders (no index, or that proof was deactivated or revoked
 * since); -1: store failure.
 */
static int
reuse_indexed(struct req *r, struct reuse *u)
{
	struct order	 c;
	char		 id[ID_LEN + 1];
	int		 rc;

	rc = store_acct_proof(r->st, r->acct.id, u->ident, id);
	if (rc == STORE_NOTFOUND)
		return 1;
	if (rc == STORE_OK && (rc = store_order_get(r->st, id, &c)) ==
	    STORE_OK) {
		reuse_one(u, &c);
		return u->found || (time_t)c.validated <= u->after ? 1 : 0;
	}
	return rc == STORE_ERR ? -1 : 0;
}

/*
 * Authorization reuse (RFC 8555 7.1.4): the account's own valid proof
 * of the number, younger than the profile's reuse window, makes the
 * order ready at once. Only proofs made by an SMS are reused (not
 * reuses of them), so that deactivating or revoking that authorization
 * ends every reuse of it. Found by the store's index of proofs; the
 * account's orders are walked only when it cannot tell.
 */
static enum prob
order_reuse(struct req *r, struct order *o)
{
	const struct profile	*pr = config_profile(r->cfg, o->profile);
	struct reuse		 u;
	int			 more, rc;

	if (pr == NULL || pr->reuse_seconds == 0)
		return PROB_NONE;
	memset(&u, 0, sizeof(u));
	u.ident = o->ident;
	u.now = r->now;
	u.after = r->now - (time_t)pr->reuse_seconds;
	if ((rc = reuse_indexed(r, &u)) == -1)
		return PROB_SERVER_INTERNAL;
	if (rc == 0 && store_acct_orders(r->st, r->acct.id, NULL, INT_MAX,
	    &more, reuse_one, &u) < 0)
		return PROB_SERVER_INTERNAL;
	if (!u.found)
		return PROB_NONE;
	strcpy(o->proof, u.best.id);
	o->validated = u.best.validated;
	o->authz_expires = u.best.validated + pr->reuse_seconds;
	o->status = ORDER_READY;
	o->authz = AUTHZ_VALID;
	o->chall = CHALL_VALID;
	return PROB_NONE;
}

static enum prob
order_create(struct req *r, struct order *o)
{
	unsigned char	 tok[TOKEN_RAW_LEN];
	char		 url[URL_MAX * 2];
	enum prob	 p;

	if (crypt_id(o->id, sizeof(o->id)) == -1 ||
	    crypt_random(tok, sizeof(tok)) == -1 ||
	    b64url_encode(tok, sizeof(tok), o->token, sizeof(o->token)) !=
	    TOKEN_LEN)
		return PROB_SERVER_INTERNAL;
	strcpy(o->acct, r->acct.id);
	o->status = ORDER_PENDING;
	o->authz = AUTHZ_PENDING;
	o->chall = CHALL_PENDING;
	o->created = r->now;
	/* The limit after the reuse's look-up (a read that refuses
	 * nothing): the limit's window goes with it. */
	if ((p = order_reuse(r, o)) != PROB_NONE ||
	    (p = limit_take(r, r->acct.id, 3600, r->cfg->limit_orders_hour,
	    "orders per account")) != PROB_NONE ||
	    (p = order_claim(r, o)) != PROB_NONE)
		return p;
	if (store_order_put(r->st, o) != STORE_OK ||
	    store_acct_order_add(r->st, o) != STORE_OK ||
	    limit_add(r, r->acct.id, 3600) == -1)
		return PROB_SERVER_INTERNAL;
	r->durable = 1;
	if (url_of(r, url, sizeof(url), "order", o->id) == -1)
		return PROB_SERVER_INTERNAL;
	resp_location(r, url);
	return resp_json(r, 201, order_json(r, o));
}

enum prob
acme_order_new(struct req *r)
{
	json_object	*pl;
	struct order	 o;
	enum prob	 p;

	const char	*key = r->acct.id;
	const long	 hour = 3600;

	memset(&o, 0, sizeof(o));
	if ((pl = jws_payload_object(r->jws)) == NULL)
		return resp_fail(r, PROB_MALFORMED, "the payload must be a "
		    "JSON object");
	/* The limit's window goes with the handler's first read, and so
	 * does the signer's platform (with the certificate it replaces). */
	if (limit_prefetch(r, &key, &hour, 1) == -1 ||
	    platform_prefetch(r) == -1)
		return PROB_SERVER_INTERNAL;
	if ((p = order_ident(r, pl, &o)) != PROB_NONE ||
	    (p = order_profile(r, pl, &o)) != PROB_NONE ||
	    (p = order_replaces(r, pl, &o)) != PROB_NONE ||
	    (p = platform_order(r, o.tn)) != PROB_NONE ||
	    (p = order_validity(r, pl, &o)) != PROB_NONE)
		return p;
	return order_create(r, &o);
}

enum prob
acme_order_post(struct req *r)
{
	struct order	 o;
	char		 id[ID_LEN + 1];
	const char	*rest;
	enum prob	 p;

	if ((p = path_id(r, "/order/", id, &rest)) != PROB_NONE)
		return p;
	if (rest[0] != '\0')
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	if (!r->jws->pag)
		return resp_fail(r, PROB_MALFORMED, "an order takes only "
		    "POST-as-GET");
	if ((p = order_load(r, id, &o)) != PROB_NONE)
		return p;
	if (o.status == ORDER_PROCESSING)
		r->retry_after = 1;
	return resp_json(r, 200, order_json(r, &o));
}

struct page {
	struct req	*r;
	json_object	*list;
	char		 last[ID_LEN + 1];
};

static int
orders_one(void *arg, const struct order *o)
{
	struct page	*pg = arg;
	char		 url[URL_MAX * 2];

	if (o->status == ORDER_INVALID)
		return 0;
	if (url_of(pg->r, url, sizeof(url), "order", o->id) == 0)
		json_object_array_add(pg->list, json_object_new_string(url));
	strcpy(pg->last, o->id);
	return 1;
}

enum prob
acme_orders_list(struct req *r, const char *query)
{
	struct page	 pg = { r, NULL, "" };
	const char	*after = NULL;
	json_object	*o;
	char		 url[URL_MAX * 2];
	int		 more;

	if (!r->jws->pag)
		return resp_fail(r, PROB_MALFORMED, "the orders list takes "
		    "only POST-as-GET");
	if (query[0] == '?') {
		if (strncmp(query, "?cursor=", 8) != 0 ||
		    strlen(query + 8) != ID_LEN)
			return resp_fail(r, PROB_NOT_FOUND, "no such page");
		after = query + 8;
	}
	pg.list = json_object_new_array();
	if (store_acct_orders(r->st, r->acct.id, after, ORDERS_PAGE, &more,
	    orders_one, &pg) < 0) {
		json_object_put(pg.list);
		return PROB_SERVER_INTERNAL;
	}
	if (more && snprintf(url, sizeof(url), "%s/acct/%s/orders?cursor=%s",
	    r->cfg->base_url, r->acct.id, pg.last) > 0)
		resp_link(r, url, "next");
	o = json_object_new_object();
	json_object_object_add(o, "orders", pg.list);
	return resp_json(r, 200, o);
}

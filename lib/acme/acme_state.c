/* Orders with their authorization and challenge: JSON views, access
 * control, expiry and the invalid cascade (RFC 8555 7.1.3-7.1.6). */
#include <stdio.h>
#include <string.h>

#include "acme.h"

static const char *const order_names[ORDER__MAX] = { "pending", "ready",
	"processing", "valid", "invalid" };
static const char *const authz_names[AUTHZ__MAX] = { "pending", "valid",
	"invalid", "deactivated", "expired", "revoked" };
static const char *const chall_names[CHALL__MAX] = { "pending",
	"processing", "valid", "invalid" };

void
order_fail(struct order *o, enum prob p, const char *detail)
{
	o->status = ORDER_INVALID;
	if (o->authz == AUTHZ_PENDING)
		o->authz = AUTHZ_INVALID;
	if (o->chall == CHALL_PENDING || o->chall == CHALL_PROCESSING)
		o->chall = CHALL_INVALID;
	o->error = (uint8_t)p;
	snprintf(o->detail, sizeof(o->detail), "%s", detail);
	explicit_bzero(o->code_mac, sizeof(o->code_mac));
}

int
order_cert_times(const struct config *cfg, const struct order *o,
    time_t now, time_t *nbp, time_t *nap)
{
	const struct profile *pr = config_profile(cfg, o->profile);
	time_t	 max = (time_t)cfg->cert_max_days * 86400, nb, na;
	time_t	 days = pr != NULL ? pr->cert_days : cfg->cert_days;

	nb = now - VALIDITY_SKEW;
	if (o->has_nb && (time_t)o->not_before > nb)
		nb = (time_t)o->not_before;
	if (o->has_na)
		na = (time_t)o->not_after;
	else
		na = (nb > now ? nb : now) + days * 86400;
	if (na > nb + max)
		na = nb + max;
	if (na > (time_t)o->validated + max)
		na = (time_t)o->validated + max;
	/* The freshness policy: not beyond the proof's maximum age. */
	if (pr != NULL && na > (time_t)o->validated + pr->max_proof_seconds)
		na = (time_t)o->validated + pr->max_proof_seconds;
	if (na <= nb)
		return -1;
	*nbp = nb;
	*nap = na;
	return 0;
}

int
order_expire(struct order *o, time_t now)
{
	if (o->chall == CHALL_PROCESSING && o->code_expires <= now) {
		order_fail(o, PROB_INCORRECT_RESPONSE, "the code expired "
		    "before a correct response arrived");
		return 1;
	}
	if ((o->status == ORDER_PENDING || o->status == ORDER_READY) &&
	    o->expires <= now) {
		order_fail(o, PROB_MALFORMED, "the order expired");
		if (o->authz == AUTHZ_VALID)
			o->authz = AUTHZ_EXPIRED;
		return 1;
	}
	if (o->authz == AUTHZ_VALID && o->authz_expires <= now &&
	    o->status != ORDER_VALID) {
		o->authz = AUTHZ_EXPIRED;
		order_fail(o, PROB_MALFORMED, "the authorization expired");
		return 1;
	}
	return 0;
}

enum prob
order_load(struct req *r, const char *id, struct order *o)
{
	int	 rc;

	if ((rc = store_order_get(r->st, id, o)) == STORE_NOTFOUND)
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	if (rc != STORE_OK)
		return PROB_SERVER_INTERNAL;
	if (strcmp(o->acct, r->acct.id) != 0)
		return resp_fail(r, PROB_UNAUTHORIZED, "the resource belongs "
		    "to another account");
	if (order_expire(o, r->now)) {
		if (store_order_put(r->st, o) != STORE_OK)
			return PROB_SERVER_INTERNAL;
	}
	return PROB_NONE;
}

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
add_time(json_object *o, const char *k, time_t t)
{
	char	 buf[40];

	if (time_fmt(t, buf, sizeof(buf)) == 0)
		add_str(o, k, buf);
}

static void
add_url(json_object *o, const char *k, const struct req *r,
    const char *kind, const char *id)
{
	char	 url[URL_MAX * 2];

	if (url_of(r, url, sizeof(url), kind, id) == 0)
		add_str(o, k, url);
}

static json_object *
ident_json(const struct order *o)
{
	json_object	*i = json_object_new_object();

	add_str(i, "type", "TNAuthList");
	add_str(i, "value", o->ident);
	return i;
}

json_object *
order_json(const struct req *r, const struct order *o)
{
	json_object	*j, *a;
	char		 url[URL_MAX * 2];

	if ((j = json_object_new_object()) == NULL)
		return NULL;
	add_str(j, "status", order_names[o->status]);
	if (o->status == ORDER_PENDING || o->status == ORDER_READY ||
	    o->status == ORDER_VALID || o->status == ORDER_PROCESSING)
		add_time(j, "expires", (time_t)o->expires);
	a = json_object_new_array();
	json_object_array_add(a, ident_json(o));
	json_object_object_add(j, "identifiers", a);
	if (o->has_nb)
		add_time(j, "notBefore", (time_t)o->not_before);
	if (o->has_na)
		add_time(j, "notAfter", (time_t)o->not_after);
	a = json_object_new_array();
	if (url_of(r, url, sizeof(url), "authz", o->id) == 0)
		json_object_array_add(a, json_object_new_string(url));
	json_object_object_add(j, "authorizations", a);
	add_url(j, "finalize", r, "finalize", o->id);
	if (o->profile[0] != '\0')
		add_str(j, "profile", o->profile);
	if (o->status == ORDER_VALID)
		add_url(j, "certificate", r, "cert", o->id);
	if (o->status == ORDER_INVALID && o->error != PROB_NONE)
		json_object_object_add(j, "error",
		    problem_object((enum prob)o->error, o->detail));
	return j;
}

json_object *
chall_json(const struct req *r, const struct order *o)
{
	json_object	*c;

	if ((c = json_object_new_object()) == NULL)
		return NULL;
	add_str(c, "type", "sms-link-00");
	add_url(c, "url", r, "chall", o->id);
	add_str(c, "status", chall_names[o->chall]);
	add_str(c, "token", o->token);
	if (o->chall == CHALL_VALID)
		add_time(c, "validated", (time_t)o->validated);
	if (o->chall == CHALL_INVALID && o->error != PROB_NONE)
		json_object_object_add(c, "error",
		    problem_object((enum prob)o->error, o->detail));
	return c;
}

json_object *
authz_json(const struct req *r, const struct order *o)
{
	json_object	*z, *a;

	if ((z = json_object_new_object()) == NULL)
		return NULL;
	add_str(z, "status", authz_names[o->authz]);
	add_time(z, "expires", (time_t)(o->authz == AUTHZ_VALID ?
	    o->authz_expires : o->expires));
	json_object_object_add(z, "identifier", ident_json(o));
	a = json_object_new_array();
	json_object_array_add(a, chall_json(r, o));
	json_object_object_add(z, "challenges", a);
	return z;
}

/* Authorizations (RFC 8555 7.5): POST-as-GET and deactivation. */
#include <string.h>

#include "acme.h"
#include "json.h"
#include "jws.h"

static enum prob
authz_deactivate(struct req *r, struct order *o)
{
	json_object	*pl = jws_payload_object(r->jws);
	const char	*s = json_get_str(pl, "status");

	if (pl == NULL || s == NULL || strcmp(s, "deactivated") != 0)
		return resp_fail(r, PROB_MALFORMED, "an authorization takes "
		    "POST-as-GET or {\"status\": \"deactivated\"}");
	if (o->authz != AUTHZ_PENDING && o->authz != AUTHZ_VALID)
		return resp_fail(r, PROB_MALFORMED, "only a pending or valid "
		    "authorization can be deactivated");
	o->authz = AUTHZ_DEACTIVATED;
	if (o->status != ORDER_VALID)
		order_fail(o, PROB_UNAUTHORIZED, "the authorization was "
		    "deactivated");
	explicit_bzero(o->code_mac, sizeof(o->code_mac));
	r->durable = 1;
	return store_order_put(r->st, o) == STORE_OK ? PROB_NONE :
	    PROB_SERVER_INTERNAL;
}

enum prob
acme_authz_post(struct req *r)
{
	struct order	 o;
	char		 id[ID_LEN + 1];
	const char	*rest;
	enum prob	 p;

	if ((p = path_id(r, "/authz/", id, &rest)) != PROB_NONE)
		return p;
	if (rest[0] != '\0')
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	if ((p = order_load(r, id, &o)) != PROB_NONE)
		return p;
	if (!r->jws->pag && (p = authz_deactivate(r, &o)) != PROB_NONE)
		return p;
	return resp_json(r, 200, authz_json(r, &o));
}

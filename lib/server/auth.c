/* Authentication of a POST: PROTOCOL.md section 4, in its order. */
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "jws.h"
#include "log.h"

/* Rule 11: the key form the resource requires. */
static enum prob
auth_form(struct req *r, enum auth need)
{
	if (need == AUTH_JWK && r->jws->jwk == NULL)
		return resp_fail(r, PROB_MALFORMED, "this resource requires "
		    "a jwk, not a kid");
	if (need == AUTH_KID && r->jws->jwk != NULL)
		return resp_fail(r, PROB_MALFORMED, "this resource requires "
		    "a kid naming an account, not a jwk");
	return PROB_NONE;
}

/* Rules 13 and 14: kid names a valid account; load it. The nonce's
 * spend starts with the read (*started), for its outcome at the end. */
static enum prob
auth_account(struct req *r, int *started)
{
	char		 prefix[URL_MAX + 8];
	const char	*id;
	size_t		 n;
	int		 rc;

	n = (size_t)snprintf(prefix, sizeof(prefix), "%s/acct/",
	    r->cfg->base_url);
	if (strncmp(r->jws->kid, prefix, n) != 0)
		return resp_fail(r, PROB_ACCOUNT_DOES_NOT_EXIST, "kid is not "
		    "an account URL of this server");
	id = r->jws->kid + n;
	if (strlen(id) != ID_LEN ||
	    strchr(id, '/') != NULL)
		return resp_fail(r, PROB_ACCOUNT_DOES_NOT_EXIST, "kid is not "
		    "an account URL of this server");
	*started = nonce_start(r, r->jws->nonce);
	if ((rc = store_account_get(r->st, id, &r->acct)) == STORE_NOTFOUND)
		return resp_fail(r, PROB_ACCOUNT_DOES_NOT_EXIST, "no account "
		    "at this kid");
	if (rc != STORE_OK)
		return PROB_SERVER_INTERNAL;
	if (r->acct.status != ACCT_VALID)
		return resp_fail(r, PROB_ACCOUNT_INACTIVE, "the account is %s",
		    r->acct.status == ACCT_DEACTIVATED ? "deactivated" :
		    "revoked");
	r->has_acct = 1;
	return PROB_NONE;
}

/* Rules 15 and 16 with the account's stored key. */
static enum prob
auth_verify_account(struct req *r)
{
	return jws_verify_account(r->jws, r->acct.id, r->acct.key, r->detail,
	    sizeof(r->detail));
}

enum prob
auth_request(struct req *r, enum auth need)
{
	enum prob	 p;
	int		 started = 0;

	p = jws_parse(r->body, r->bodysz, JWS_OUTER, &r->jws, r->detail,
	    sizeof(r->detail));
	if (p != PROB_NONE)
		return p;
	if (strcmp(r->jws->url, r->url) != 0)
		return resp_fail(r, PROB_UNAUTHORIZED, "the JWS url does not "
		    "match the request URL");
	if ((p = auth_form(r, need)) != PROB_NONE)
		return p;
	if (r->jws->kid == NULL) {
		if ((p = jws_verify(r->jws, r->jws->jwk, r->detail,
		    sizeof(r->detail))) != PROB_NONE)
			return p;
		return nonce_use(r, r->jws->nonce);
	}
	/* A request refused before its nonce counts leaves it unspent. */
	if ((p = auth_account(r, &started)) != PROB_NONE ||
	    (p = auth_verify_account(r)) != PROB_NONE)
		return nonce_end(r, r->jws->nonce, started, 0) == PROB_NONE ?
		    p : PROB_SERVER_INTERNAL;
	return nonce_end(r, r->jws->nonce, started, 1);
}

/* Accounts: newAccount (RFC 8555 7.3), the account URL (7.3.2, 7.3.6)
 * and keyChange (7.3.5). */
#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "crypt.h"
#include "jws.h"
#include "json.h"
#include "platform.h"
#include "ratelimit.h"

/* 1 when s is a plain addr-spec: local@domain, nothing else. */
static int
contact_addr_ok(const char *s)
{
	const char	*at = strchr(s, '@'), *d;
	size_t		 llen;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return 0;
	llen = (size_t)(at - s);
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789.!#$&'*+/=^_`{|}~-") != llen || llen > 64)
		return 0;
	d = at + 1;
	if (d[0] == '\0' || d[0] == '.' || d[0] == '-' ||
	    d[strlen(d) - 1] == '.' || strstr(d, "..") != NULL ||
	    strspn(d, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789.-") != strlen(d))
		return 0;
	return 1;
}

/* Check a contact array and write it as JSON text into out. */
static enum prob
contact_parse(struct req *r, json_object *arr, char *out, size_t outsz)
{
	json_object	*v;
	const char	*s, *txt;
	size_t		 i, n, len;

	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return resp_fail(r, PROB_MALFORMED, "contact must be an array "
		    "of URL strings");
	if ((n = json_object_array_length(arr)) > CONTACT_MAX)
		return resp_fail(r, PROB_INVALID_CONTACT, "at most %d contacts "
		    "are accepted", CONTACT_MAX);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			return resp_fail(r, PROB_MALFORMED, "contact must be "
			    "an array of URL strings");
		/* Whole: no NUL to cut it short, no CR/LF to smuggle. */
		if ((s = json_str(v, 0, &len)) == NULL)
			return resp_fail(r, PROB_INVALID_CONTACT, "a contact "
			    "must not hold a NUL or a control character");
		if (strncmp(s, "mailto:", 7) != 0)
			return resp_fail(r, PROB_UNSUPPORTED_CONTACT, "only "
			    "mailto: contacts are supported");
		if (len > CONTACT_LEN_MAX || !contact_addr_ok(s + 7))
			return resp_fail(r, PROB_INVALID_CONTACT, "a mailto: "
			    "contact must hold one plain e-mail address");
	}
	txt = n == 0 ? "" : json_object_to_json_string_ext(arr,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strlen(txt) >= outsz)
		return resp_fail(r, PROB_INVALID_CONTACT, "contacts too long");
	strcpy(out, txt);
	return PROB_NONE;
}

int
account_json(const struct req *r, const struct account *a, json_object **out)
{
	static const char *const status[ACCT__MAX] = { "valid", "deactivated",
	    "revoked" };
	json_object	*o;
	char		 url[URL_MAX * 2];

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "status",
	    json_object_new_string(status[a->status]));
	if (a->contact[0] != '\0')
		json_object_object_add(o, "contact", json_tokener_parse(
		    a->contact));
	if (a->tos)
		json_object_object_add(o, "termsOfServiceAgreed",
		    json_object_new_boolean(1));
	snprintf(url, sizeof(url), "%s/acct/%s/orders", r->cfg->base_url,
	    a->id);
	json_object_object_add(o, "orders", json_object_new_string(url));
	*out = o;
	return 0;
}

/* Answer with the account, its URL in Location. */
static enum prob
account_reply(struct req *r, int status, const struct account *a)
{
	json_object	*o;
	char		 url[URL_MAX * 2];

	if (url_of(r, url, sizeof(url), "acct", a->id) == -1 ||
	    account_json(r, a, &o) == -1)
		return PROB_SERVER_INTERNAL;
	resp_location(r, url);
	return resp_json(r, status, o);
}

/* The account of an already registered key (RFC 8555 7.3.1). */
static enum prob
account_existing(struct req *r, const char *id)
{
	struct account	 a;

	if (store_account_get(r->st, id, &a) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	if (a.status != ACCT_VALID)
		return resp_fail(r, PROB_ACCOUNT_INACTIVE, "the account of "
		    "this key is %s", a.status == ACCT_DEACTIVATED ?
		    "deactivated" : "revoked");
	return account_reply(r, 200, &a);
}

static enum prob
account_create(struct req *r, json_object *pl)
{
	struct account	 a;
	enum prob	 p;
	int		 tos = 0;

	memset(&a, 0, sizeof(a));
	if (json_get_bool(pl, "termsOfServiceAgreed", &tos) == -1)
		return resp_fail(r, PROB_MALFORMED, "termsOfServiceAgreed "
		    "must be a boolean");
	if (r->cfg->tos_url[0] != '\0' && !tos)
		return resp_fail(r, PROB_MALFORMED, "the terms of service "
		    "must be agreed to (termsOfServiceAgreed: true)");
	if (json_has(pl, "contact") && (p = contact_parse(r,
	    json_object_object_get(pl, "contact"), a.contact,
	    sizeof(a.contact))) != PROB_NONE)
		return p;
	if ((p = platform_bind(r, pl, a.platform)) != PROB_NONE)
		return p;
	if (crypt_id(a.id, sizeof(a.id)) == -1)
		return PROB_SERVER_INTERNAL;
	a.status = ACCT_VALID;
	a.tos = tos != 0;
	a.created = r->now;
	strcpy(a.thumb, jwk_thumb(r->jws->jwk));
	if (strlen(jwk_canon(r->jws->jwk)) >= sizeof(a.key))
		return resp_fail(r, PROB_BAD_PUBLIC_KEY, "the key is too large");
	strcpy(a.key, jwk_canon(r->jws->jwk));
	if (store_account_put(r->st, &a) != STORE_OK ||
	    store_key_put(r->st, a.thumb, a.id) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	r->durable = 1;
	return account_reply(r, 201, &a);
}

enum prob
acme_account_new(struct req *r)
{
	json_object	*pl;
	char		 id[ID_LEN + 1];
	int		 only = 0, rc;
	enum prob	 p;

	if ((pl = jws_payload_object(r->jws)) == NULL)
		return resp_fail(r, PROB_MALFORMED, "the payload must be a "
		    "JSON object");
	if (json_get_bool(pl, "onlyReturnExisting", &only) == -1)
		return resp_fail(r, PROB_MALFORMED, "onlyReturnExisting must "
		    "be a boolean");
	/* The limits' windows go with the key's look-up. */
	if (!only && (p = limit_accounts(r, -1)) != PROB_NONE)
		return p;
	rc = store_key_get(r->st, jwk_thumb(r->jws->jwk), id);
	if (rc == STORE_OK)
		return account_existing(r, id);
	if (rc != STORE_NOTFOUND)
		return PROB_SERVER_INTERNAL;
	if (only)
		return resp_fail(r, PROB_ACCOUNT_DOES_NOT_EXIST, "no account "
		    "exists for this key");
	if ((p = limit_accounts(r, 0)) != PROB_NONE ||
	    (p = account_create(r, pl)) != PROB_NONE)
		return p;
	return limit_accounts(r, 1);
}

/* Invalidate the account's pending orders when it is deactivated. */
static int
account_order_stop(void *arg, const struct order *o)
{
	struct req	*r = arg;
	struct order	 c = *o;

	if (c.status == ORDER_PENDING || c.status == ORDER_READY) {
		order_fail(&c, PROB_UNAUTHORIZED, "the account was "
		    "deactivated");
		store_order_put(r->st, &c);
	}
	return 1;
}

/* The status a payload asks for: *deactivate set for "deactivated". */
static enum prob
account_status(struct req *r, json_object *pl, int *deactivate)
{
	const char	*s = json_get_str(pl, "status");

	*deactivate = 0;
	if (!json_has(pl, "status"))
		return PROB_NONE;
	if (s == NULL)
		return resp_fail(r, PROB_MALFORMED, "status must be a string");
	if (strcmp(s, "valid") == 0)
		return PROB_NONE;
	if (strcmp(s, "deactivated") != 0)
		return resp_fail(r, PROB_MALFORMED, "status may only be "
		    "changed to \"deactivated\"");
	*deactivate = 1;
	return PROB_NONE;
}

/* The whole payload is checked first; only then is anything changed. */
static enum prob
account_update(struct req *r)
{
	json_object	*pl;
	char		 contact[CONTACT_JSON_MAX];
	enum prob	 p;
	int		 deactivate, more;

	if ((pl = jws_payload_object(r->jws)) == NULL)
		return resp_fail(r, PROB_MALFORMED, "the payload must be a "
		    "JSON object");
	if ((p = account_status(r, pl, &deactivate)) != PROB_NONE)
		return p;
	if (json_has(pl, "contact") && (p = contact_parse(r,
	    json_object_object_get(pl, "contact"), contact,
	    sizeof(contact))) != PROB_NONE)
		return p;
	if (!json_has(pl, "status") && !json_has(pl, "contact"))
		return account_reply(r, 200, &r->acct);
	if (json_has(pl, "contact"))
		strcpy(r->acct.contact, contact);
	if (deactivate) {
		r->acct.status = ACCT_DEACTIVATED;
		if (store_acct_orders(r->st, r->acct.id, NULL, 1 << 30, &more,
		    account_order_stop, r) < 0)
			return PROB_SERVER_INTERNAL;
	}
	if (store_account_put(r->st, &r->acct) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	r->durable = 1;
	return account_reply(r, 200, &r->acct);
}

enum prob
acme_account_post(struct req *r)
{
	char		 id[ID_LEN + 1];
	const char	*rest;
	enum prob	 p;

	if ((p = path_id(r, "/acct/", id, &rest)) != PROB_NONE)
		return p;
	if (strcmp(id, r->acct.id) != 0)
		return resp_fail(r, PROB_UNAUTHORIZED, "the account URL is not "
		    "the signer's");
	if (strncmp(rest, "/orders", 7) == 0 && (rest[7] == '\0' ||
	    rest[7] == '?'))
		return acme_orders_list(r, rest + 7);
	if (rest[0] != '\0')
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	if (r->jws->pag)
		return account_reply(r, 200, &r->acct);
	return account_update(r);
}

/* Checks 6 to 10 of keyChange on the verified inner JWS. */
static enum prob
keychange_inner(struct req *r, struct jws *in)
{
	json_object	*pl, *old;
	struct jwk	*oldkey = NULL;
	const char	*acct;
	char		 id[ID_LEN + 1], url[URL_MAX * 2];
	enum prob	 p;
	int		 rc;

	pl = jws_payload_object(in);
	if (pl == NULL || (acct = json_get_str(pl, "account")) == NULL ||
	    (old = json_get_obj(pl, "oldKey")) == NULL)
		return resp_fail(r, PROB_MALFORMED, "the inner payload must "
		    "hold account and oldKey");
	if (strcmp(in->url, r->jws->url) != 0)
		return resp_fail(r, PROB_MALFORMED, "the inner url differs "
		    "from the outer url");
	if (strcmp(acct, r->jws->kid) != 0)
		return resp_fail(r, PROB_UNAUTHORIZED, "account is not the "
		    "signer's account URL");
	if ((p = jwk_parse(old, &oldkey, r->detail, sizeof(r->detail))) !=
	    PROB_NONE || strcmp(jwk_thumb(oldkey), r->acct.thumb) != 0) {
		jwk_free(oldkey);
		return resp_fail(r, PROB_UNAUTHORIZED, "oldKey is not the "
		    "account's current key");
	}
	jwk_free(oldkey);
	rc = store_key_get(r->st, jwk_thumb(in->jwk), id);
	if (rc == STORE_OK) {
		if (url_of(r, url, sizeof(url), "acct", id) == 0)
			resp_location(r, url);
		return resp_fail(r, PROB_CONFLICT, "the new key belongs to "
		    "an account already");
	}
	return rc == STORE_NOTFOUND ? PROB_NONE : PROB_SERVER_INTERNAL;
}

enum prob
acme_key_change(struct req *r)
{
	struct jws	*in = NULL;
	enum prob	 p;

	if (r->jws->pag)
		return resp_fail(r, PROB_MALFORMED, "the payload must be a "
		    "JWS");
	p = jws_parse((char *)r->jws->payload, r->jws->payloadsz, JWS_INNER,
	    &in, r->detail, sizeof(r->detail));
	if (p == PROB_NONE)
		p = jws_verify(in, in->jwk, r->detail, sizeof(r->detail));
	if (p == PROB_NONE)
		p = keychange_inner(r, in);
	if (p == PROB_NONE && (store_key_del(r->st, r->acct.thumb) ==
	    STORE_ERR || store_key_put(r->st, jwk_thumb(in->jwk),
	    r->acct.id) != STORE_OK))
		p = PROB_SERVER_INTERNAL;
	if (p == PROB_NONE) {
		strcpy(r->acct.thumb, jwk_thumb(in->jwk));
		snprintf(r->acct.key, sizeof(r->acct.key), "%s",
		    jwk_canon(in->jwk));
		if (store_account_put(r->st, &r->acct) != STORE_OK)
			p = PROB_SERVER_INTERNAL;
		r->durable = 1;
	}
	jws_free(in);
	return p == PROB_NONE ? account_reply(r, 200, &r->acct) : p;
}

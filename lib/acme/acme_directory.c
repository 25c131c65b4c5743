/* The directory (RFC 8555 7.1.1) and new-nonce (7.2). */
#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "jws.h"

static void
dir_add(json_object *o, const struct req *r, const char *name,
    const char *path)
{
	char	 url[URL_MAX * 2];

	if (url_of(r, url, sizeof(url), path, NULL) == 0)
		json_object_object_add(o, name, json_object_new_string(url));
}

/* meta.profiles (draft-ietf-acme-profiles 3): name -> description. */
static json_object *
dir_profiles(const struct config *cfg)
{
	json_object	*p = json_object_new_object();
	size_t		 i;

	for (i = 0; p != NULL && i < cfg->nprofiles; i++)
		json_object_object_add(p, cfg->profiles[i].name,
		    json_object_new_string(cfg->profiles[i].description));
	return p;
}

enum prob
acme_directory(struct req *r)
{
	json_object	*o, *meta;

	if ((o = json_object_new_object()) == NULL)
		return PROB_SERVER_INTERNAL;
	dir_add(o, r, "newNonce", "new-nonce");
	dir_add(o, r, "newAccount", "new-account");
	dir_add(o, r, "newOrder", "new-order");
	dir_add(o, r, "revokeCert", "revoke-cert");
	dir_add(o, r, "keyChange", "key-change");
	dir_add(o, r, "renewalInfo", "renewal-info");
	meta = json_object_new_object();
	if (r->cfg->tos_url[0] != '\0')
		json_object_object_add(meta, "termsOfService",
		    json_object_new_string(r->cfg->tos_url));
	if (r->cfg->website[0] != '\0')
		json_object_object_add(meta, "website",
		    json_object_new_string(r->cfg->website));
	json_object_object_add(meta, "externalAccountRequired",
	    json_object_new_boolean(r->cfg->eab_required));
	json_object_object_add(meta, "profiles", dir_profiles(r->cfg));
	json_object_object_add(o, "meta", meta);
	r->no_index = 1;
	return resp_json(r, 200, o);
}

/* HEAD: 200; GET: 204 (RFC 8555 7.2). The nonce is added by serve. */
enum prob
acme_nonce(struct req *r)
{
	r->status = r->method == METHOD_HEAD ? 200 : 204;
	resp_header(r, "Cache-Control", "no-store");
	return PROB_NONE;
}

/* POST-as-GET to new-nonce: 204 once the request authenticated. */
enum prob
acme_nonce_post(struct req *r)
{
	if (!r->jws->pag)
		return resp_fail(r, PROB_MALFORMED, "new-nonce takes only "
		    "POST-as-GET");
	r->status = 204;
	resp_header(r, "Cache-Control", "no-store");
	return PROB_NONE;
}

/* An ACME client (RFC 8555): the directory, accounts, the TNAuthList
 * order with its sms-link-00 challenge (PROTOCOL.md 8.2), finalize,
 * download, revocation and key change. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "acmec.h"
#include "acmecint.h"
#include "b64url.h"
#include "bounds.h"
#include "crypt.h"
#include "json.h"
#include "log.h"
#include "sign.h"
#include "timefmt.h"
#include "tnauthlist.h"


static const struct {
	const char	*name;
	size_t		 off;
	int		 required;
} dirfields[] = {
	{ "newNonce", offsetof(struct acmec_dir, nonce), 1 },
	{ "newAccount", offsetof(struct acmec_dir, account), 1 },
	{ "newOrder", offsetof(struct acmec_dir, order), 1 },
	{ "revokeCert", offsetof(struct acmec_dir, revoke), 0 },
	{ "keyChange", offsetof(struct acmec_dir, keychange), 0 },
	{ "renewalInfo", offsetof(struct acmec_dir, renewal), 0 },
};

/*
 * JSON payloads.
 */

/* Add v under k to o; puts v on failure. NULL v (allocation) fails. */
int
acmec_jadd(json_object *o, const char *k, json_object *v)
{
	if (o == NULL || v == NULL || json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int
acmec_jpush(json_object *a, json_object *v)
{
	if (a == NULL || v == NULL || json_object_array_add(a, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* Compact text of o, malloc'd; NULL on failure. */
char *
acmec_jtext(json_object *o)
{
	const char	*s;

	if (o == NULL || (s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) == NULL)
		return NULL;
	return strdup(s);
}

/* base64url of len octets, malloc'd. */
char *
acmec_b64(const unsigned char *p, size_t len)
{
	char	*out;
	size_t	 n = B64URL_LEN(len) + 1;

	if ((out = malloc(n)) == NULL)
		return NULL;
	if (b64url_encode(p, len, out, n) == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * Setup.
 */

static int
acmec_setup(struct acmec *c, const char *cafile)
{
	CURL	*h;

	if ((h = c->curl = curl_easy_init()) == NULL ||
	    (c->jose = curl_slist_append(NULL,
	    "Content-Type: application/jose+json")) == NULL ||
	    curl_slist_append(c->jose, "Expect:") == NULL)
		return -1;
	if (curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, ACMEC_AGENT) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    ACMEC_CONNECT_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT, ACMEC_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curlerr) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, acmec_on_body) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->resp) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, acmec_on_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, &c->resp) != CURLE_OK)
		return -1;
	if (cafile != NULL &&
	    curl_easy_setopt(h, CURLOPT_CAINFO, cafile) != CURLE_OK)
		return -1;
	return 0;
}

/* GET the directory and keep the URLs we use (RFC 8555 7.1.1). */
static int
acmec_directory(struct acmec *c, const char *url)
{
	json_object	*o = NULL, *meta;
	const char	*v;
	size_t		 i;
	int		 rc = -1;

	if (acmec_perform(c, ACMEC_GET, url, NULL) == -1)
		return -1;
	if (c->resp.status != 200)
		return acmec_refused(c);
	if (acmec_json(c, &o) == -1 || o == NULL)
		return acmec_error(c, "the directory is not a JSON object");
	for (i = 0; i < sizeof(dirfields) / sizeof(dirfields[0]); i++) {
		if ((v = json_get_str(o, dirfields[i].name)) == NULL) {
			if (!dirfields[i].required)
				continue;
			acmec_error(c, "the directory has no %s",
			    dirfields[i].name);
			goto out;
		}
		if (!acmec_url_ok(v)) {
			acmec_error(c, "the directory's %s is not an https "
			    "URL", dirfields[i].name);
			goto out;
		}
		strcpy((char *)&c->dir + dirfields[i].off, v);
	}
	if ((meta = json_get_obj(o, "meta")) != NULL &&
	    (v = json_get_str(meta, "termsOfService")) != NULL &&
	    strlen(v) < sizeof(c->dir.terms)) {
		strcpy(c->dir.terms, v);
		acmec_clean(c->dir.terms);
	}
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

struct acmec *
acmec_new(const char *directory_url, const char *cafile, struct signer *key,
    char *err, size_t errsz)
{
	struct acmec	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	c->key = key;
	acmec_prob_reset(&c->prob);
	c->resp.retry_after = -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errsz, "libcurl does not initialise");
		free(c);
		return NULL;
	}
	c->global = 1;
	if (acmec_setup(c, cafile) == -1) {
		log_err("%s: libcurl setup failed", __func__);
		snprintf(err, errsz, "libcurl setup failed");
		acmec_free(c);
		return NULL;
	}
	if (acmec_directory(c, directory_url) == -1) {
		snprintf(err, errsz, "directory %s: %s", directory_url,
		    c->prob.detail);
		acmec_free(c);
		return NULL;
	}
	return c;
}

void
acmec_free(struct acmec *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->jose);
	free(c->resp.body);
	if (c->global)
		curl_global_cleanup();
	free(c);
}

const struct acmec_problem *
acmec_problem(const struct acmec *c)
{
	return &c->prob;
}

int
acmec_status(const struct acmec *c)
{
	return (int)c->resp.status;
}

const char *
acmec_terms(const struct acmec *c)
{
	return c->dir.terms[0] != '\0' ? c->dir.terms : NULL;
}

const char *
acmec_link(const struct acmec *c, const char *rel)
{
	size_t	 i;

	for (i = 0; i < c->resp.nlinks; i++)
		if (strcmp(c->resp.links[i].rel, rel) == 0)
			return c->resp.links[i].url;
	return NULL;
}

void
acmec_set_kid(struct acmec *c, const char *url)
{
	snprintf(c->kid, sizeof(c->kid), "%s", url);
}

/*
 * Requests.
 */

int
acmec_set_eab(struct acmec *c, const char *kid, const char *key64)
{
	if (strlen(kid) == 0 || strlen(kid) > EAB_KID_MAX ||
	    strlen(key64) != B64URL_LEN(EAB_KEY_LEN) || b64url_decode(key64,
	    strlen(key64), c->eab_key, sizeof(c->eab_key)) != EAB_KEY_LEN)
		return -1;
	strcpy(c->eab_kid, kid);
	return 0;
}

/* The binding: an HS256 JWS over the account's JWK (RFC 8555 7.3.4). */
static json_object *
acmec_eab(struct acmec *c)
{
	json_object	*h, *o = NULL;
	unsigned char	 mac[SHA256_LEN];
	char		*prot = NULL, *pl = NULL, *in = NULL, sig[64];
	const char	*ht, *jwk = signer_jwk(c->key);
	size_t		 n;

	h = json_object_new_object();
	acmec_jadd(h, "alg", json_object_new_string("HS256"));
	acmec_jadd(h, "kid", json_object_new_string(c->eab_kid));
	acmec_jadd(h, "url", json_object_new_string(c->dir.account));
	ht = json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	prot = malloc(B64URL_LEN(strlen(ht)) + 1);
	pl = malloc(B64URL_LEN(strlen(jwk)) + 1);
	if (prot == NULL || pl == NULL)
		goto out;
	b64url_encode((const unsigned char *)ht, strlen(ht), prot,
	    B64URL_LEN(strlen(ht)) + 1);
	b64url_encode((const unsigned char *)jwk, strlen(jwk), pl,
	    B64URL_LEN(strlen(jwk)) + 1);
	n = strlen(prot) + 1 + strlen(pl) + 1;
	if ((in = malloc(n)) == NULL)
		goto out;
	snprintf(in, n, "%s.%s", prot, pl);
	if (crypt_hmac(c->eab_key, sizeof(c->eab_key), in, strlen(in),
	    mac) == -1)
		goto out;
	b64url_encode(mac, sizeof(mac), sig, sizeof(sig));
	o = json_object_new_object();
	acmec_jadd(o, "protected", json_object_new_string(prot));
	acmec_jadd(o, "payload", json_object_new_string(pl));
	acmec_jadd(o, "signature", json_object_new_string(sig));
out:
	json_object_put(h);
	free(prot);
	free(pl);
	free(in);
	return o;
}

int
acmec_account(struct acmec *c, const char *contact, int only_existing,
    char *url, size_t urlsz)
{
	json_object	*p, *a = NULL;
	char		*txt = NULL;
	int		 rc = -1, bad = 0;

	p = json_object_new_object();
	if (contact != NULL) {
		a = json_object_new_array();
		if (acmec_jadd(p, "contact", a) == -1)
			a = NULL;
		bad |= acmec_jpush(a, json_object_new_string(contact));
	}
	if (c->dir.terms[0] != '\0')
		bad |= acmec_jadd(p, "termsOfServiceAgreed",
		    json_object_new_boolean(1));
	if (only_existing)
		bad |= acmec_jadd(p, "onlyReturnExisting",
		    json_object_new_boolean(1));
	if (!only_existing && c->eab_kid[0] != '\0')
		bad |= acmec_jadd(p, "externalAccountBinding", acmec_eab(c));
	if (!bad)
		txt = acmec_jtext(p);
	json_object_put(p);
	if (txt == NULL)
		return acmec_error(c, "out of memory");
	if (acmec_signed(c, c->dir.account, txt, c->key, NULL) == -1)
		goto out;
	if ((c->resp.status != 200 && c->resp.status != 201) ||
	    !acmec_url_ok(c->resp.location)) {
		acmec_error(c, "newAccount answered %ld without an account "
		    "URL", c->resp.status);
		goto out;
	}
	snprintf(c->kid, sizeof(c->kid), "%s", c->resp.location);
	rc = acmec_copy(c, url, urlsz, c->kid);
out:
	free(txt);
	return rc;
}

int
acmec_post(struct acmec *c, const char *url, const char *payload,
    json_object **out, char *location, size_t locsz)
{
	if (out != NULL)
		*out = NULL;
	if (location != NULL && locsz > 0)
		location[0] = '\0';
	if (c->kid[0] == '\0')
		return acmec_error(c, "no account URL to sign with");
	if (acmec_signed(c, url, payload, c->key, c->kid) == -1)
		return -1;
	if (location != NULL &&
	    acmec_copy(c, location, locsz, c->resp.location) == -1)
		return -1;
	return out == NULL ? 0 : acmec_json(c, out);
}

int
acmec_key_change(struct acmec *c, struct signer *newkey)
{
	json_object	*p, *old;
	char		*inner = NULL, *txt = NULL;
	const char	*canon = signer_jwk(c->key);
	int		 rc = -1, bad;

	if (c->dir.keychange[0] == '\0')
		return acmec_error(c, "the directory has no keyChange");
	if (c->kid[0] == '\0')
		return acmec_error(c, "no account URL to sign with");
	/* RFC 8555 7.3.5: {"account": kid, "oldKey": the current JWK}. */
	p = json_object_new_object();
	old = json_parse_object(canon, strlen(canon));
	bad = acmec_jadd(p, "account", json_object_new_string(c->kid)) |
	    acmec_jadd(p, "oldKey", old);
	if (!bad)
		txt = acmec_jtext(p);
	json_object_put(p);
	if (txt == NULL)
		return acmec_error(c, "out of memory");
	/* The inner JWS: the new key's jwk, the same url, no nonce. */
	if ((inner = signer_jws(newkey, c->dir.keychange, NULL, NULL,
	    txt)) == NULL) {
		acmec_error(c, "cannot sign with the new key");
		goto out;
	}
	if (acmec_signed(c, c->dir.keychange, inner, c->key, c->kid) == -1)
		goto out;
	c->key = newkey;
	rc = 0;
out:
	free(inner);
	free(txt);
	return rc;
}

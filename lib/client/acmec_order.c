/* The client's order flow (RFC 8555 7.4, 7.5): the TNAuthList order, its
 * sms-link-00 challenge (PROTOCOL.md 8.2), finalize, the certificate, its
 * renewal information (RFC 9773) and revocation. */
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

int
acmec_order(struct acmec *c, const char *tn, json_object **order,
    char *url, size_t urlsz)
{
	return acmec_order_with(c, tn, NULL, NULL, order, url, urlsz);
}

int
acmec_order_with(struct acmec *c, const char *tn, const char *profile,
    const char *replaces, json_object **order, char *url, size_t urlsz)
{
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	size_t		 len = sizeof(der);
	char		 value[IDENT_VALUE_MAX + 1];
	json_object	*pl = NULL, *ids, *id;
	char		*txt;
	int		 rc;

	*order = NULL;
	if (tnauthlist_encode(tn, der, &len) == -1 ||
	    b64url_encode(der, len, value, sizeof(value)) == 0)
		return acmec_error(c, "not a number of 1 to %d digits: "
		    "%.20s", TN_MAX, tn);
	if ((pl = json_object_new_object()) == NULL ||
	    (ids = json_object_new_array()) == NULL ||
	    acmec_jadd(pl, "identifiers", ids) == -1 ||
	    (id = json_object_new_object()) == NULL || acmec_jpush(ids, id) == -1 ||
	    acmec_jadd(id, "type", json_object_new_string("TNAuthList")) == -1 ||
	    acmec_jadd(id, "value", json_object_new_string(value)) == -1 ||
	    (profile != NULL && acmec_jadd(pl, "profile",
	    json_object_new_string(profile)) == -1) ||
	    (replaces != NULL && acmec_jadd(pl, "replaces",
	    json_object_new_string(replaces)) == -1)) {
		json_object_put(pl);
		return acmec_error(c, "out of memory");
	}
	txt = acmec_jtext(pl);
	json_object_put(pl);
	if (txt == NULL)
		return acmec_error(c, "out of memory");
	rc = acmec_post(c, c->dir.order, txt, order, url, urlsz);
	free(txt);
	if (rc == 0 && (c->resp.status != 201 || *order == NULL ||
	    (url != NULL && urlsz > 0 && !acmec_url_ok(url)))) {
		json_object_put(*order);
		*order = NULL;
		return acmec_error(c, "newOrder answered %ld without an "
		    "order and its URL", c->resp.status);
	}
	return rc;
}

/* The sms-link-00 challenge of the authorization az. */
static int
acmec_find_challenge(struct acmec *c, json_object *az, char *url,
    size_t urlsz, char *token, size_t tokensz)
{
	json_object	*arr, *ch;
	const char	*type, *u, *t;
	size_t		 i, n;

	if ((arr = json_get_arr(az, "challenges")) == NULL)
		return acmec_error(c, "the authorization has no challenges");
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		ch = json_object_array_get_idx(arr, i);
		if ((type = json_get_str(ch, "type")) == NULL ||
		    strcmp(type, "sms-link-00") != 0)
			continue;
		u = json_get_str(ch, "url");
		t = json_get_str(ch, "token");
		if (u == NULL || !acmec_url_ok(u) || t == NULL ||
		    !b64url_valid(t, strlen(t)))
			return acmec_error(c, "the sms-link-00 challenge lacks "
			    "a valid url or token");
		if (acmec_copy(c, url, urlsz, u) == -1 ||
		    acmec_copy(c, token, tokensz, t) == -1)
			return -1;
		return 0;
	}
	return acmec_error(c, "the authorization offers no sms-link-00 "
	    "challenge");
}

int
acmec_challenge(struct acmec *c, json_object *order, char *url,
    size_t urlsz, char *token, size_t tokensz)
{
	json_object	*arr, *az = NULL;
	const char	*azurl = NULL;
	int		 rc;

	if ((arr = json_get_arr(order, "authorizations")) != NULL &&
	    json_object_array_length(arr) == 1 &&
	    json_object_is_type(json_object_array_get_idx(arr, 0),
	    json_type_string))
		azurl = json_object_get_string(json_object_array_get_idx(arr,
		    0));
	if (azurl == NULL)
		return acmec_error(c, "the order does not list exactly one "
		    "authorization");
	if (acmec_post(c, azurl, "", &az, NULL, 0) == -1)
		return -1;
	rc = az == NULL ? acmec_error(c, "the authorization is empty") :
	    acmec_find_challenge(c, az, url, urlsz, token, tokensz);
	json_object_put(az);
	return rc;
}

int
acmec_ready(struct acmec *c, const char *chall_url, json_object **out)
{
	return acmec_post(c, chall_url, "{}", out, NULL, 0);
}

int
acmec_answer(struct acmec *c, const char *chall_url, const char *token,
    const char *code, json_object **out)
{
	char	 digest[THUMB_LEN + 1], payload[THUMB_LEN + 32];
	int	 rc;

	*out = NULL;
	if (acmec_digest(code, token, signer_thumb(c->key), digest) == -1)
		return acmec_error(c, "cannot compute the response digest");
	snprintf(payload, sizeof(payload), "{\"keyAuthorization\":\"%s\"}",
	    digest);
	rc = acmec_post(c, chall_url, payload, out, NULL, 0);
	explicit_bzero(digest, sizeof(digest));
	explicit_bzero(payload, sizeof(payload));
	return rc;
}

int
acmec_digest(const char *code, const char *token, const char *thumb,
    char out[44])
{
	char		 ka[ACMEC_DIGEST_INPUT];
	unsigned char	 h[SHA256_LEN];
	int		 n, rc = -1;

	out[0] = '\0';
	n = snprintf(ka, sizeof(ka), "%s%s.%s", code, token, thumb);
	if (n > 0 && (size_t)n < sizeof(ka) &&
	    crypt_sha256(ka, (size_t)n, h) == 0 &&
	    b64url_encode(h, sizeof(h), out, 44) == THUMB_LEN)
		rc = 0;
	explicit_bzero(ka, sizeof(ka));
	explicit_bzero(h, sizeof(h));
	return rc;
}

/* An order that ended other than valid; its error becomes the problem. */
static int
acmec_order_failed(struct acmec *c, json_object *o, const char *status)
{
	json_object	*err;
	int64_t		 st;

	if (strcmp(status, "invalid") != 0 ||
	    (err = json_get_obj(o, "error")) == NULL)
		return acmec_error(c, "the order is %.20s after finalize",
		    status);
	acmec_prob_reset(&c->prob);
	acmec_prob_from(&c->prob, err);
	c->prob.status = json_get_int(err, "status", 400, 599, &st) == 1 ?
	    (int)st : 400;
	if (c->prob.detail[0] == '\0')
		snprintf(c->prob.detail, sizeof(c->prob.detail), "the order "
		    "is invalid");
	return -1;
}

/*
 * Poll the order at url while it is "processing" (RFC 8555 7.4), waiting
 * as Retry-After says, for at most ACMEC_POLL_MAX seconds in all. *o is
 * the order, replaced on each poll; it must end "valid".
 */
static int
acmec_poll(struct acmec *c, const char *url, json_object **o)
{
	const char	*st;
	long		 waited = 0, w;

	for (;;) {
		if (*o == NULL || (st = json_get_str(*o, "status")) == NULL)
			return acmec_error(c, "the order has no status");
		if (strcmp(st, "processing") != 0)
			break;
		if (url[0] == '\0')
			return acmec_error(c, "the order is processing and "
			    "finalize gave no order URL to poll");
		w = c->resp.retry_after;
		w = w < 1 ? 1 : w > ACMEC_WAIT_MAX ? ACMEC_WAIT_MAX : w;
		if (waited + w > ACMEC_POLL_MAX)
			return acmec_error(c, "the order is still processing "
			    "after %ld s", waited);
		sleep((unsigned int)w);
		waited += w;
		json_object_put(*o);
		if (acmec_post(c, url, "", o, NULL, 0) == -1)
			return -1;
	}
	return strcmp(st, "valid") == 0 ? 0 : acmec_order_failed(c, *o, st);
}

int
acmec_finalize(struct acmec *c, json_object *order, const unsigned char *csr,
    size_t csrlen, json_object **out)
{
	json_object	*o = NULL;
	const char	*fin;
	char		*b64, *txt = NULL, loc[URL_MAX];
	int		 rc = -1;

	*out = NULL;
	if ((fin = json_get_str(order, "finalize")) == NULL)
		return acmec_error(c, "the order has no finalize URL");
	if (csrlen == 0 || csrlen > CSR_DER_MAX)
		return acmec_error(c, "the CSR is empty or larger than %d "
		    "octets", CSR_DER_MAX);
	if ((b64 = acmec_b64(csr, csrlen)) == NULL ||
	    asprintf(&txt, "{\"csr\":\"%s\"}", b64) == -1) {
		free(b64);
		return acmec_error(c, "out of memory");
	}
	if (acmec_post(c, fin, txt, &o, loc, sizeof(loc)) == 0 &&
	    acmec_poll(c, loc, &o) == 0) {
		*out = o;
		o = NULL;
		rc = 0;
	}
	json_object_put(o);
	free(b64);
	free(txt);
	return rc;
}

int
acmec_cert(struct acmec *c, const char *cert_url, char **pem)
{
	struct acmec_resp	*r = &c->resp;

	*pem = NULL;
	if (acmec_post(c, cert_url, "", NULL, NULL, 0) == -1)
		return -1;
	if (strcmp(r->ctype, "application/pem-certificate-chain") != 0)
		return acmec_error(c, "the certificate URL answered \"%s\", "
		    "not a PEM chain", r->ctype);
	if (r->len == 0 || strlen(r->body) != r->len ||
	    strncmp(r->body, "-----BEGIN CERTIFICATE-----", 27) != 0)
		return acmec_error(c, "the certificate chain is not PEM");
	*pem = r->body;
	r->body = NULL;
	r->len = r->cap = 0;
	return 0;
}

int
acmec_renewal_info(struct acmec *c, const char *certid, long *start,
    long *end, char *why, size_t whysz)
{
	json_object	*o = NULL, *w;
	const char	*a, *b, *u;
	char		 url[URL_MAX * 2];
	time_t		 ts, te;
	int		 rc = -1;

	if (c->dir.renewal[0] == '\0')
		return acmec_error(c, "the directory has no renewalInfo");
	if (strspn(certid, B64URL_CHARS ".") != strlen(certid) ||
	    snprintf(url, sizeof(url), "%s/%s", c->dir.renewal, certid) >=
	    (int)sizeof(url))
		return acmec_error(c, "not a certID");
	if (acmec_perform(c, ACMEC_GET, url, NULL) == -1)
		return -1;
	if (c->resp.status != 200)
		return acmec_refused(c);
	if (acmec_json(c, &o) == -1 || o == NULL ||
	    (w = json_get_obj(o, "suggestedWindow")) == NULL ||
	    (a = json_get_str(w, "start")) == NULL ||
	    (b = json_get_str(w, "end")) == NULL ||
	    time_parse(a, &ts) == -1 || time_parse(b, &te) == -1 || te < ts) {
		acmec_error(c, "renewalInfo without a suggestedWindow");
		goto out;
	}
	*start = (long)ts;
	*end = (long)te;
	if (why != NULL && whysz > 0) {
		u = json_get_str(o, "explanationURL");
		snprintf(why, whysz, "%s", u != NULL ? u : "");
		acmec_clean(why);
	}
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

int
acmec_revoke(struct acmec *c, const unsigned char *der, size_t len,
    int reason, struct signer *certkey)
{
	char		*b64, *txt = NULL;
	int		 rc = -1, n;

	if (c->dir.revoke[0] == '\0')
		return acmec_error(c, "the directory has no revokeCert");
	if (certkey == NULL && c->kid[0] == '\0')
		return acmec_error(c, "no account URL to sign with");
	if (len == 0 || len > CERT_DER_MAX || (b64 = acmec_b64(der, len)) ==
	    NULL)
		return acmec_error(c, "no certificate or one too large");
	n = reason >= 0 ?
	    asprintf(&txt, "{\"certificate\":\"%s\",\"reason\":%d}", b64,
	    reason) : asprintf(&txt, "{\"certificate\":\"%s\"}", b64);
	if (n == -1) {
		txt = NULL;
		acmec_error(c, "out of memory");
		goto out;
	}
	rc = certkey != NULL ?
	    acmec_signed(c, c->dir.revoke, txt, certkey, NULL) :
	    acmec_signed(c, c->dir.revoke, txt, c->key, c->kid);
out:
	free(b64);
	free(txt);
	return rc;
}

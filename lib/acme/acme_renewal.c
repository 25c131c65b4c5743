/* ACME Renewal Information (RFC 9773): the certID, the suggested
 * renewal window of a certificate under the freshness policy of its
 * profile, and the renewalInfo resource with its explanation pages. */
#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "b64url.h"
#include "log.h"
#include "x509.h"

#define EXPLAIN_PREFIX	"/renewal-info/explain/"
#define PAST_START	(2 * 86400)	/* a window in the past: from ... */
#define PAST_END	86400		/* ... to this long before the event */

static const char *const why_names[RENEW__MAX] = { "", "stale", "revoked",
	"reassigned" };

static const char *const why_text[RENEW__MAX] = {
	"",
	"The proof of the telephone number behind this certificate is older "
	"than the certificate profile allows. Prove the number again (a new "
	"order) and replace the certificate.",
	"This certificate was revoked. Replace it with a new one.",
	"The operator of this certificate authority learned that the "
	"telephone number of this certificate was reassigned to another "
	"subscriber, and revoked the certificate (reason privilegeWithdrawn). "
	"Whoever holds the number now must prove it again by SMS before a new "
	"certificate is issued.",
};

/* One base64url part of a certID into out (at most max octets). */
static ssize_t
certid_part(const char *s, size_t len, unsigned char *out, size_t max)
{
	if (len == 0 || len > B64URL_LEN(max) || !b64url_valid(s, len))
		return -1;
	return b64url_decode(s, len, out, max);
}

int
renewal_certid_parse(const char *s, size_t len, unsigned char aki[AKI_MAX],
    size_t *akilen, unsigned char serial[CERT_SERIAL_MAX], size_t *seriallen)
{
	const char	*dot;
	ssize_t		 a, n;

	if (s == NULL || len == 0 || len > CERTID_MAX ||
	    (dot = memchr(s, '.', len)) == NULL)
		return -1;
	if ((a = certid_part(s, (size_t)(dot - s), aki, AKI_MAX)) <= 0 ||
	    (n = certid_part(dot + 1, len - (size_t)(dot - s) - 1, serial,
	    CERT_SERIAL_MAX)) <= 0)
		return -1;
	/* The content octets of a DER INTEGER: a serial is positive. */
	if (serial[0] & 0x80)
		return -1;
	*akilen = (size_t)a;
	*seriallen = (size_t)n;
	return 0;
}

int
renewal_serial_key(const unsigned char *serial, size_t n,
    unsigned char key[SERIAL_LEN])
{
	size_t	 i;

	for (i = 0; n - i > SERIAL_LEN; i++)
		if (serial[i] != 0)
			return -1;
	memset(key, 0, SERIAL_LEN);
	memcpy(key + SERIAL_LEN - (n - i), serial + i, n - i);
	return 0;
}

int
renewal_lookup(struct req *r, const char *certid, struct cert *c,
    struct order *o)
{
	unsigned char	 aki[AKI_MAX], ser[CERT_SERIAL_MAX], key[SERIAL_LEN];
	unsigned char	 caki[AKI_MAX], cser[CERT_SERIAL_MAX];
	size_t		 akilen, serlen, cakilen, cserlen;
	char		 id[ID_LEN + 1];
	int		 rc;

	if (renewal_certid_parse(certid, strlen(certid), aki, &akilen, ser,
	    &serlen) == -1)
		return -1;
	if (renewal_serial_key(ser, serlen, key) == -1)
		return 1;
	if ((rc = store_serial_get(r->st, key, id)) == STORE_NOTFOUND)
		return 1;
	if (rc != STORE_OK || store_cert_get(r->st, id, c) != STORE_OK ||
	    store_order_get(r->st, id, o) != STORE_OK ||
	    x509_cert_ids(c->der, c->derlen, caki, &cakilen, cser,
	    &cserlen) == -1)
		return -2;
	if (cakilen != akilen || memcmp(caki, aki, akilen) != 0 ||
	    cserlen != serlen || memcmp(cser, ser, serlen) != 0)
		return 1;
	return 0;
}

/* A per-certificate number from its serial: the jitter. */
static unsigned long
renewal_jitter(const struct cert *c, unsigned long range)
{
	unsigned long	 h = 5381;
	size_t		 i;

	if (range == 0)
		return 0;
	for (i = 0; i < SERIAL_LEN; i++)
		h = h * 33 + c->serial[i];
	return h % range;
}

enum renew_why
renewal_window(const struct config *cfg, const struct cert *c,
    const struct order *o, time_t *start, time_t *end)
{
	const struct profile	*pr = config_profile(cfg, o->profile);
	time_t			 nb, na = (time_t)c->not_after, third, width;
	time_t			 proof;

	if (c->revoked) {
		*start = (time_t)c->revoked_at - PAST_START;
		*end = (time_t)c->revoked_at - PAST_END;
		return c->reason == CRL_PRIVILEGE_WITHDRAWN ? RENEW_REASSIGNED :
		    RENEW_REVOKED;
	}
	nb = (time_t)c->issued - VALIDITY_SKEW;
	if (o->has_nb && (time_t)o->not_before > nb)
		nb = (time_t)o->not_before;
	third = (na - nb) / 3;
	width = third / 2;
	/* The last third, from a jittered start, half a third wide. */
	*start = na - third + (time_t)renewal_jitter(c,
	    (unsigned long)(third / 4 + 1));
	*end = *start + width;
	if (pr == NULL)
		return RENEW_DEFAULT;
	proof = (time_t)o->validated + (time_t)pr->max_proof_seconds;
	if (proof >= *end)
		return RENEW_DEFAULT;
	*end = proof;
	*start = proof - width;
	return RENEW_STALE;
}

static enum prob
renewal_explain(struct req *r, const char *what)
{
	int	 i;

	for (i = 1; i < RENEW__MAX; i++)
		if (strcmp(what, why_names[i]) == 0)
			break;
	if (i == RENEW__MAX)
		return resp_fail(r, PROB_NOT_FOUND, "no such explanation");
	r->status = 200;
	r->ctype = "text/html; charset=utf-8";
	buf_printf(&r->out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>Renew this certificate</title></head>"
	    "<body><h1>Renew this certificate</h1><p>%s</p></body></html>\n",
	    why_text[i]);
	resp_header(r, "Cache-Control", "max-age=86400");
	return PROB_NONE;
}

/* The renewalInfo object (RFC 9773 4.2). */
static json_object *
renewal_json(const struct req *r, time_t start, time_t end,
    enum renew_why why)
{
	json_object	*o, *w;
	char		 a[40], b[40], url[URL_MAX * 2];

	if (time_fmt(start, a, sizeof(a)) == -1 ||
	    time_fmt(end, b, sizeof(b)) == -1 ||
	    (o = json_object_new_object()) == NULL)
		return NULL;
	w = json_object_new_object();
	json_object_object_add(w, "start", json_object_new_string(a));
	json_object_object_add(w, "end", json_object_new_string(b));
	json_object_object_add(o, "suggestedWindow", w);
	if (why != RENEW_DEFAULT && snprintf(url, sizeof(url),
	    "%s%s%s", r->cfg->base_url, EXPLAIN_PREFIX, why_names[why]) <
	    (int)sizeof(url))
		json_object_object_add(o, "explanationURL",
		    json_object_new_string(url));
	return o;
}

enum prob
acme_renewal_info(struct req *r)
{
	const char	*certid = r->path + strlen("/renewal-info/");
	struct cert	 c;
	struct order	 o;
	time_t		 start, end;
	enum renew_why	 why;
	int		 rc;

	if (strncmp(r->path, EXPLAIN_PREFIX, strlen(EXPLAIN_PREFIX)) == 0)
		return renewal_explain(r, r->path + strlen(EXPLAIN_PREFIX));
	if ((rc = renewal_lookup(r, certid, &c, &o)) == -1)
		return resp_fail(r, PROB_MALFORMED, "the certID must be "
		    "base64url(keyIdentifier) \".\" base64url(serial)");
	if (rc == 1)
		return resp_fail(r, PROB_NOT_FOUND, "no certificate of this "
		    "server has that certID");
	if (rc != 0)
		return PROB_SERVER_INTERNAL;
	why = renewal_window(r->cfg, &c, &o, &start, &end);
	r->retry_after = ARI_RETRY_AFTER;
	return resp_json(r, 200, renewal_json(r, start, end, why));
}

/* Certificates: finalize (RFC 8555 7.4), download (7.4.2), revocation
 * (7.6) and the CRL that issued certificates name. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme.h"
#include "platform.h"
#include "b64url.h"
#include "json.h"
#include "jwk.h"
#include "jws.h"
#include "log.h"
#include "x509.h"

#define CRL_NEXT_UPDATE	86400

int
acme_ca_init(struct server *srv)
{
	srv->ca = ca_open(srv->cfg.ca_key, srv->cfg.ca_cert,
	    srv->cfg.ca_name, 0);
	return srv->ca == NULL ? -1 : 0;
}

/* The CSR of a finalize payload, checked against the order. */
static enum prob
finalize_csr(struct req *r, const struct order *o, unsigned char *csr,
    size_t *csrlen)
{
	json_object	*pl = jws_payload_object(r->jws);
	const char	*s = json_get_str(pl, "csr");
	unsigned char	 tn[TNAUTHLIST_DER_MAX];
	char		 thumb[THUMB_LEN + 1], id[ID_LEN + 1];
	ssize_t		 n, tnlen;
	enum prob	 p;
	int		 rc;

	if (s == NULL)
		return resp_fail(r, PROB_MALFORMED, "the payload must be "
		    "{\"csr\": base64url DER}");
	if ((n = b64url_decode(s, strlen(s), csr, CSR_DER_MAX)) <= 0)
		return resp_fail(r, PROB_BAD_CSR, "csr is not base64url DER "
		    "of at most %d octets", CSR_DER_MAX);
	*csrlen = (size_t)n;
	tnlen = b64url_decode(o->ident, strlen(o->ident), tn, sizeof(tn));
	if (tnlen <= 0)
		return PROB_SERVER_INTERNAL;
	p = x509_csr_check(csr, *csrlen, tn, (size_t)tnlen, thumb, r->detail,
	    sizeof(r->detail));
	if (p != PROB_NONE)
		return p;
	if ((rc = store_key_get(r->st, thumb, id)) == STORE_OK)
		return resp_fail(r, PROB_BAD_CSR, "the CSR's key is an "
		    "account key");
	return rc == STORE_NOTFOUND ? PROB_NONE : PROB_SERVER_INTERNAL;
}

/*
 * What finalize checks beyond readiness: the order's profile
 * is still offered, and the authorization it reused (if any) is still
 * valid: deactivation, a key-compromise revocation or a reassignment
 * report since then ends the order, which is kept invalid.
 */
static enum prob
finalize_fresh(struct req *r, struct order *o)
{
	struct order	 pf;
	int		 rc;

	if (config_profile(r->cfg, o->profile) == NULL)
		return resp_fail(r, PROB_INVALID_PROFILE, "the profile %s of "
		    "this order is no longer offered", o->profile);
	if (o->proof[0] == '\0')
		return PROB_NONE;
	if ((rc = store_order_get(r->st, o->proof, &pf)) != STORE_OK &&
	    rc != STORE_NOTFOUND)
		return PROB_SERVER_INTERNAL;
	if (rc == STORE_OK) {
		order_expire(&pf, r->now);
		if (pf.authz == AUTHZ_VALID)
			return PROB_NONE;
	}
	o->authz = AUTHZ_REVOKED;
	order_fail(o, PROB_UNAUTHORIZED, "the proof of the number this order "
	    "reused has ended; prove the number again");
	if (store_order_put(r->st, o) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	r->keep = 1;
	return resp_fail(r, PROB_UNAUTHORIZED, "%s", o->detail);
}

static enum prob
finalize_issue(struct req *r, struct order *o, const unsigned char *csr,
    size_t csrlen)
{
	struct issue	 is;
	struct cert	 c;
	unsigned char	 tn[TNAUTHLIST_DER_MAX], *der = NULL;
	char		 crl[URL_MAX * 2];
	size_t		 derlen;
	ssize_t		 tnlen;

	memset(&c, 0, sizeof(c));
	tnlen = b64url_decode(o->ident, strlen(o->ident), tn, sizeof(tn));
	if (tnlen <= 0 || url_of(r, crl, sizeof(crl), "crl", NULL) == -1)
		return PROB_SERVER_INTERNAL;
	is.tn = o->tn;
	is.tnder = tn;
	is.tnlen = (size_t)tnlen;
	if (order_cert_times(r->cfg, o, r->now, &is.not_before,
	    &is.not_after) == -1)
		return resp_fail(r, PROB_MALFORMED, "nothing is left of the "
		    "validity the order asked for");
	is.crl_url = crl;
	is.key_usage = config_profile(r->cfg, o->profile)->key_usage;
	if (ca_issue(r->srv->ca, csr, csrlen, &is, &der, &derlen,
	    c.serial) == -1)
		return PROB_SERVER_INTERNAL;
	if (derlen > sizeof(c.der)) {
		free(der);
		return PROB_SERVER_INTERNAL;
	}
	memcpy(c.der, der, derlen);
	free(der);
	c.derlen = (uint32_t)derlen;
	strcpy(c.id, o->id);
	strcpy(c.acct, o->acct);
	c.reason = -1;
	c.issued = r->now;
	c.not_after = is.not_after;
	o->status = ORDER_VALID;
	r->durable = 1;
	if (store_cert_put(r->st, &c) != STORE_OK ||
	    store_order_put(r->st, o) != STORE_OK ||
	    platform_note(r, PSTAT_CERTS) == -1)
		return PROB_SERVER_INTERNAL;
	return PROB_NONE;
}

enum prob
acme_finalize(struct req *r)
{
	struct order	 o;
	unsigned char	*csr;
	char		 id[ID_LEN + 1], url[URL_MAX * 2];
	const char	*rest;
	size_t		 csrlen = 0;
	enum prob	 p;

	if ((p = path_id(r, "/finalize/", id, &rest)) != PROB_NONE)
		return p;
	if (rest[0] != '\0')
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	if ((p = order_load(r, id, &o)) != PROB_NONE)
		return p;
	if (o.status != ORDER_READY)
		return resp_fail(r, PROB_ORDER_NOT_READY, "the order is not "
		    "ready: its challenge must be answered first");
	if ((p = finalize_fresh(r, &o)) != PROB_NONE)
		return p;
	if ((csr = malloc(CSR_DER_MAX)) == NULL)
		return PROB_SERVER_INTERNAL;
	p = finalize_csr(r, &o, csr, &csrlen);
	if (p == PROB_NONE)
		p = finalize_issue(r, &o, csr, csrlen);
	free(csr);
	if (p != PROB_NONE)
		return p;
	if (url_of(r, url, sizeof(url), "order", o.id) == 0)
		resp_location(r, url);
	return resp_json(r, 200, order_json(r, &o));
}

enum prob
acme_cert_post(struct req *r)
{
	struct order	 o;
	struct cert	 c;
	char		 id[ID_LEN + 1], *pem;
	const char	*rest;
	enum prob	 p;

	if ((p = path_id(r, "/cert/", id, &rest)) != PROB_NONE)
		return p;
	if (rest[0] != '\0')
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	if (!r->jws->pag)
		return resp_fail(r, PROB_MALFORMED, "a certificate takes only "
		    "POST-as-GET");
	if ((p = order_load(r, id, &o)) != PROB_NONE)
		return p;
	if (store_cert_get(r->st, id, &c) != STORE_OK)
		return resp_fail(r, PROB_NOT_FOUND, "no certificate yet");
	if (r->srv->ca == NULL && acme_ca_init(r->srv) == -1)
		return PROB_SERVER_INTERNAL;
	if ((pem = ca_chain_pem(r->srv->ca, c.der, c.derlen)) == NULL)
		return PROB_SERVER_INTERNAL;
	r->out.len = 0;
	buf_add(&r->out, pem, strlen(pem));
	free(pem);
	r->ctype = "application/pem-certificate-chain";
	return PROB_NONE;
}

int
cert_reason_ok(long reason)
{
	return reason == 0 || reason == 1 || reason == 3 || reason == 4 ||
	    reason == 5;
}

/* Revoke the authorization of order id, and the one it reused. */
static int
cert_authz_revoke(struct store *st, const char *id, int depth)
{
	struct order	 o;
	int		 rc;

	if ((rc = store_order_get(st, id, &o)) == STORE_NOTFOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	if (o.authz == AUTHZ_VALID) {
		o.authz = AUTHZ_REVOKED;
		if ((rc = store_order_put(st, &o)) != STORE_OK)
			return rc;
	}
	if (o.proof[0] != '\0' && depth == 0)
		return cert_authz_revoke(st, o.proof, 1);
	return STORE_OK;
}

/* A key compromise, or the number's reassignment, ends the proof behind
 * the certificate too: its authorization is no longer reused. */
int
cert_revoke(struct store *st, struct cert *c, int reason, time_t now)
{
	int	 rc;

	if (c->revoked)
		return STORE_EXISTS;
	c->revoked = 1;
	c->reason = (int8_t)reason;
	c->revoked_at = (int64_t)now;
	if ((rc = store_cert_put(st, c)) != STORE_OK)
		return rc;
	if (reason == CRL_KEY_COMPROMISE || reason == CRL_PRIVILEGE_WITHDRAWN)
		return cert_authz_revoke(st, c->id, 0);
	return STORE_OK;
}

struct held {
	const char	*ident;
	time_t		 now;
	int		 found;
};

static int
revoke_held_one(void *arg, const struct order *o)
{
	struct held	*h = arg;
	struct order	 c = *o;

	/* The clock as order_load applies it: an authorization ends with
	 * its own expiry, and with its order's while that is unfinished. */
	order_expire(&c, h->now);
	if (c.authz == AUTHZ_VALID && c.authz_expires > h->now &&
	    strcmp(c.ident, h->ident) == 0)
		h->found = 1;
	return 1;
}

/* 1 when the signing account holds a valid, unexpired authorization
 * for the certificate's number (its orders only: no scan). */
static int
revoke_held(struct req *r, const struct cert *c)
{
	struct order	 o;
	struct held	 h;
	int		 more;

	if (store_order_get(r->st, c->id, &o) != STORE_OK)
		return 0;
	h.ident = o.ident;
	h.now = r->now;
	h.found = 0;
	if (store_acct_orders(r->st, r->acct.id, NULL, INT_MAX, &more,
	    revoke_held_one, &h) < 0)
		return 0;
	return h.found;
}

/* Who may revoke (RFC 8555 7.6): the issuing account, an account that
 * holds a valid authorization for the number, or the holder of the
 * certificate's key. */
static enum prob
revoke_allowed(struct req *r, const struct cert *c, const char *thumb)
{
	if (r->jws->jwk != NULL ? strcmp(jwk_thumb(r->jws->jwk), thumb) == 0 :
	    strcmp(c->acct, r->acct.id) == 0 || revoke_held(r, c))
		return PROB_NONE;
	return resp_fail(r, PROB_UNAUTHORIZED, "neither the issuing account, "
	    "nor an account authorized for the number, nor the certificate's "
	    "key signed this request");
}

static enum prob
revoke_reason(struct req *r, json_object *pl, int *reason)
{
	int64_t	 v;
	int	 rc;

	*reason = -1;
	if ((rc = json_get_int(pl, "reason", 0, 10, &v)) == -1 ||
	    (rc == 1 && !cert_reason_ok((long)v)))
		return resp_fail(r, PROB_BAD_REVOCATION_REASON, "reason must "
		    "be one of 0, 1, 3, 4, 5");
	if (rc == 1)
		*reason = (int)v;
	return PROB_NONE;
}

enum prob
acme_revoke(struct req *r)
{
	json_object	*pl = jws_payload_object(r->jws);
	const char	*s = json_get_str(pl, "certificate");
	unsigned char	 der[CERT_DER_MAX], serial[SERIAL_LEN];
	char		 thumb[THUMB_LEN + 1], id[ID_LEN + 1];
	struct cert	 c;
	ssize_t		 n;
	enum prob	 p;
	int		 reason, rc;

	if (pl == NULL)
		return resp_fail(r, PROB_MALFORMED, "the payload must be a "
		    "JSON object");
	if (s == NULL)
		return resp_fail(r, PROB_MALFORMED, "the payload must hold "
		    "certificate (base64url DER)");
	if ((p = revoke_reason(r, pl, &reason)) != PROB_NONE)
		return p;
	if ((n = b64url_decode(s, strlen(s), der, sizeof(der))) <= 0)
		return resp_fail(r, PROB_MALFORMED, "certificate is not "
		    "base64url DER");
	if ((p = ca_cert_check(r->srv->ca, der, (size_t)n, serial, thumb)) !=
	    PROB_NONE)
		return resp_fail(r, p, "the certificate was not issued here");
	if (store_serial_get(r->st, serial, id) != STORE_OK ||
	    store_cert_get(r->st, id, &c) != STORE_OK ||
	    c.derlen != (size_t)n || memcmp(c.der, der, c.derlen) != 0)
		return resp_fail(r, PROB_NOT_FOUND, "the certificate was not "
		    "issued here");
	if ((p = revoke_allowed(r, &c, thumb)) != PROB_NONE)
		return p;
	if ((rc = cert_revoke(r->st, &c, reason, r->now)) == STORE_EXISTS)
		return resp_fail(r, PROB_ALREADY_REVOKED, "the certificate is "
		    "already revoked");
	if (rc != STORE_OK)
		return PROB_SERVER_INTERNAL;
	r->durable = 1;
	r->status = 200;
	return PROB_NONE;
}

struct crl_list {
	struct revoked	*v;
	size_t		 n, cap;
};

static int
crl_add(void *arg, const struct cert *c)
{
	struct crl_list	*l = arg;
	struct revoked	*nv;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		if ((nv = reallocarray(l->v, l->cap, sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
	}
	memcpy(l->v[l->n].serial, c->serial, SERIAL_LEN);
	l->v[l->n].when = (time_t)c->revoked_at;
	l->v[l->n].reason = c->reason;
	l->n++;
	return 0;
}

enum prob
acme_crl(struct req *r)
{
	struct crl_list	 l = { NULL, 0, 0 };
	uint64_t	 num = 0;
	unsigned char	*der = NULL;
	size_t		 len;
	int		 rc;

	if (strcmp(r->path, "/crl") != 0)
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	rc = store_revoked(r->st, crl_add, &l);
	/*
	 * The CRL number (RFC 5280 5.2.3): a counter in the store, so two
	 * CRLs never share one, whichever processes make them; at least the
	 * issuing second, so it goes on above the numbers of the versions
	 * that used the second alone. Durable: a number handed out is
	 * never handed out again after a crash.
	 */
	if (rc == STORE_OK)
		rc = store_meta_above(r->st, "crl", (uint64_t)r->now, &num);
	if (rc == STORE_OK && num > ULONG_MAX)
		rc = STORE_ERR;
	if (rc == STORE_OK) {
		r->durable = 1;
		rc = ca_crl(r->srv->ca, l.v, l.n, (unsigned long)num, r->now,
		    r->now + CRL_NEXT_UPDATE, &der, &len);
	}
	free(l.v);
	if (rc != 0)
		return PROB_SERVER_INTERNAL;
	r->out.len = 0;
	rc = buf_add(&r->out, der, len);
	free(der);
	r->ctype = "application/pkix-crl";
	resp_header(r, "Cache-Control", "max-age=60");
	return rc == 0 ? PROB_NONE : PROB_SERVER_INTERNAL;
}

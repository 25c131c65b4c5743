/* The sms-link-00 challenge (PROTOCOL.md 8.2): the {} step sends a code
 * by SMS, the keyAuthorization step checks the digest bound to the
 * account key. Only HMAC(secret, expected digest) is ever stored. */
#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "b64url.h"
#include "crypt.h"
#include "json.h"
#include "jws.h"
#include "log.h"
#include "outbox.h"
#include "platform.h"
#include "ratelimit.h"
#include "sms.h"
#include "smstext.h"

int
acme_sms_init(struct server *srv)
{
	char	 err[256];

	if (smstext_check(&srv->cfg, err, sizeof(err)) == -1) {
		log_err("%s: %s", __func__, err);
		return -1;
	}
	srv->gw = gateway_open(srv->cfg.sms_gateway,
	    srv->cfg.sms_http_body[0] != '\0' ? srv->cfg.sms_http_body : NULL,
	    err, sizeof(err));
	if (srv->gw == NULL) {
		log_err("%s: sms_gateway: %s", __func__, err);
		return -1;
	}
	return 0;
}

/* MAC of the digest the client must send for code (8.2.3, 8.2.7). */
static int
chall_code_mac(struct req *r, const struct order *o, const char *code,
    unsigned char mac[SHA256_LEN])
{
	char		 ka[CODE_DIGITS + TOKEN_LEN + THUMB_LEN + 2];
	unsigned char	 d[SHA256_LEN];
	int		 rc;

	snprintf(ka, sizeof(ka), "%s%s.%s", code, o->token, r->acct.thumb);
	rc = crypt_sha256(ka, strlen(ka), d) == -1 ||
	    crypt_hmac(r->srv->secret, sizeof(r->srv->secret), d, sizeof(d),
	    mac) == -1 ? -1 : 0;
	explicit_bzero(ka, sizeof(ka));
	return rc;
}

/* SMS limits against pumping (8.2.5, 11): checked, then counted. */
static enum prob
chall_limits(struct req *r, const struct order *o, int own_share)
{
	char		 num[32], pfx[32], acct[32];
	size_t		 len = strlen(o->tn);
	enum prob	 p;

	snprintf(num, sizeof(num), "n:%s", o->tn);
	snprintf(pfx, sizeof(pfx), "p:%.*s", (int)(len > 4 ? len - 4 : 0),
	    o->tn);
	snprintf(acct, sizeof(acct), "a:%s", o->acct);
	if ((p = limit_take(r, num, 3600, r->cfg->limit_number_hour,
	    "SMS per number per hour")) != PROB_NONE ||
	    (p = limit_take(r, num, 86400, r->cfg->limit_number_day,
	    "SMS per number per day")) != PROB_NONE ||
	    (p = limit_take(r, acct, 3600, r->cfg->limit_account_hour,
	    "SMS per account per hour")) != PROB_NONE ||
	    (p = limit_take(r, acct, 86400, r->cfg->limit_account_day,
	    "SMS per account per day")) != PROB_NONE ||
	    (p = limit_take(r, pfx, 3600, r->cfg->limit_prefix_hour,
	    "SMS per number range per hour")) != PROB_NONE ||
	    (!own_share && (p = limit_take(r, "g", 3600,
	    r->cfg->limit_global_hour, "SMS of this service per hour")) !=
	    PROB_NONE))
		return p;
	if (limit_add(r, num, 3600) || limit_add(r, num, 86400) ||
	    limit_add(r, acct, 3600) || limit_add(r, acct, 86400) ||
	    limit_add(r, pfx, 3600) ||
	    limit_add(r, "g", 3600) || platform_sms_count(r, o->tn))
		return PROB_SERVER_INTERNAL;
	return PROB_NONE;
}

/* The windows of chall_limits and the platform's, read together. */
static int
chall_ahead(struct req *r, const struct order *o)
{
	char		 num[32], pfx[32], acct[32];
	const char	*keys[] = { num, num, acct, acct, pfx, "g" };
	const long	 windows[] = { 3600, 86400, 3600, 86400, 3600, 3600 };
	size_t		 len = strlen(o->tn);

	snprintf(num, sizeof(num), "n:%s", o->tn);
	snprintf(pfx, sizeof(pfx), "p:%.*s", (int)(len > 4 ? len - 4 : 0),
	    o->tn);
	snprintf(acct, sizeof(acct), "a:%s", o->acct);
	return limit_prefetch(r, keys, windows, 6) == -1 ||
	    platform_sms_ahead(r, o->tn) == -1 ? -1 : 0;
}

/* The platform's limits, then the service's; a refusal is noted. */
static enum prob
chall_allowed(struct req *r, const struct order *o, struct platform *pl)
{
	enum prob	 p;
	int		 own_share;

	if (chall_ahead(r, o) == -1)
		return PROB_SERVER_INTERNAL;
	if ((p = platform_sms_check(r, o->tn, &own_share, pl)) == PROB_NONE)
		p = chall_limits(r, o, own_share);
	if (p == PROB_RATE_LIMITED)
		platform_limited(r);
	return p;
}

/* The text of code in the format of the signer's platform p (as
 * chall_allowed read it). */
static int
chall_text(struct req *r, const struct platform *p, const char *code,
    char *text, size_t size)
{
	struct smsfmt	 f;
	size_t		 i;

	if (r->acct.platform[0] == '\0')
		return smstext_render(r->cfg, code, text, size);
	if (strcmp(p->name, r->acct.platform) != 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.shown = p->shown;
	f.origin = p->origin;
	for (i = 0; i < p->nhashes && i < 3; i++)
		f.hashes[i] = p->hashes[i];
	return smstext_render_for(r->cfg, &f, code, text, size);
}

/* Draw a new code, keep its MAC, queue the SMS. */
static enum prob
chall_send(struct req *r, struct order *o)
{
	char		 code[CODE_DIGITS + 1], text[SMS_TEXT_MAX];
	struct platform	 pl;
	long		 v;
	enum prob	 p;
	int		 rc, i;

	if ((p = chall_allowed(r, o, &pl)) != PROB_NONE)
		return p;
	if ((v = crypt_uniform(1000000)) < 0)
		return PROB_SERVER_INTERNAL;
	for (i = CODE_DIGITS - 1; i >= 0; i--, v /= 10)
		code[i] = (char)('0' + v % 10);
	code[CODE_DIGITS] = '\0';
	rc = chall_code_mac(r, o, code, o->code_mac) == -1 ||
	    chall_text(r, &pl, code, text, sizeof(text)) == -1;
	explicit_bzero(code, sizeof(code));
	if (rc == 0) {
		o->chall = CHALL_PROCESSING;
		o->sends++;
		o->last_send = r->now;
		o->code_expires = r->now + CODE_LIFETIME;
		rc = outbox_queue(r->srv, o, text, r->now, r->sms_id);
	}
	explicit_bzero(text, sizeof(text));
	if (rc != 0 || store_order_put(r->st, o) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	r->durable = 1;
	r->after_commit = 1;
	return PROB_NONE;
}

/* Step 1 and its repeats (8.2.2, 8.2.5). */
static enum prob
chall_ready(struct req *r, struct order *o)
{
	long	 wait;

	if (o->chall == CHALL_PENDING)
		return chall_send(r, o);
	wait = (long)(o->last_send + r->cfg->sms_resend_interval - r->now);
	if (wait <= 0 && o->sends < SENDS_MAX)
		return chall_send(r, o);
	if (o->sends < SENDS_MAX)
		r->retry_after = wait;
	return PROB_NONE;
}

/* Step 2 (8.2.3): the digest, compared in constant time. */
static enum prob
chall_answer(struct req *r, struct order *o, const char *ka)
{
	unsigned char	 d[SHA256_LEN], mac[SHA256_LEN];

	if (strlen(ka) != THUMB_LEN || b64url_decode(ka, THUMB_LEN, d,
	    sizeof(d)) != SHA256_LEN)
		return resp_fail(r, PROB_MALFORMED, "keyAuthorization must be "
		    "the base64url SHA-256 digest (43 characters)");
	if (o->chall != CHALL_PROCESSING)
		return resp_fail(r, PROB_MALFORMED, "no code was sent yet: "
		    "POST {} first");
	if (crypt_hmac(r->srv->secret, sizeof(r->srv->secret), d, sizeof(d),
	    mac) == -1)
		return PROB_SERVER_INTERNAL;
	r->durable = 1;
	if (crypt_equal(mac, o->code_mac, sizeof(mac))) {
		o->chall = CHALL_VALID;
		o->validated = r->now;
		o->authz = AUTHZ_VALID;
		o->authz_expires = r->now + r->cfg->authz_hours * 3600;
		o->status = ORDER_READY;
		explicit_bzero(o->code_mac, sizeof(o->code_mac));
		return store_order_put(r->st, o) == STORE_OK &&
		    platform_proof_done(r, o->tn) == 0 ? PROB_NONE :
		    PROB_SERVER_INTERNAL;
	}
	/* The failed try counts although the answer is a problem. */
	r->keep = 1;
	o->tries++;
	r->remaining = CODE_TRIES - o->tries;
	if (r->remaining <= 0) {
		r->remaining = 0;
		order_fail(o, PROB_INCORRECT_RESPONSE, "too many wrong codes");
	}
	if (store_order_put(r->st, o) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	return resp_fail(r, PROB_INCORRECT_RESPONSE, "the code is wrong; %d "
	    "%s left", r->remaining, r->remaining == 1 ? "try" : "tries");
}

static enum prob
chall_reply(struct req *r, const struct order *o)
{
	return resp_json(r, 200, chall_json(r, o));
}

enum prob
acme_challenge_post(struct req *r)
{
	struct order	 o;
	char		 id[ID_LEN + 1], up[URL_MAX * 2];
	const char	*rest;
	json_object	*pl;
	enum prob	 p;

	if ((p = path_id(r, "/chall/", id, &rest)) != PROB_NONE)
		return p;
	if (rest[0] != '\0')
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	if ((p = order_load(r, id, &o)) != PROB_NONE)
		return p;
	if (url_of(r, up, sizeof(up), "authz", o.id) == 0)
		resp_link(r, up, "up");
	if (r->jws->pag || o.chall == CHALL_VALID)
		return chall_reply(r, &o);
	if ((pl = jws_payload_object(r->jws)) == NULL)
		return resp_fail(r, PROB_MALFORMED, "the payload must be a "
		    "JSON object");
	if (o.chall == CHALL_INVALID || o.authz != AUTHZ_PENDING ||
	    o.status != ORDER_PENDING)
		return resp_fail(r, PROB_MALFORMED, "the challenge is no "
		    "longer open");
	if (json_has(pl, "keyAuthorization")) {
		if (json_get_str(pl, "keyAuthorization") == NULL)
			return resp_fail(r, PROB_MALFORMED, "keyAuthorization "
			    "must be a string");
		p = chall_answer(r, &o, json_get_str(pl, "keyAuthorization"));
	} else
		p = chall_ready(r, &o);
	return p != PROB_NONE ? p : chall_reply(r, &o);
}

/* After the commit, before the answer: hand the SMS to the gateway. A
 * permanent refusal shows in the answer as an invalid challenge. */
void
acme_challenge_after(struct req *r)
{
	struct order	 o;
	char		 id[ID_LEN + 1];
	const char	*rest;
	int		 res;

	res = outbox_deliver(r->srv, r->sms_id, r->now);
	if (res != SMS_PERMANENT)
		return;
	if (path_id(r, "/chall/", id, &rest) != PROB_NONE ||
	    store_begin(r->st) != STORE_OK)
		return;
	if (store_order_get(r->st, id, &o) == STORE_OK)
		chall_reply(r, &o);
	store_abort(r->st);
}

/* After the program's answers, whatever the request was: a few messages
 * of the retry index that are due (failed sends, and sends that a process
 * did not live to make). */
void
acme_challenge_idle(struct server *srv)
{
	static time_t	 next;
	time_t		 now = time(NULL);

	/* At most once a second: under load the index is read once for many
	 * answers, and a message waits at most a second longer. */
	if (now < next)
		return;
	next = now + 1;
	outbox_retry(srv, now, 4);
}

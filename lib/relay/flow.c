/* The ACME steps behind the relay's forms (PROTOCOL.md 8.2): a number
 * starts an order and its SMS, the code answers the challenge, then the
 * order is finalized and the chain fetched, all with the platform's
 * account key. The server's problems become sentences by their enum
 * prob (problem_parse), never by comparing type strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmec.h"
#include "json.h"
#include "log.h"
#include "page.h"
#include "sign.h"
#include "tnauthlist.h"
#include "certinfo.h"

/* Where the server says a challenge is. */
enum chall_now { CH_GONE, CH_PROCESSING, CH_VALID };

/* The message for a server that refused the relay's account: closed
 * for a refusal (a wrong binding, a disabled platform), unreachable for
 * no answer or a failure of its own. */
static enum msg
flow_refusal(int status)
{
	return status == 0 || status >= 500 ? MSG_UNREACHABLE : MSG_CLOSED;
}

/* The client, created and registered on first use. NULL when the ACME
 * server cannot be reached or refuses the account (logged; *why says
 * which). With relay_eab_kid the account is bound to the relay's
 * platform, and never registered without the binding. */
static struct acmec *
flow_acme(struct relay *rl, enum msg *why)
{
	char	 err[256], url[URL_MAX];

	*why = MSG_UNREACHABLE;
	if (rl->acme != NULL)
		return rl->acme;
	rl->acme = acmec_new(rl->cfg->relay_directory, rl->cafile, rl->key,
	    err, sizeof(err));
	if (rl->acme == NULL) {
		log_err("%s: %s", __func__, err);
		return NULL;
	}
	if (rl->cfg->relay_eab_kid[0] != '\0' && acmec_set_eab(rl->acme,
	    rl->cfg->relay_eab_kid, rl->cfg->relay_eab_key) == -1) {
		log_err("%s: relay_eab_kid/relay_eab_key: not a key id and a "
		    "base64url key of 32 octets", __func__);
		*why = MSG_CLOSED;
		goto out;
	}
	if (acmec_account(rl->acme, NULL, 0, url, sizeof(url)) == -1) {
		log_err("%s: newAccount: %d %s %s", __func__,
		    acmec_problem(rl->acme)->status,
		    acmec_problem(rl->acme)->type,
		    acmec_problem(rl->acme)->detail);
		*why = flow_refusal(acmec_problem(rl->acme)->status);
		goto out;
	}
	log_info("%s: using account %s", __func__, url);
	return rl->acme;
out:
	acmec_free(rl->acme);
	rl->acme = NULL;
	return NULL;
}

/* The client for a step that calls the server: from here on, the
 * request is not run again after a deadlock. NULL: the message is set. */
static struct acmec *
flow_client(struct rctx *c)
{
	struct acmec	*a;
	enum msg	 why;

	if ((a = flow_acme(c->rl, &why)) == NULL) {
		page_msg(c, why, 0);
		return NULL;
	}
	c->r->no_retry = 1;
	c->dirty = 1;
	return a;
}

/* The problem of the server's last answer. */
static enum prob
flow_prob(const struct acmec *a)
{
	const struct acmec_problem	*p = acmec_problem(a);

	return problem_parse(p->type, p->status);
}

/* 1 for the malformed family: the challenge or order is no more. */
static int
flow_gone(enum prob p)
{
	switch (p) {
	case PROB_MALFORMED:
	case PROB_NOT_FOUND:
	case PROB_METHOD:
	case PROB_CONFLICT:
	case PROB_TOO_LARGE:
	case PROB_MEDIA_TYPE:
		return 1;
	default:
		return 0;
	}
}

/* Turn the last ACME problem into a sentence for the user. */
static void
flow_refused(struct rctx *c, const char *what)
{
	const struct acmec_problem	*p = acmec_problem(c->rl->acme);

	log_warn("%s: %s: HTTP %d %s: %s", __func__, what, p->status,
	    p->type, p->detail);
	if (p->status == 0) {
		page_msg(c, MSG_UNREACHABLE, 0);
		return;
	}
	switch (flow_prob(c->rl->acme)) {
	case PROB_RATE_LIMITED:
		page_msg(c, MSG_RATE_LIMITED, page_minutes(p->retry_after));
		return;
	case PROB_REJECTED_IDENTIFIER:
	case PROB_UNSUPPORTED_IDENTIFIER:
		page_msg(c, MSG_REJECTED, 0);
		return;
	case PROB_CONNECTION:
		page_msg(c, MSG_SMS_FAILED, 0);
		return;
	case PROB_UNAUTHORIZED:
	case PROB_ACCOUNT_INACTIVE:
	case PROB_ACCOUNT_DOES_NOT_EXIST:
	case PROB_EXTERNAL_ACCOUNT_REQUIRED:
		/* The account is refused (its platform disabled, say):
		 * register again on the next request. */
		acmec_free(c->rl->acme);
		c->rl->acme = NULL;
		page_msg(c, MSG_CLOSED, 0);
		return;
	default:
		break;
	}
	page_msg(c, p->status >= 500 ? MSG_UNREACHABLE : MSG_SERVER, 0);
}

/* The status of a challenge the server answered with; one that is
 * neither processing nor valid becomes the message. */
static enum chall_now
flow_chall(struct rctx *c, json_object *ch)
{
	const char	*st = ch != NULL ? json_get_str(ch, "status") : NULL;
	json_object	*err;
	const char	*type;

	if (st != NULL && strcmp(st, "processing") == 0)
		return CH_PROCESSING;
	if (st != NULL && strcmp(st, "valid") == 0)
		return CH_VALID;
	err = ch != NULL ? json_get_obj(ch, "error") : NULL;
	type = err != NULL ? json_get_str(err, "type") : NULL;
	log_warn("%s: challenge is %s (%s)", __func__, st != NULL ? st : "?",
	    type != NULL ? type : "no error");
	if (type != NULL && problem_parse(type, 0) == PROB_CONNECTION)
		page_msg(c, MSG_SMS_FAILED, 0);
	else
		page_msg(c, MSG_CODE_EXPIRED, 0);
	visit_forget(&c->s);
	return CH_GONE;
}

/* notAfter for people: "26 December 2026, 17:59 UTC". */
static void
flow_time(time_t t, char *out, size_t outsz)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%-d %B %Y, %H:%M UTC", &tm) == 0)
		snprintf(out, outsz, "?");
}

/* "Renew after": the start of the certificate's renewal window, from
 * the server's renewal information (RFC 9773); "" when it has none. */
static void
flow_renew_after(struct acmec *a, const unsigned char *der, size_t len,
    struct session *s)
{
	char	 certid[CERTID_MAX];
	long	 start, end;

	s->cert_renew[0] = '\0';
	if (certinfo_certid(der, len, certid, sizeof(certid)) == -1)
		return;
	if (acmec_renewal_info(a, certid, &start, &end, NULL, 0) == 0)
		flow_time((time_t)start, s->cert_renew, sizeof(s->cert_renew));
	else
		log_info("%s: no renewal information", __func__);
}

/* The facts shown on the result page, from the first certificate of a
 * PEM chain; made up from the number when it cannot be read. */
static void
flow_facts(struct acmec *a, const char *pem, struct session *s)
{
	unsigned char	*der = NULL;
	size_t		 len;
	time_t		 na;

	if (signer_cert_der(pem, &der, &len) == 0 && certinfo_read(der, len,
	    s->cert_tn, s->cert_subject, sizeof(s->cert_subject), &na) == 0) {
		flow_time(na, s->cert_expiry, sizeof(s->cert_expiry));
		flow_renew_after(a, der, len, s);
	} else {
		log_err("%s: cannot read the issued certificate", __func__);
		snprintf(s->cert_tn, sizeof(s->cert_tn), "%s", s->tn);
		snprintf(s->cert_subject, sizeof(s->cert_subject), "CN=%s",
		    s->tn);
		s->cert_expiry[0] = s->cert_renew[0] = '\0';
	}
	free(der);
}

/* A fresh P-256 key and its CSR for the session's number. */
static struct signer *
flow_csr(const struct session *s, unsigned char **csr, size_t *csrlen)
{
	unsigned char	 tnder[TNAUTHLIST_DER_MAX];
	size_t		 tnlen = sizeof(tnder);
	struct signer	*key;

	if ((key = signer_generate(JWK_ES256)) == NULL ||
	    tnauthlist_encode(s->tn, tnder, &tnlen) == -1 ||
	    signer_csr(key, s->tn, tnder, tnlen, csr, csrlen) == -1) {
		signer_free(key);
		return NULL;
	}
	return key;
}

/* The order of the session, when it is ready to finalize. */
static json_object *
flow_ready_order(struct rctx *c, struct acmec *a)
{
	struct session	*s = &c->s;
	json_object	*order = NULL;
	const char	*st;

	if (acmec_post(a, s->order_url, "", &order, NULL, 0) == -1 ||
	    order == NULL) {
		flow_refused(c, "order");
		page_msg(c, MSG_NOT_ISSUED, 0);
		return NULL;
	}
	if ((st = json_get_str(order, "status")) == NULL ||
	    strcmp(st, "ready") != 0) {
		/* Expired, or finalized by an attempt whose answer was
		 * lost (its key with it): only a new order helps. */
		log_warn("%s: the order is %s", __func__, st != NULL ? st :
		    "without status");
		visit_forget(s);
		page_msg(c, MSG_NOT_ISSUED, 0);
		json_object_put(order);
		return NULL;
	}
	return order;
}

/* Finalize the proven order with a fresh key and fetch the chain
 * (RFC 8555 7.4, 7.4.2). Failures leave the session READY to retry. */
static void
flow_issue(struct rctx *c, struct acmec *a)
{
	struct session	*s = &c->s;
	struct signer	*key = NULL;
	json_object	*order, *done = NULL;
	unsigned char	*csr = NULL;
	size_t		 csrlen = 0;
	const char	*url;
	char		*pem = NULL, mask[8], stem[PATH_LEN + 64];

	s->state = SESS_READY;
	c->dirty = 1;
	if ((order = flow_ready_order(c, a)) == NULL)
		return;
	if ((key = flow_csr(s, &csr, &csrlen)) == NULL) {
		page_msg(c, MSG_SERVER, 0);
		goto out;
	}
	if (acmec_finalize(a, order, csr, csrlen, &done) == -1 ||
	    (url = json_get_str(done, "certificate")) == NULL ||
	    acmec_cert(a, url, &pem) == -1) {
		flow_refused(c, "finalize");
		page_msg(c, MSG_NOT_ISSUED, 0);
		goto out;
	}
	if (strlen(pem) >= CHAIN_PEM_MAX) {
		log_err("%s: the chain exceeds %d octets", __func__,
		    CHAIN_PEM_MAX);
		page_msg(c, MSG_NOT_ISSUED, 0);
		goto out;
	}
	flow_facts(a, pem, s);
	if (issued_keep(c->rl->issued, key, s->tn, pem, c->r->now, stem,
	    sizeof(stem)) == -1)
		log_err("%s: the issued key and chain were not kept", __func__);
	log_info("%s: certificate issued for %s", __func__,
	    visit_masked(s->tn, mask, sizeof(mask)));
	s->state = SESS_DONE;
	c->chain = pem;
	pem = NULL;
out:
	json_object_put(order);
	json_object_put(done);
	free(csr);
	free(pem);
	signer_free(key);
}

/* The number of the form, when the session may try it. */
static int
flow_number(struct rctx *c, const struct form *f)
{
	struct session	*s = &c->s;
	size_t		 i;

	if (!(f->present & FORM_BIT(FORM_TN))) {
		page_msg(c, MSG_BAD_TN, 0);
		return -1;
	}
	for (i = 0; i < s->nnumbers; i++)
		if (strcmp(s->numbers[i], f->tn) == 0)
			return 0;
	if (s->nnumbers == SESSION_NUMBERS) {
		page_msg(c, MSG_NUMBERS, 0);
		return -1;
	}
	return 0;
}

/* A number: a new order, its challenge, and the first SMS (step 1 of
 * PROTOCOL.md 8.2.2). */
enum step
flow_start(struct rctx *c, struct form *f)
{
	struct session	*s = &c->s;
	struct acmec	*a;
	json_object	*order = NULL, *ch = NULL;
	enum chall_now	 now;
	enum step	 st;
	char		 mask[8];
	size_t		 i;

	if (flow_number(c, f) == -1)
		return STEP_OK;
	if ((st = visit_limit(c, "sms", RELAY_SMS_HOUR, MSG_CLIENT_SMS)) !=
	    STEP_OK)
		return st == STEP_ANSWERED ? STEP_OK : st;
	for (i = 0; i < s->nnumbers; i++)
		if (strcmp(s->numbers[i], f->tn) == 0)
			break;
	if (i == s->nnumbers)
		memcpy(s->numbers[s->nnumbers++], f->tn, sizeof(f->tn));
	visit_forget(s);
	memcpy(s->tn, f->tn, sizeof(s->tn));
	c->dirty = 1;
	if ((a = flow_client(c)) == NULL)
		return STEP_OK;
	if (acmec_order(a, s->tn, &order, s->order_url,
	    sizeof(s->order_url)) == -1 || acmec_challenge(a, order,
	    s->chall_url, sizeof(s->chall_url), s->token,
	    sizeof(s->token)) == -1 || acmec_ready(a, s->chall_url, &ch) ==
	    -1) {
		flow_refused(c, "order");
		visit_forget(s);
	} else if ((now = flow_chall(c, ch)) != CH_GONE) {
		s->state = now == CH_VALID ? SESS_READY : SESS_CODE;
		s->sends = 1;
		s->last_send = c->r->now;
		s->tries = CODE_TRIES;
		log_info("%s: code sent to %s", __func__,
		    visit_masked(s->tn, mask, sizeof(mask)));
	}
	json_object_put(order);
	json_object_put(ch);
	return STEP_OK;
}

/* The server's answer to a code: a wrong one counts down the tries. */
static void
flow_answered(struct rctx *c, struct acmec *a, int rc, json_object *ch)
{
	struct session			*s = &c->s;
	const struct acmec_problem	*p = acmec_problem(a);
	enum prob			 pr = rc == -1 ? flow_prob(a) : PROB_NONE;

	if (pr == PROB_INCORRECT_RESPONSE) {
		s->tries = p->remaining >= 0 && p->remaining <= CODE_TRIES ?
		    (uint8_t)p->remaining : s->tries > 0 ? s->tries - 1 : 0;
		if (s->tries > 0)
			page_msg(c, MSG_WRONG_CODE, s->tries);
		else {
			visit_forget(s);
			page_msg(c, MSG_NO_TRIES, 0);
		}
	} else if (rc == -1 && flow_gone(pr)) {
		log_warn("%s: %s", __func__, p->detail);
		visit_forget(s);
		page_msg(c, MSG_CODE_EXPIRED, 0);
	} else if (rc == -1)
		flow_refused(c, "answer");
	else {
		/* The code was right: the session id it was typed under
		 * is given up (a new one is set with the next answer). */
		c->rotate = 1;
		if (flow_chall(c, ch) == CH_VALID)
			flow_issue(c, a);
	}
}

/* The code: step 2 (PROTOCOL.md 8.2.3), then the certificate. */
enum step
flow_code(struct rctx *c, struct form *f)
{
	struct session	*s = &c->s;
	struct acmec	*a;
	json_object	*ch = NULL;
	enum step	 st;
	int		 rc;

	if (s->state != SESS_CODE && s->state != SESS_READY) {
		page_msg(c, MSG_NO_CODE_STEP, 0);
		return STEP_OK;
	}
	if (s->state == SESS_CODE && !(f->present & FORM_BIT(FORM_CODE))) {
		page_msg(c, MSG_BAD_CODE, 0);
		return STEP_OK;
	}
	if ((st = visit_limit(c, "code", RELAY_CODES_HOUR,
	    MSG_CLIENT_CODES)) != STEP_OK)
		return st == STEP_ANSWERED ? STEP_OK : st;
	if ((a = flow_client(c)) == NULL)
		return STEP_OK;
	if (s->state == SESS_READY) {
		flow_issue(c, a);
		return STEP_OK;
	}
	rc = acmec_answer(a, s->chall_url, s->token, f->code, &ch);
	explicit_bzero(f->code, sizeof(f->code));
	flow_answered(c, a, rc, ch);
	json_object_put(ch);
	return STEP_OK;
}

/* Another SMS (PROTOCOL.md 8.2.5): the server sends one only after
 * sms_resend_interval and at most SENDS_MAX in all, and answers 200 either
 * way, so the relay keeps the same clock and count. */
enum step
flow_resend(struct rctx *c, struct form *f)
{
	struct session	*s = &c->s;
	struct acmec	*a;
	json_object	*ch = NULL;
	long		 wait = (long)(s->last_send +
			    c->rl->cfg->sms_resend_interval - c->r->now);
	enum step	 st;
	char		 mask[8];

	(void)f;
	if (s->state != SESS_CODE) {
		page_msg(c, MSG_NO_CODE_STEP, 0);
		return STEP_OK;
	}
	if (s->sends >= SENDS_MAX) {
		page_msg(c, MSG_SENDS_MAX, 0);
		return STEP_OK;
	}
	if (wait > 0) {
		page_msg(c, MSG_RESEND_WAIT, wait);
		return STEP_OK;
	}
	if ((st = visit_limit(c, "sms", RELAY_SMS_HOUR, MSG_CLIENT_SMS)) !=
	    STEP_OK)
		return st == STEP_ANSWERED ? STEP_OK : st;
	if ((a = flow_client(c)) == NULL)
		return STEP_OK;
	if (acmec_ready(a, s->chall_url, &ch) == -1) {
		if (flow_gone(flow_prob(a))) {
			visit_forget(s);
			page_msg(c, MSG_CODE_EXPIRED, 0);
		} else
			flow_refused(c, "resend");
	} else if (flow_chall(c, ch) == CH_PROCESSING) {
		s->sends++;
		s->last_send = c->r->now;
		page_msg(c, MSG_RESENT, 0);
		log_info("%s: code sent again to %s", __func__,
		    visit_masked(s->tn, mask, sizeof(mask)));
	}
	json_object_put(ch);
	return STEP_OK;
}

enum step
flow_restart(struct rctx *c, struct form *f)
{
	(void)f;
	visit_forget(&c->s);
	c->dirty = 1;
	return STEP_OK;
}

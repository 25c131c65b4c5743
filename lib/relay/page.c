/* The relay's pages: the sentences users read instead of problem types,
 * the template's values for each step, the headers every page carries,
 * and the renderer of the problems serve() finds before the relay runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "relay.h"
#include "tmpl.h"

#define CSP	"default-src 'self'; form-action 'self'; " \
		"frame-ancestors 'none'; base-uri 'none'"
/* A year; the relay is served over HTTPS only (its cookie is Secure). */
#define HSTS	"max-age=31536000"

/* How the number of a message reads: {n} in its text. */
enum unit { U_NONE, U_IN_MINUTES, U_SECONDS, U_TRIES };

static const struct {
	int		 error;		/* 0: a notice */
	enum unit	 unit;
	const char	*text;
} msgs[MSG__MAX] = {
	[MSG_NONE] = { 0, U_NONE, "" },
	[MSG_BAD_TN] = { 1, U_NONE, "That is not a phone number we can "
	    "use. Enter the whole number with its country code, using "
	    "digits only, for example +1 202 555 0123." },
	[MSG_BAD_CODE] = { 1, U_NONE, "The code has six digits. Check the "
	    "text message and enter it again." },
	[MSG_WRONG_CODE] = { 1, U_TRIES, "That code is not right. You have "
	    "{n} left." },
	[MSG_NO_TRIES] = { 1, U_NONE, "That code was wrong too many times. "
	    "Enter your number again to get a new code." },
	[MSG_CODE_EXPIRED] = { 1, U_NONE, "This code is no longer valid. "
	    "Enter your number again to get a new code." },
	[MSG_RATE_LIMITED] = { 1, U_IN_MINUTES, "Too many codes were sent "
	    "to this number. Try again {n}." },
	[MSG_RESEND_WAIT] = { 1, U_SECONDS, "A code was sent a moment ago. "
	    "Please wait {n} before asking for a new one." },
	[MSG_RESENT] = { 0, U_NONE, "We sent you a new code. The code "
	    "before it no longer works." },
	[MSG_SENDS_MAX] = { 1, U_NONE, "No more codes can be sent for this "
	    "request. Wait for the last one, or enter your number again "
	    "later." },
	[MSG_NUMBERS] = { 1, U_NONE, "You have already tried three "
	    "different numbers. Close this page and try again later." },
	[MSG_CLIENT_SMS] = { 1, U_IN_MINUTES, "Too many codes were asked "
	    "for from your network. Try again {n}." },
	[MSG_CLIENT_CODES] = { 1, U_IN_MINUTES, "Too many codes were "
	    "entered from your network. Try again {n}." },
	[MSG_CLIENT_SESSIONS] = { 1, U_IN_MINUTES, "This page was opened "
	    "too many times from your network. Try again {n}." },
	[MSG_REJECTED] = { 1, U_NONE, "This number cannot be confirmed "
	    "here. Check the country code, or use another number." },
	[MSG_SMS_FAILED] = { 1, U_NONE, "We could not send a text message "
	    "to this number. Check the number and try again." },
	[MSG_EXPIRED] = { 1, U_NONE, "This page had expired, so nothing "
	    "was done. Please try again." },
	[MSG_FORM] = { 1, U_NONE, "The form could not be read. Please try "
	    "again." },
	[MSG_UNREACHABLE] = { 1, U_NONE, "The confirmation service cannot "
	    "be reached right now. Please try again in a few minutes." },
	[MSG_SERVER] = { 1, U_NONE, "Something went wrong on our side. "
	    "Please try again in a few minutes." },
	[MSG_NOT_ISSUED] = { 1, U_NONE, "Your number is confirmed, but the "
	    "certificate could not be made yet. Please try again." },
	[MSG_NO_CODE_STEP] = { 1, U_NONE, "There is no code to check. Enter "
	    "your number first." },
	[MSG_NOT_FOUND] = { 1, U_NONE, "There is no such page here." },
	[MSG_METHOD] = { 1, U_NONE, "This page cannot be used that way." },
	[MSG_NO_CHAIN] = { 1, U_NONE, "There is no certificate to download "
	    "yet." },
	[MSG_CLOSED] = { 1, U_NONE, "Numbers cannot be confirmed here at "
	    "the moment. Please try again later." },
	[MSG_UNAVAILABLE] = { 1, U_NONE, "This service is unavailable for a "
	    "moment. Please try again in a minute." },
};

/* The sentence of m with its number in place of {n}. */
static void
msg_text(enum msg m, long n, char *out, size_t outsz)
{
	const char	*t = msgs[m].text, *at;
	char		 num[48];

	switch (msgs[m].unit) {
	case U_IN_MINUTES:
		if (n <= 0)
			snprintf(num, sizeof(num), "later");
		else
			snprintf(num, sizeof(num), "in %ld minute%s", n,
			    n == 1 ? "" : "s");
		break;
	case U_SECONDS:
		snprintf(num, sizeof(num), "%ld second%s", n,
		    n == 1 ? "" : "s");
		break;
	case U_TRIES:
		snprintf(num, sizeof(num), "%ld %s", n, n == 1 ? "try" :
		    "tries");
		break;
	default:
		num[0] = '\0';
		break;
	}
	if ((at = strstr(t, "{n}")) == NULL)
		snprintf(out, outsz, "%s", t);
	else
		snprintf(out, outsz, "%.*s%s%s", (int)(at - t), t, num,
		    at + 3);
}

void
page_msg(struct rctx *c, enum msg m, long n)
{
	c->s.msg = (uint8_t)m;
	c->s.msg_arg = n;
	c->dirty = 1;
}

long
page_minutes(long s)
{
	return s <= 0 ? 0 : (s + 59) / 60;
}

/* The headers of every answer of the relay. */
static int
page_headers(struct rctx *c, int status)
{
	const char	*root = c->rl->base[0] != '\0' ? c->rl->base : "/";
	int		 bad = 0;

	bad |= resp_header(c->r, "Content-Security-Policy", "%s", CSP);
	bad |= resp_header(c->r, "Strict-Transport-Security", "%s", HSTS);
	bad |= resp_header(c->r, "X-Frame-Options", "DENY");
	bad |= resp_header(c->r, "X-Content-Type-Options", "nosniff");
	bad |= resp_header(c->r, "Referrer-Policy", "no-referrer");
	bad |= resp_header(c->r, "Cache-Control", "no-store");
	if (c->new_session)
		bad |= resp_header(c->r, "Set-Cookie", "%s=%s; Path=/; Secure; "
		    "HttpOnly; SameSite=Strict", SESSION_COOKIE, c->id);
	if (status == 303)
		bad |= resp_header(c->r, "Location", "%s", root);
	return bad;
}

enum prob
page_finish(struct rctx *c, int status, const char *ctype,
    const char *extra, const void *body, size_t len)
{
	struct req	*r = c->r;

	r->out.len = 0;
	r->status = status;
	r->ctype = ctype;
	if (page_headers(c, status) != 0 || (extra != NULL &&
	    buf_printf(&r->hdr, "%s\r\n", extra) == -1) ||
	    (len > 0 && buf_add(&r->out, body, len) == -1))
		return PROB_SERVER_INTERNAL;
	return PROB_NONE;
}

/* The values the template sees for the current step. */
static int
page_vars(struct rctx *c, struct tmpl_vars *v, enum msg m, long arg)
{
	const struct session	*s = &c->s;
	static const char *const steps[SESS__MAX] = {
		"step_number", "step_code", "step_ready", "step_done",
	};
	char			 text[512];
	int			 bad = 0;

	bad |= tmpl_set(v, "platform", c->rl->cfg->sms_platform);
	bad |= tmpl_set(v, "base", c->rl->base);
	bad |= tmpl_setf(v, "code_minutes", "%d", CODE_LIFETIME / 60);
	if (m != MSG_NONE) {
		msg_text(m, arg, text, sizeof(text));
		bad |= tmpl_set(v, msgs[m].error ? "error" : "notice", text);
	}
	if (!c->has_session)
		return bad | tmpl_set(v, "step_problem", "1");
	bad |= tmpl_set(v, steps[s->state], "1");
	bad |= tmpl_set(v, "csrf", s->csrf);
	if (s->tn[0] != '\0') {
		bad |= tmpl_setf(v, "tn", "+%s", s->tn);
		bad |= tmpl_setf(v, "tn_value", "+%s", s->tn);
	}
	if (s->state == SESS_CODE && s->sends < SENDS_MAX)
		bad |= tmpl_set(v, "can_resend", "1");
	if (s->state == SESS_DONE) {
		bad |= tmpl_setf(v, "cert_tn", "+%s", s->cert_tn);
		bad |= tmpl_set(v, "cert_subject", s->cert_subject);
		bad |= tmpl_set(v, "cert_expiry", s->cert_expiry);
		bad |= tmpl_set(v, "cert_renew", s->cert_renew);
		bad |= tmpl_setf(v, "chain_url", "%s/chain.pem", c->rl->base);
	}
	return bad;
}

/* Render the page (the session's step, or a problem page without one). */
static enum prob
page_render(struct rctx *c, int status, enum msg m, long arg)
{
	struct tmpl_vars	 v;
	char			*page = NULL;
	size_t			 len = 0;
	enum prob		 p = PROB_SERVER_INTERNAL;

	memset(&v, 0, sizeof(v));
	if (page_vars(c, &v, m, arg) == 0 &&
	    (page = tmpl_render(c->rl->page, &v, &len)) != NULL)
		p = page_finish(c, status, "text/html; charset=utf-8", NULL,
		    page, len);
	tmpl_vars_free(&v);
	free(page);
	return p;
}

void
page_problem(struct rctx *c, int status, enum msg m, long arg)
{
	c->answer = ANSWER_PROBLEM;
	c->status = status;
	c->msg = m;
	c->arg = arg;
}

enum prob
page_answer(struct rctx *c)
{
	switch (c->answer) {
	case ANSWER_REDIRECT:
		return page_finish(c, 303, NULL, NULL, NULL, 0);
	case ANSWER_PROBLEM:
		c->has_session = 0;
		c->new_session = 0;
		return page_render(c, c->status, c->msg, c->arg);
	default:
		return page_render(c, c->status, c->msg, c->arg);
	}
}

/* The message of a problem serve() found (the path, the method, the
 * body, the store out of reach: 503 with Retry-After) or of a failure. */
static enum msg
page_prob_msg(enum prob p)
{
	switch (p) {
	case PROB_NOT_FOUND:
		return MSG_NOT_FOUND;
	case PROB_METHOD:
		return MSG_METHOD;
	case PROB_MALFORMED:
	case PROB_TOO_LARGE:
	case PROB_MEDIA_TYPE:
		return MSG_FORM;
	case PROB_UNAVAILABLE:
		return MSG_UNAVAILABLE;
	default:
		return MSG_SERVER;
	}
}

int
relay_error(struct req *r)
{
	struct rctx	 c;
	enum prob	 p = r->prob;

	memset(&c, 0, sizeof(c));
	c.rl = r->srv->data;
	c.r = r;
	if (c.rl == NULL)
		return -1;
	page_problem(&c, problem_status(p), page_prob_msg(p), 0);
	if (page_answer(&c) != PROB_NONE)
		return -1;
	r->status = problem_status(p);
	return 0;
}

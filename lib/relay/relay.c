/* The platform relay: the page logic. Steps (number, code, result), the
 * ACME calls behind each form, the sentences users read instead of
 * problem types, the CSRF check and the limits that keep the page from
 * being an SMS cannon. One store transaction per request. */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "acmec.h"
#include "b64url.h"
#include "certinfo.h"
#include "crypt.h"
#include "form.h"
#include "json.h"
#include "log.h"
#include "relay.h"
#include "session.h"
#include "sign.h"
#include "tmpl.h"
#include "tnauthlist.h"

#define RELAY_RETRIES	8	/* attempts of a request after deadlocks */
#define RELAY_PRUNE_SEC	300	/* seconds between prunes of the store */

#define CSP	"default-src 'self'; form-action 'self'; " \
		"frame-ancestors 'none'; base-uri 'none'"

/* What the next page tells the user. */
enum msg {
	MSG_NONE,
	MSG_BAD_TN,
	MSG_BAD_CODE,
	MSG_WRONG_CODE,
	MSG_NO_TRIES,
	MSG_CODE_EXPIRED,
	MSG_RATE_LIMITED,
	MSG_RESEND_WAIT,
	MSG_RESENT,
	MSG_SENDS_MAX,
	MSG_NUMBERS,
	MSG_CLIENT_SMS,
	MSG_CLIENT_CODES,
	MSG_CLIENT_SESSIONS,
	MSG_REJECTED,
	MSG_SMS_FAILED,
	MSG_EXPIRED,
	MSG_FORM,
	MSG_UNREACHABLE,
	MSG_SERVER,
	MSG_NOT_ISSUED,
	MSG_NO_CODE_STEP,
	MSG_NOT_FOUND,
	MSG_METHOD,
	MSG_NO_CHAIN,
	MSG__MAX
};

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
};

static const struct {
	int		 code;
	const char	*text;
} statuses[] = {
	{ 200, "OK" }, { 303, "See Other" }, { 400, "Bad Request" },
	{ 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" }, { 429, "Too Many Requests" },
	{ 500, "Internal Server Error" }, { 503, "Service Unavailable" },
};

enum route { ROUTE_PAGE, ROUTE_CHAIN, ROUTE_CSS, ROUTE_NONE };

struct relay {
	struct config		 cfg;
	struct tmpl		*page;
	char			*css;
	size_t			 csslen;
	struct session_db	*db;
	struct signer		*key;
	struct acmec		*acme;		/* on first use */
	const char		*cafile;	/* NULL: system trust */
	char			 base[URL_MAX];	/* path of the page */
	char			 issued[PATH_LEN];
	time_t			 last_prune;
};

/* One request on its way through. */
struct rctx {
	struct relay		*rl;
	const struct relay_req	*rq;
	struct relay_resp	*rs;
	time_t			 now;
	char			 client[64];
	char			 id[SESSION_ID_LEN + 1];
	int			 has_session;
	int			 new_session;	/* send Set-Cookie */
	int			 dirty;		/* store the session */
	int			 acted;		/* the ACME server was called */
	const char		*allow;		/* methods of the path */
	struct session		 s;
	char			*chain;		/* to store with the session */
};

struct action {
	enum form_action	 action;
	int			(*fn)(struct rctx *, struct form *);
};

static int	relay_start(struct rctx *, struct form *);
static int	relay_code(struct rctx *, struct form *);
static int	relay_resend(struct rctx *, struct form *);
static int	relay_restart(struct rctx *, struct form *);

static const struct action actions[] = {
	{ ACTION_START, relay_start },
	{ ACTION_CODE, relay_code },
	{ ACTION_RESEND, relay_resend },
	{ ACTION_RESTART, relay_restart },
};

/*
 * Messages.
 */

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

static void
relay_msg(struct rctx *c, enum msg m, long n)
{
	c->s.msg = (uint8_t)m;
	c->s.msg_arg = n;
	c->dirty = 1;
}

/* Whole minutes, rounded up, in seconds s. */
static long
relay_minutes(long s)
{
	return s <= 0 ? 0 : (s + 59) / 60;
}

/*
 * The response.
 */

static const char *
relay_reason(int status)
{
	size_t	 i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == status)
			return statuses[i].text;
	return "Error";
}

/* The header block for a response of type ctype (NULL: no body). */
static int
relay_head(struct rctx *c, int status, const char *ctype)
{
	struct relay_resp	*rs = c->rs;
	int			 bad = 0;

	buf_free(&rs->head);
	rs->status = status;
	bad |= buf_printf(&rs->head, "Status: %d %s\r\n", status,
	    relay_reason(status));
	if (ctype != NULL)
		bad |= buf_printf(&rs->head, "Content-Type: %s\r\n", ctype);
	bad |= buf_printf(&rs->head, "Content-Security-Policy: %s\r\n"
	    "X-Frame-Options: DENY\r\nX-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer\r\nCache-Control: no-store\r\n",
	    CSP);
	if (c->new_session)
		bad |= buf_printf(&rs->head, "Set-Cookie: %s=%s; Path=%s; "
		    "Secure; HttpOnly; SameSite=Strict\r\n", SESSION_COOKIE,
		    c->id, c->rl->base[0] != '\0' ? c->rl->base : "/");
	if (status == 303)
		bad |= buf_printf(&rs->head, "Location: %s\r\n",
		    c->rl->base[0] != '\0' ? c->rl->base : "/");
	if (status == 405)
		bad |= buf_printf(&rs->head, "Allow: %s\r\n", c->allow);
	return bad;
}

/* A response that cannot fail: the bare minimum. */
static void
relay_fatal(struct relay_resp *rs)
{
	static const char	 head[] = "Status: 500 Internal Server Error\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n\r\n";
	static const char	 body[] = "Something went wrong on our side. "
	    "Please try again in a few minutes.\n";

	buf_free(&rs->head);
	buf_free(&rs->body);
	rs->status = 500;
	if (buf_add(&rs->head, head, sizeof(head) - 1) == -1)
		return;
	buf_add(&rs->body, body, sizeof(body) - 1);
}

static int
relay_finish(struct rctx *c, int status, const char *ctype,
    const char *extra, const void *body, size_t len)
{
	buf_free(&c->rs->body);
	if (relay_head(c, status, ctype) != 0 ||
	    (extra != NULL && buf_printf(&c->rs->head, "%s\r\n", extra) ==
	    -1) || buf_add(&c->rs->head, "\r\n", 2) == -1 ||
	    (len > 0 && buf_add(&c->rs->body, body, len) == -1))
		return -1;
	return 0;
}

static int
relay_redirect(struct rctx *c)
{
	return relay_finish(c, 303, NULL, NULL, NULL, 0);
}

/* The values the template sees for the current step. */
static int
relay_vars(struct rctx *c, struct tmpl_vars *v, enum msg m, long arg)
{
	const struct session	*s = &c->s;
	static const char *const steps[SESS__MAX] = {
		"step_number", "step_code", "step_ready", "step_done",
	};
	char			 text[512];
	int			 bad = 0;

	bad |= tmpl_set(v, "platform", c->rl->cfg.sms_platform);
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
		bad |= tmpl_setf(v, "chain_url", "%s/chain.pem", c->rl->base);
	}
	return bad;
}

/* Render the page (the session's step, or a problem page without one). */
static int
relay_page(struct rctx *c, int status, enum msg m, long arg)
{
	struct tmpl_vars	 v;
	char			*page = NULL;
	size_t			 len = 0;
	int			 rc = -1;

	memset(&v, 0, sizeof(v));
	if (relay_vars(c, &v, m, arg) == 0 &&
	    (page = tmpl_render(c->rl->page, &v, &len)) != NULL)
		rc = relay_finish(c, status, "text/html; charset=utf-8", NULL,
		    page, len);
	tmpl_vars_free(&v);
	free(page);
	return rc;
}

/* A page that is only a message, outside any session's steps. */
static int
relay_problem_page(struct rctx *c, int status, enum msg m, long arg)
{
	c->has_session = 0;
	return relay_page(c, status, m, arg);
}

/*
 * Sessions and limits.
 */

/* The key a client's limits are counted under: its IPv4 address, or
 * the /64 of its IPv6 address (one host usually holds a whole /64). */
static void
relay_client(const char *addr, char *out, size_t outsz)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	char		 buf[INET_ADDRSTRLEN];

	if (addr != NULL && inet_pton(AF_INET, addr, &a4) == 1)
		snprintf(out, outsz, "%s", addr);
	else if (addr != NULL && inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6) &&
		    inet_ntop(AF_INET, &a6.s6_addr[12], buf, sizeof(buf)))
			snprintf(out, outsz, "%s", buf);
		else
			snprintf(out, outsz, "%02x%02x:%02x%02x:%02x%02x:"
			    "%02x%02x::/64", a6.s6_addr[0], a6.s6_addr[1],
			    a6.s6_addr[2], a6.s6_addr[3], a6.s6_addr[4],
			    a6.s6_addr[5], a6.s6_addr[6], a6.s6_addr[7]);
	} else
		snprintf(out, outsz, "unknown");
}

/* Count one event of kind for the client in the current hour. Returns
 * 0 when allowed (and counted), 1 when over max (the message m is set
 * or, without a session, rendered), -1 on a store failure. */
static int
relay_limit(struct rctx *c, const char *kind, long max, enum msg m)
{
	char	 key[96];
	int64_t	 end = ((int64_t)c->now / 3600 + 1) * 3600;
	long	 v;

	snprintf(key, sizeof(key), "%s/%s", kind, c->client);
	if (session_count(c->rl->db, key, end, 0, &v) != SESSION_OK)
		return -1;
	if (v >= max) {
		log_warn("%s: %s: %s limit of %ld per hour reached", __func__,
		    c->client, kind, max);
		if (c->has_session)
			relay_msg(c, m, relay_minutes((long)(end - c->now)));
		else if (relay_problem_page(c, 429, m,
		    relay_minutes((long)(end - c->now))) == -1)
			return -1;
		return 1;
	}
	return session_count(c->rl->db, key, end, 1, &v) == SESSION_OK ? 0 :
	    -1;
}

/* rawlen random octets as base64url into out. */
static int
relay_random(size_t rawlen, char *out, size_t outsz)
{
	unsigned char	 raw[64];
	int		 rc = 0;

	if (rawlen > sizeof(raw) || crypt_random(raw, rawlen) == -1 ||
	    b64url_encode(raw, rawlen, out, outsz) != B64URL_LEN(rawlen))
		rc = -1;
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

/* Start a new session (limited per client). 1 when over the limit. */
static int
relay_session_new(struct rctx *c)
{
	int	 rc;

	if ((rc = relay_limit(c, "session", RELAY_SESSIONS_HOUR,
	    MSG_CLIENT_SESSIONS)) != 0)
		return rc;
	memset(&c->s, 0, sizeof(c->s));
	if (relay_random(SESSION_RAW_LEN, c->id, sizeof(c->id)) == -1 ||
	    relay_random(CSRF_RAW_LEN, c->s.csrf, sizeof(c->s.csrf)) == -1)
		return -1;
	c->s.state = SESS_NUMBER;
	c->s.created = c->now;
	c->has_session = c->new_session = c->dirty = 1;
	return 0;
}

/* The session of the cookie: 0 found, 1 none, -1 store failure. */
static int
relay_session_find(struct rctx *c)
{
	int	 rc;

	if (form_cookie(c->rq->cookie, SESSION_COOKIE, c->id) != 1)
		return 1;
	rc = session_get(c->rl->db, c->id, c->now, &c->s);
	if (rc == SESSION_ERR)
		return -1;
	if (rc == SESSION_NOTFOUND)
		return 1;
	if (c->s.msg >= MSG__MAX)
		c->s.msg = MSG_NONE;
	c->has_session = 1;
	return 0;
}

/* A number for the log: its last two digits only. */
static const char *
relay_masked(const char *tn, char *out, size_t outsz)
{
	size_t	 n = strlen(tn);

	snprintf(out, outsz, "...%s", n > 2 ? tn + n - 2 : "");
	return out;
}

/* Forget the ACME objects of the session (a new number or a restart). */
static void
relay_forget(struct session *s)
{
	s->state = SESS_NUMBER;
	s->tries = s->sends = 0;
	s->last_send = 0;
	s->order_url[0] = s->chall_url[0] = s->token[0] = '\0';
	s->cert_tn[0] = s->cert_subject[0] = s->cert_expiry[0] = '\0';
}

/*
 * The ACME side.
 */

/* The client, created and registered on first use. NULL when the ACME
 * server cannot be reached or refuses the account (logged). */
static struct acmec *
relay_acme(struct relay *rl)
{
	char	 err[256], url[URL_MAX];

	if (rl->acme != NULL)
		return rl->acme;
	rl->acme = acmec_new(rl->cfg.relay_directory, rl->cafile, rl->key,
	    err, sizeof(err));
	if (rl->acme == NULL) {
		log_err("%s: %s", __func__, err);
		return NULL;
	}
	/* The relay is one platform: its account is bound to it. */
	if (rl->cfg.relay_eab_kid[0] != '\0' && acmec_set_eab(rl->acme,
	    rl->cfg.relay_eab_kid, rl->cfg.relay_eab_key) == -1)
		log_err("%s: relay_eab_kid/relay_eab_key: not a key id and a "
		    "base64url key of 32 octets", __func__);
	if (acmec_account(rl->acme, NULL, 0, url, sizeof(url)) == -1) {
		log_err("%s: newAccount: %s %s", __func__,
		    acmec_problem(rl->acme)->type,
		    acmec_problem(rl->acme)->detail);
		acmec_free(rl->acme);
		rl->acme = NULL;
		return NULL;
	}
	log_info("%s: using account %s", __func__, url);
	return rl->acme;
}

/* Turn the last ACME problem into a sentence for the user. */
static void
relay_refused(struct rctx *c, const char *what)
{
	const struct acmec_problem	*p = acmec_problem(c->rl->acme);

	log_warn("%s: %s: HTTP %d %s: %s", __func__, what, p->status,
	    p->type, p->detail);
	if (p->status == 0)
		relay_msg(c, MSG_UNREACHABLE, 0);
	else if (strcmp(p->type, "rateLimited") == 0)
		relay_msg(c, MSG_RATE_LIMITED, relay_minutes(p->retry_after));
	else if (strcmp(p->type, "rejectedIdentifier") == 0 ||
	    strcmp(p->type, "unsupportedIdentifier") == 0)
		relay_msg(c, MSG_REJECTED, 0);
	else if (strcmp(p->type, "connection") == 0)
		relay_msg(c, MSG_SMS_FAILED, 0);
	else {
		if (strcmp(p->type, "unauthorized") == 0 ||
		    strcmp(p->type, "accountDoesNotExist") == 0) {
			/* Register again on the next request. */
			acmec_free(c->rl->acme);
			c->rl->acme = NULL;
		}
		relay_msg(c, p->status >= 500 ? MSG_UNREACHABLE : MSG_SERVER,
		    0);
	}
}

/* The status of a challenge the server answered with; an invalid one
 * becomes the message. Returns 1 for "processing", 2 for "valid", 0
 * otherwise. */
static int
relay_chall_status(struct rctx *c, json_object *ch)
{
	const char	*st = ch != NULL ? json_get_str(ch, "status") : NULL;
	json_object	*err;
	const char	*type;

	if (st != NULL && strcmp(st, "processing") == 0)
		return 1;
	if (st != NULL && strcmp(st, "valid") == 0)
		return 2;
	err = ch != NULL ? json_get_obj(ch, "error") : NULL;
	type = err != NULL ? json_get_str(err, "type") : NULL;
	log_warn("%s: challenge is %s (%s)", __func__, st != NULL ? st : "?",
	    type != NULL ? type : "no error");
	if (type != NULL && strstr(type, ":connection") != NULL)
		relay_msg(c, MSG_SMS_FAILED, 0);
	else
		relay_msg(c, MSG_CODE_EXPIRED, 0);
	relay_forget(&c->s);
	return 0;
}

/* notAfter for people: "26 December 2026, 17:59 UTC". */
static void
relay_time(time_t t, char *out, size_t outsz)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%-d %B %Y, %H:%M UTC", &tm) == 0)
		snprintf(out, outsz, "?");
}

/* The facts shown on the result page, from a certificate's DER. */
static int
relay_der_facts(const unsigned char *der, size_t len, struct session *s)
{
	time_t	 na;

	if (certinfo_read(der, len, s->cert_tn, s->cert_subject,
	    sizeof(s->cert_subject), &na) == -1)
		return -1;
	relay_time(na, s->cert_expiry, sizeof(s->cert_expiry));
	return 0;
}

/* The same from the first certificate of a PEM chain. */
static int
relay_cert_facts(const char *pem, struct session *s)
{
	unsigned char	*der = NULL;
	size_t		 len;
	int		 rc = -1;

	if (signer_cert_der(pem, &der, &len) == 0 &&
	    (rc = relay_der_facts(der, len, s)) == -1)
		log_err("%s: cannot read the issued certificate", __func__);
	free(der);
	return rc;
}

/*
 * Hand the certificate's key and chain to the platform: files named
 * <number>-<time>.key and .pem in the issued folder beside the account
 * key, mode 0600. XXX: a folder is the simplest handoff to the
 * platform's own systems; a hook or a queue may suit some better.
 */
static void
relay_keep(struct relay *rl, const struct signer *key, const char *tn,
    const char *pem, time_t now)
{
	char		 path[PATH_LEN + 64];
	struct tm	 tm;
	char		 ts[32];
	size_t		 len = strlen(pem);
	int		 fd;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return;
	snprintf(path, sizeof(path), "%s/%s-%s.key", rl->issued, tn, ts);
	if (signer_save(key, path) == -1)
		log_err("%s: %s: the certificate's key was not kept",
		    __func__, path);
	snprintf(path, sizeof(path), "%s/%s-%s.pem", rl->issued, tn, ts);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || write(fd, pem, len) != (ssize_t)len) {
		log_err("%s: %s: %s", __func__, path, strerror(errno));
		unlink(path);
	}
	if (fd != -1)
		close(fd);
}

/* Finalize the proven order with a fresh P-256 key and fetch the chain
 * (RFC 8555 7.4, 7.4.2). Failures leave the session READY to retry. */
static int
relay_issue(struct rctx *c, struct acmec *a)
{
	struct session	*s = &c->s;
	struct signer	*key = NULL;
	json_object	*order = NULL, *done = NULL;
	unsigned char	 tnder[TNAUTHLIST_DER_MAX], *csr = NULL;
	size_t		 tnlen = sizeof(tnder), csrlen = 0;
	const char	*url, *st;
	char		*pem = NULL, mask[8];

	s->state = SESS_READY;
	if (acmec_post(a, s->order_url, "", &order, NULL, 0) == -1 ||
	    order == NULL) {
		relay_refused(c, "order");
		relay_msg(c, MSG_NOT_ISSUED, 0);
		goto out;
	}
	if ((st = json_get_str(order, "status")) == NULL ||
	    strcmp(st, "ready") != 0) {
		/* Expired, or finalized by an attempt whose answer was
		 * lost (its key with it): only a new order helps. */
		log_warn("%s: the order is %s", __func__, st != NULL ? st :
		    "without status");
		relay_forget(s);
		relay_msg(c, MSG_NOT_ISSUED, 0);
		goto out;
	}
	if ((key = signer_generate(JWK_ES256)) == NULL ||
	    tnauthlist_encode(s->tn, tnder, &tnlen) == -1 ||
	    signer_csr(key, s->tn, tnder, tnlen, &csr, &csrlen) == -1) {
		relay_msg(c, MSG_SERVER, 0);
		goto out;
	}
	if (acmec_finalize(a, order, csr, csrlen, &done) == -1 ||
	    (url = json_get_str(done, "certificate")) == NULL ||
	    acmec_cert(a, url, &pem) == -1) {
		relay_refused(c, "finalize");
		relay_msg(c, MSG_NOT_ISSUED, 0);
		goto out;
	}
	if (strlen(pem) >= CHAIN_PEM_MAX) {
		log_err("%s: the chain exceeds %d octets", __func__,
		    CHAIN_PEM_MAX);
		relay_msg(c, MSG_NOT_ISSUED, 0);
		goto out;
	}
	if (relay_cert_facts(pem, s) == -1) {
		snprintf(s->cert_tn, sizeof(s->cert_tn), "%s", s->tn);
		snprintf(s->cert_subject, sizeof(s->cert_subject), "CN=%s",
		    s->tn);
		s->cert_expiry[0] = '\0';
	}
	relay_keep(c->rl, key, s->tn, pem, c->now);
	log_info("%s: certificate issued for %s", __func__,
	    relay_masked(s->tn, mask, sizeof(mask)));
	s->state = SESS_DONE;
	c->chain = pem;
	pem = NULL;
out:
	c->dirty = 1;
	json_object_put(order);
	json_object_put(done);
	free(csr);
	free(pem);
	signer_free(key);
	return 0;
}

/*
 * The actions of the forms.
 */

/* A number: a new order, its challenge, and the first SMS (step 1 of
 * PROTOCOL.md 8.2.2). */
static int
relay_start(struct rctx *c, struct form *f)
{
	struct session	*s = &c->s;
	struct acmec	*a;
	json_object	*order = NULL, *ch = NULL;
	char		 mask[8];
	size_t		 i;
	int		 rc;

	if (!(f->present & FORM_BIT(FORM_TN))) {
		relay_msg(c, MSG_BAD_TN, 0);
		return 0;
	}
	for (i = 0; i < s->nnumbers; i++)
		if (strcmp(s->numbers[i], f->tn) == 0)
			break;
	if (i == s->nnumbers && s->nnumbers == SESSION_NUMBERS) {
		relay_msg(c, MSG_NUMBERS, 0);
		return 0;
	}
	if ((rc = relay_limit(c, "sms", RELAY_SMS_HOUR, MSG_CLIENT_SMS)) != 0)
		return rc == 1 ? 0 : -1;
	if (i == s->nnumbers)
		memcpy(s->numbers[s->nnumbers++], f->tn, sizeof(f->tn));
	relay_forget(s);
	memcpy(s->tn, f->tn, sizeof(s->tn));
	c->dirty = 1;
	if ((a = relay_acme(c->rl)) == NULL) {
		relay_msg(c, MSG_UNREACHABLE, 0);
		return 0;
	}
	c->acted = 1;
	if (acmec_order(a, s->tn, &order, s->order_url,
	    sizeof(s->order_url)) == -1 || acmec_challenge(a, order,
	    s->chall_url, sizeof(s->chall_url), s->token,
	    sizeof(s->token)) == -1 || acmec_ready(a, s->chall_url, &ch) ==
	    -1) {
		relay_refused(c, "order");
		relay_forget(s);
	} else if ((rc = relay_chall_status(c, ch)) != 0) {
		s->state = rc == 2 ? SESS_READY : SESS_CODE;
		s->sends = 1;
		s->last_send = c->now;
		s->tries = CODE_TRIES;
		log_info("%s: code sent to %s", __func__,
		    relay_masked(s->tn, mask, sizeof(mask)));
	}
	json_object_put(order);
	json_object_put(ch);
	return 0;
}

/* The code: step 2 (PROTOCOL.md 8.2.3), then the certificate. */
static int
relay_code(struct rctx *c, struct form *f)
{
	struct session			*s = &c->s;
	const struct acmec_problem	*p;
	struct acmec			*a;
	json_object			*ch = NULL;
	int				 rc;

	if (s->state != SESS_CODE && s->state != SESS_READY) {
		relay_msg(c, MSG_NO_CODE_STEP, 0);
		return 0;
	}
	if (s->state == SESS_CODE && !(f->present & FORM_BIT(FORM_CODE))) {
		relay_msg(c, MSG_BAD_CODE, 0);
		return 0;
	}
	if ((rc = relay_limit(c, "code", RELAY_CODES_HOUR,
	    MSG_CLIENT_CODES)) != 0)
		return rc == 1 ? 0 : -1;
	if ((a = relay_acme(c->rl)) == NULL) {
		relay_msg(c, MSG_UNREACHABLE, 0);
		return 0;
	}
	c->acted = 1;
	c->dirty = 1;
	if (s->state == SESS_READY)
		return relay_issue(c, a);
	rc = acmec_answer(a, s->chall_url, s->token, f->code, &ch);
	explicit_bzero(f->code, sizeof(f->code));
	p = acmec_problem(a);
	if (rc == -1 && strcmp(p->type, "incorrectResponse") == 0) {
		s->tries = p->remaining >= 0 && p->remaining <= CODE_TRIES ?
		    (uint8_t)p->remaining : s->tries > 0 ? s->tries - 1 : 0;
		if (s->tries > 0)
			relay_msg(c, MSG_WRONG_CODE, s->tries);
		else {
			relay_forget(s);
			relay_msg(c, MSG_NO_TRIES, 0);
		}
	} else if (rc == -1 && strcmp(p->type, "malformed") == 0) {
		log_warn("%s: %s", __func__, p->detail);
		relay_forget(s);
		relay_msg(c, MSG_CODE_EXPIRED, 0);
	} else if (rc == -1)
		relay_refused(c, "answer");
	else if (relay_chall_status(c, ch) == 2)
		rc = relay_issue(c, a);
	json_object_put(ch);
	return rc == -1 ? 0 : rc;
}

/* Another SMS (PROTOCOL.md 8.2.5): the server sends one only after
 * sms_resend_interval and at most SENDS_MAX in all, and answers 200 either
 * way, so the relay keeps the same clock and count. */
static int
relay_resend(struct rctx *c, struct form *f)
{
	struct session	*s = &c->s;
	struct acmec	*a;
	json_object	*ch = NULL;
	long		 wait = (long)(s->last_send +
			    c->rl->cfg.sms_resend_interval - c->now);
	char		 mask[8];
	int		 rc;

	(void)f;
	if (s->state != SESS_CODE) {
		relay_msg(c, MSG_NO_CODE_STEP, 0);
		return 0;
	}
	if (s->sends >= SENDS_MAX) {
		relay_msg(c, MSG_SENDS_MAX, 0);
		return 0;
	}
	if (wait > 0) {
		relay_msg(c, MSG_RESEND_WAIT, wait);
		return 0;
	}
	if ((rc = relay_limit(c, "sms", RELAY_SMS_HOUR, MSG_CLIENT_SMS)) != 0)
		return rc == 1 ? 0 : -1;
	if ((a = relay_acme(c->rl)) == NULL) {
		relay_msg(c, MSG_UNREACHABLE, 0);
		return 0;
	}
	c->acted = 1;
	c->dirty = 1;
	if (acmec_ready(a, s->chall_url, &ch) == -1) {
		if (strcmp(acmec_problem(a)->type, "malformed") == 0) {
			relay_forget(s);
			relay_msg(c, MSG_CODE_EXPIRED, 0);
		} else
			relay_refused(c, "resend");
	} else if (relay_chall_status(c, ch) == 1) {
		s->sends++;
		s->last_send = c->now;
		relay_msg(c, MSG_RESENT, 0);
		log_info("%s: code sent again to %s", __func__,
		    relay_masked(s->tn, mask, sizeof(mask)));
	}
	json_object_put(ch);
	return 0;
}

static int
relay_restart(struct rctx *c, struct form *f)
{
	(void)f;
	relay_forget(&c->s);
	c->dirty = 1;
	return 0;
}

/*
 * Requests.
 */

/* 1 when the media type of ct is application/x-www-form-urlencoded. */
static int
relay_form_type(const char *ct)
{
	static const char	 want[] = "application/x-www-form-urlencoded";
	size_t			 n = sizeof(want) - 1;

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* A CONTENT_LENGTH: its value, or -1 when missing or malformed. */
static long
relay_clen(const char *s)
{
	long	 n = 0;
	size_t	 i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 9)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n;
}

size_t
relay_body_len(const char *method, const char *clen)
{
	long	 n = relay_clen(clen);

	if (method == NULL || strcmp(method, "POST") != 0 || n < 1 ||
	    n > FORM_MAX)
		return 0;
	return (size_t)n;
}

/* The checks of a form before its action: 1 when answered already. */
static int
relay_post_check(struct rctx *c, struct form *f)
{
	const struct relay_req	*rq = c->rq;
	long			 n = relay_clen(rq->clen);
	enum form_err		 e;

	if (!relay_form_type(rq->ctype))
		return relay_problem_page(c, 415, MSG_FORM, 0) == -1 ? -1 : 1;
	if (n > FORM_MAX)
		return relay_problem_page(c, 413, MSG_FORM, 0) == -1 ? -1 : 1;
	if (n < 1 || rq->body == NULL || rq->bodylen != (size_t)n)
		return relay_problem_page(c, 400, MSG_FORM, 0) == -1 ? -1 : 1;
	e = form_parse(rq->body, rq->bodylen, f);
	if (e != FORM_OK && e != FORM_INVALID) {
		log_warn("%s: %s: %s", __func__, c->client, form_err_str(e));
		relay_msg(c, MSG_FORM, 0);
		return 1;
	}
	/* The CSRF token (bound to the session), and the browser's word
	 * that the form came from this origin when it gives one. */
	if (!(f->present & FORM_BIT(FORM_CSRF)) ||
	    !crypt_equal(f->csrf, c->s.csrf, CSRF_LEN) ||
	    (rq->fetch_site != NULL &&
	    strcmp(rq->fetch_site, "same-origin") != 0)) {
		log_warn("%s: %s: CSRF check failed", __func__, c->client);
		relay_msg(c, MSG_EXPIRED, 0);
		return 1;
	}
	if (!(f->present & FORM_BIT(FORM_ACTION))) {
		relay_msg(c, MSG_FORM, 0);
		return 1;
	}
	return 0;
}

static int
relay_post(struct rctx *c)
{
	struct form	 f;
	size_t		 i;
	int		 rc;

	if ((rc = relay_session_find(c)) == -1)
		return -1;
	if (rc == 1) {
		/* No session (or an expired one): nothing can be checked,
		 * so nothing is done. A fresh session says so. */
		if ((rc = relay_session_new(c)) != 0)
			return rc == 1 ? 0 : -1;
		relay_msg(c, MSG_EXPIRED, 0);
		return relay_redirect(c);
	}
	rc = relay_post_check(c, &f);
	if (rc == 0) {
		for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
			if (actions[i].action == f.action)
				break;
		rc = i < sizeof(actions) / sizeof(actions[0]) ?
		    actions[i].fn(c, &f) : -1;
	} else if (rc == 1 && c->rs->head.len > 0)
		rc = 0;		/* answered with an error page */
	else if (rc == 1)
		rc = relay_redirect(c);
	explicit_bzero(&f, sizeof(f));
	if (rc == 0 && c->rs->head.len == 0)
		rc = relay_redirect(c);
	return rc;
}

static int
relay_get(struct rctx *c)
{
	enum msg	 m;
	long		 arg;
	int		 rc;

	if ((rc = relay_session_find(c)) == -1)
		return -1;
	if (rc == 1 && (rc = relay_session_new(c)) != 0)
		return rc == 1 ? 0 : -1;
	m = (enum msg)c->s.msg;
	arg = (long)c->s.msg_arg;
	if (m != MSG_NONE) {
		c->s.msg = MSG_NONE;	/* shown once */
		c->s.msg_arg = 0;
		c->dirty = 1;
	} else if (c->s.state == SESS_CODE &&
	    c->now >= c->s.last_send + CODE_LIFETIME) {
		/* The server has closed the challenge by now (8.2.4). */
		relay_forget(&c->s);
		c->dirty = 1;
		m = MSG_CODE_EXPIRED;
	}
	return relay_page(c, 200, m, arg);
}

static int
relay_chain(struct rctx *c)
{
	char	*pem, disp[128];
	int	 rc;

	if ((rc = relay_session_find(c)) == -1)
		return -1;
	if (rc == 1 || c->s.state != SESS_DONE)
		return relay_problem_page(c, 404, MSG_NO_CHAIN, 0);
	if ((pem = malloc(CHAIN_PEM_MAX)) == NULL)
		return -1;
	rc = session_chain_get(c->rl->db, c->id, pem, CHAIN_PEM_MAX);
	if (rc == SESSION_OK) {
		snprintf(disp, sizeof(disp), "Content-Disposition: attachment; "
		    "filename=\"%s.pem\"", c->s.cert_tn[0] != '\0' ?
		    c->s.cert_tn : c->s.tn);
		rc = relay_finish(c, 200, "application/pem-certificate-chain",
		    disp, pem, strlen(pem));
	} else if (rc == SESSION_NOTFOUND)
		rc = relay_problem_page(c, 404, MSG_NO_CHAIN, 0);
	free(pem);
	return rc;
}

/* Run fn in a store transaction, again after a deadlock unless the
 * ACME server was already called. */
static void
relay_txn(struct rctx *c, int (*fn)(struct rctx *))
{
	struct session_db	*db = c->rl->db;
	int			 i, rc = -1;

	for (i = 0; i < RELAY_RETRIES; i++) {
		c->has_session = c->new_session = c->dirty = c->acted = 0;
		free(c->chain);
		c->chain = NULL;
		buf_free(&c->rs->head);
		buf_free(&c->rs->body);
		if (session_begin(db) != SESSION_OK)
			break;
		rc = fn(c);
		if (rc == 0 && c->has_session && c->dirty) {
			c->s.expires = c->s.created + SESSION_LIFETIME;
			if (c->s.expires > (int64_t)c->now + SESSION_IDLE)
				c->s.expires = (int64_t)c->now + SESSION_IDLE;
			if (session_put(db, c->id, &c->s) != SESSION_OK)
				rc = -1;
		}
		if (rc == 0 && c->chain != NULL &&
		    session_chain_put(db, c->id, c->chain) != SESSION_OK)
			rc = -1;
		if (rc == 0 && session_commit(db) == SESSION_OK)
			break;
		session_abort(db);
		rc = -1;
		if (!session_retry(db) || c->acted)
			break;
	}
	if (rc == -1) {
		log_err("%s: the request failed%s", __func__,
		    c->acted ? " after the ACME server was called" : "");
		c->new_session = 0;
		if (relay_problem_page(c, 503, MSG_SERVER, 0) == -1)
			relay_fatal(c->rs);
	}
	free(c->chain);
	c->chain = NULL;
	explicit_bzero(&c->s, sizeof(c->s));
}

/* Which of our paths the URI names (the query is ignored). */
static enum route
relay_route(const struct relay *rl, const char *uri)
{
	size_t		 n = strlen(rl->base), len;
	const char	*rest;

	if (uri == NULL || strncmp(uri, rl->base, n) != 0)
		return ROUTE_NONE;
	rest = uri + n;
	len = strcspn(rest, "?");
	if (len == 0 || (len == 1 && rest[0] == '/'))
		return ROUTE_PAGE;
	if (len == 10 && strncmp(rest, "/chain.pem", 10) == 0)
		return ROUTE_CHAIN;
	if (len == 10 && strncmp(rest, "/relay.css", 10) == 0)
		return ROUTE_CSS;
	return ROUTE_NONE;
}

void
relay_handle(struct relay *rl, const struct relay_req *rq,
    struct relay_resp *rs)
{
	struct rctx	 c;
	enum route	 r = relay_route(rl, rq->uri);
	const char	*m = rq->method != NULL ? rq->method : "";
	int		 get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	int		 rc = 0;

	memset(rs, 0, sizeof(*rs));
	memset(&c, 0, sizeof(c));
	c.rl = rl;
	c.rq = rq;
	c.rs = rs;
	c.now = time(NULL);
	c.allow = r == ROUTE_PAGE ? "GET, HEAD, POST" : "GET, HEAD";
	relay_client(rq->remote, c.client, sizeof(c.client));
	if (r == ROUTE_NONE)
		rc = relay_problem_page(&c, 404, MSG_NOT_FOUND, 0);
	else if (r == ROUTE_PAGE && strcmp(m, "POST") == 0)
		relay_txn(&c, relay_post);
	else if (!get)
		rc = relay_problem_page(&c, 405, MSG_METHOD, 0);
	else if (r == ROUTE_CSS)
		rc = relay_finish(&c, 200, "text/css; charset=utf-8", NULL,
		    rl->css, rl->csslen);
	else
		relay_txn(&c, r == ROUTE_PAGE ? relay_get : relay_chain);
	if (rc == -1)
		relay_fatal(rs);
	if (strcmp(m, "HEAD") == 0)
		buf_free(&rs->body);
}

void
relay_resp_free(struct relay_resp *rs)
{
	buf_free(&rs->head);
	if (rs->body.p != NULL)
		explicit_bzero(rs->body.p, rs->body.len);
	buf_free(&rs->body);
}

void
relay_idle(struct relay *rl)
{
	time_t	 now = time(NULL);
	long	 n;

	if (now - rl->last_prune < RELAY_PRUNE_SEC)
		return;
	rl->last_prune = now;
	if (session_prune(rl->db, now, SESSION_PRUNE_MAX, &n) ==
	    SESSION_OK && n > 0)
		log_info("%s: %ld expired records removed", __func__, n);
}

/*
 * Setup.
 */

/* Create the folders of path (mode 0700) up to and including it. */
static int
relay_mkdirs(const char *path)
{
	char	 p[PATH_LEN];
	size_t	 i;

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -1;
	for (i = 1; ; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			log_err("%s: %s: %s", __func__, p, strerror(errno));
			return -1;
		}
		if (path[i] == '\0')
			return 0;
		p[i] = '/';
	}
}

/* The folder part of path into out ("." when there is none). */
static void
relay_dirname(const char *path, char *out, size_t outsz)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, outsz, ".");
	else
		snprintf(out, outsz, "%.*s", (int)(slash - path), path);
}

/* The platform's account key, made on first use. Several processes may
 * start at once: each makes a key aside, the first link(2) wins and all
 * of them load the winner. */
static struct signer *
relay_account_key(const char *path)
{
	struct signer	*k;
	char		 tmp[PATH_LEN + 32];

	if (access(path, F_OK) == 0)
		return signer_load(path);
	snprintf(tmp, sizeof(tmp), "%s.%ld.new", path, (long)getpid());
	if ((k = signer_generate(JWK_ES256)) == NULL ||
	    signer_save(k, tmp) == -1) {
		signer_free(k);
		return NULL;
	}
	signer_free(k);
	if (link(tmp, path) == -1 && errno != EEXIST) {
		log_err("%s: %s: %s", __func__, path, strerror(errno));
		unlink(tmp);
		return NULL;
	}
	unlink(tmp);
	log_info("%s: %s: account key in place", __func__, path);
	return signer_load(path);
}

/* The path part of the configured relay URL; "/relay" by default. */
static int
relay_base(struct relay *rl)
{
	const char	*u = rl->cfg.relay_url, *p;
	size_t		 n;

	if (u[0] == '\0')
		p = "/relay";
	else if ((p = strstr(u, "://")) == NULL ||
	    (p = strchr(p + 3, '/')) == NULL)
		p = "";
	n = strcspn(p, "?#");
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n >= sizeof(rl->base) || strcspn(p, "\"';, \t\r\n") < n) {
		log_err("%s: relay_url: unusable path", __func__);
		return -1;
	}
	memcpy(rl->base, p, n);
	rl->base[n] = '\0';
	return 0;
}

struct relay *
relay_open(const struct config *cfg)
{
	struct relay	*rl;
	char		 path[PATH_LEN + 32], dir[PATH_LEN];

	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->cfg = *cfg;
	rl->last_prune = time(NULL) - RELAY_PRUNE_SEC;
	if (relay_base(rl) == -1)
		goto err;
	snprintf(path, sizeof(path), "%s/relay.html", cfg->templates);
	if ((rl->page = tmpl_load(path)) == NULL)
		goto err;
	snprintf(path, sizeof(path), "%s/relay.css", cfg->templates);
	if ((rl->css = tmpl_file(path, &rl->csslen)) == NULL)
		goto err;
	relay_dirname(cfg->relay_key, dir, sizeof(dir));
	if (snprintf(rl->issued, sizeof(rl->issued), "%s/issued", dir) >=
	    (int)sizeof(rl->issued) || relay_mkdirs(rl->issued) == -1)
		goto err;
	relay_dirname(cfg->relay_db, dir, sizeof(dir));
	if (relay_mkdirs(dir) == -1 ||
	    (rl->db = session_open(cfg->relay_db)) == NULL ||
	    (rl->key = relay_account_key(cfg->relay_key)) == NULL)
		goto err;
	rl->cafile = access(rl->cfg.relay_cafile, R_OK) == 0 ?
	    rl->cfg.relay_cafile : NULL;
	return rl;
err:
	log_err("%s: the relay cannot start", __func__);
	relay_close(rl);
	return NULL;
}

void
relay_close(struct relay *rl)
{
	if (rl == NULL)
		return;
	acmec_free(rl->acme);
	signer_free(rl->key);
	session_close(rl->db);
	tmpl_free(rl->page);
	free(rl->css);
	free(rl);
}

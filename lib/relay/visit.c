/* The visitor of the relay: the address it is counted under (behind
 * trusted proxies, config trusted_proxies), its session (found by the
 * cookie, made new, stored, given a new id after the code step) and the
 * per-client limits that keep the page from being an SMS cannon. */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypt.h"
#include "fcgi.h"
#include "log.h"
#include "page.h"
#include "window.h"

#define LIMIT_WINDOW	3600	/* the per-client limits count an hour */

/* The key a client's limits are counted under: its IPv4 address, or
 * the /64 of its IPv6 address (one host usually holds a whole /64). */
static void
visit_client(const char *addr, char *out, size_t outsz)
{
	struct in6_addr	 a6;

	if (inet_pton(AF_INET6, addr, &a6) == 1)
		snprintf(out, outsz, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64",
		    a6.s6_addr[0], a6.s6_addr[1], a6.s6_addr[2],
		    a6.s6_addr[3], a6.s6_addr[4], a6.s6_addr[5],
		    a6.s6_addr[6], a6.s6_addr[7]);
	else
		snprintf(out, outsz, "%s", addr);
}

void
visit_start(struct rctx *c, struct relay *rl, struct req *r)
{
	const struct config	*cfg = rl->cfg;
	char			 addr[FWD_VALUE_MAX];

	memset(c, 0, sizeof(*c));
	c->rl = rl;
	c->r = r;
	c->answer = ANSWER_REDIRECT;
	c->status = 200;
	c->cookie = fcgi_param("HTTP_COOKIE");
	c->fetch_site = fcgi_param("HTTP_SEC_FETCH_SITE");
	fwd_client(fcgi_param("REMOTE_ADDR"), cfg->proxy_kind == FWD_NONE ?
	    NULL : fcgi_param(fwd_header_var(cfg->proxy_kind)),
	    cfg->proxy_kind, cfg->proxies, cfg->nproxies, addr, sizeof(addr));
	visit_client(addr, c->client, sizeof(c->client));
}

/* Count one event of kind for the client over the last hour: STEP_OK
 * when allowed (and counted); STEP_ANSWERED when over max (the message
 * m is set or, without a session, a 429 page). */
enum step
visit_limit(struct rctx *c, const char *kind, long max, enum msg m)
{
	struct window_count	 w;
	char			 key[96];

	snprintf(key, sizeof(key), "%s/%s", kind, c->client);
	if (store_window(c->r->st, SDB_COUNTERS, key, c->r->now, LIMIT_WINDOW,
	    max, 0, &w) != STORE_OK)
		return STEP_FAILED;
	if (w.value >= max) {
		log_warn("%s: %s: %s limit of %ld per hour reached", __func__,
		    c->client, kind, max);
		if (c->has_session)
			page_msg(c, m, page_minutes(w.wait));
		else
			page_problem(c, 429, m, page_minutes(w.wait));
		return STEP_ANSWERED;
	}
	return store_window(c->r->st, SDB_COUNTERS, key, c->r->now,
	    LIMIT_WINDOW, max, 1, &w) == STORE_OK ? STEP_OK : STEP_FAILED;
}

/* rawlen random octets as base64url into out. */
static int
visit_random(size_t rawlen, char *out, size_t outsz)
{
	unsigned char	 raw[64];
	int		 rc = 0;

	if (rawlen > sizeof(raw) || crypt_random(raw, rawlen) == -1 ||
	    b64url_encode(raw, rawlen, out, outsz) != B64URL_LEN(rawlen))
		rc = -1;
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

/* A new id and CSRF token for the session. */
static int
visit_new_id(struct rctx *c)
{
	if (visit_random(SESSION_RAW_LEN, c->id, sizeof(c->id)) == -1 ||
	    visit_random(CSRF_RAW_LEN, c->s.csrf, sizeof(c->s.csrf)) == -1)
		return -1;
	c->new_session = c->dirty = 1;
	return 0;
}

/* Start a new session (limited per client). */
enum step
visit_new(struct rctx *c)
{
	enum step	 st;

	if ((st = visit_limit(c, "session", RELAY_SESSIONS_HOUR,
	    MSG_CLIENT_SESSIONS)) != STEP_OK)
		return st;
	memset(&c->s, 0, sizeof(c->s));
	if (visit_new_id(c) == -1)
		return STEP_FAILED;
	c->s.state = SESS_NUMBER;
	c->s.created = c->r->now;
	c->has_session = 1;
	return STEP_OK;
}

enum found
visit_find(struct rctx *c)
{
	int	 rc;

	if (form_cookie(c->cookie, SESSION_COOKIE, c->id) != 1)
		return FOUND_NONE;
	rc = session_get(c->r->st, c->id, c->r->now, &c->s);
	if (rc == STORE_ERR)
		return FOUND_FAILED;
	if (rc == STORE_NOTFOUND)
		return FOUND_NONE;
	if (c->s.msg >= MSG__MAX)
		c->s.msg = MSG_NONE;
	c->has_session = 1;
	return FOUND;
}

/* Store what changed: the session (under a new id when it was rotated:
 * the old one is removed, so a cookie seen before the code step is
 * worth nothing after it) and the chain it obtained. */
enum prob
visit_save(struct rctx *c)
{
	struct store	*st = c->r->st;
	int64_t		 now = (int64_t)c->r->now;

	if (!c->has_session || !c->dirty)
		return PROB_NONE;
	c->r->durable = 1;
	if (c->rotate && (session_del(st, c->id) == STORE_ERR ||
	    visit_new_id(c) == -1))
		return PROB_SERVER_INTERNAL;
	c->s.expires = c->s.created + SESSION_LIFETIME;
	if (c->s.expires > now + SESSION_IDLE)
		c->s.expires = now + SESSION_IDLE;
	if (session_put(st, c->id, &c->s) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	if (c->chain != NULL && session_chain_put(st, c->id, c->chain) !=
	    STORE_OK)
		return PROB_SERVER_INTERNAL;
	return PROB_NONE;
}

/* Forget the ACME objects of the session (a new number or a restart). */
void
visit_forget(struct session *s)
{
	s->state = SESS_NUMBER;
	s->tries = s->sends = 0;
	s->last_send = 0;
	s->order_url[0] = s->chall_url[0] = s->token[0] = '\0';
	s->cert_tn[0] = s->cert_subject[0] = s->cert_expiry[0] = '\0';
	s->cert_renew[0] = '\0';
}

/* A number for the log: its last two digits only. */
const char *
visit_masked(const char *tn, char *out, size_t outsz)
{
	size_t	 n = strlen(tn);

	snprintf(out, outsz, "...%s", n > 2 ? tn + n - 2 : "");
	return out;
}

/* Release what the request held, wiping the session. */
void
visit_end(struct rctx *c)
{
	free(c->chain);
	c->chain = NULL;
	explicit_bzero(&c->s, sizeof(c->s));
}

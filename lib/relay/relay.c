/* The relay page as a program on serve(): its hooks (the store it
 * opens, its set-up, its handlers, its housekeeping), the routes below
 * its root and the checks of a form before its action. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acmec.h"
#include "crypt.h"
#include "log.h"
#include "page.h"
#include "relay.h"
#include "sign.h"
#include "tmpl.h"

#define RELAY_PRUNE_SEC	300	/* seconds between prunes of the store */

struct action {
	enum form_action	 action;
	enum step		(*fn)(struct rctx *, struct form *);
};

static const struct action actions[] = {
	{ ACTION_START, flow_start },
	{ ACTION_CODE, flow_code },
	{ ACTION_RESEND, flow_resend },
	{ ACTION_RESTART, flow_restart },
};

static const char *const routes[ROUTE__MAX] = {
	[ROUTE_NONE] = NULL,
	[ROUTE_PAGE] = "",
	[ROUTE_CHAIN] = "/chain.pem",
	[ROUTE_CSS] = "/relay.css",
};

static struct relay	 relay;

/* Which of our paths the request names (the query is ignored). */
static enum route
relay_route(const struct req *r)
{
	size_t		 len = strcspn(r->path, "?");
	enum route	 i;

	if (len == 1 && r->path[0] == '/')
		return ROUTE_PAGE;
	for (i = ROUTE_PAGE; i < ROUTE__MAX; i++)
		if (strlen(routes[i]) == len &&
		    strncmp(r->path, routes[i], len) == 0)
			return i;
	return ROUTE_NONE;
}

/* The store, the rest of the request and the answer of one handler. */
static enum prob
relay_done(struct rctx *c, enum step st)
{
	enum prob	 p = PROB_SERVER_INTERNAL;

	if (st == STEP_FAILED || store_failed(c->r->st))
		p = PROB_SERVER_INTERNAL;
	else if ((p = visit_save(c)) == PROB_NONE)
		p = page_answer(c);
	visit_end(c);
	return p;
}

/* The session of the request, or a new one. */
static enum step
relay_session(struct rctx *c)
{
	switch (visit_find(c)) {
	case FOUND:
		return STEP_OK;
	case FOUND_NONE:
		return visit_new(c);
	default:
		return STEP_FAILED;
	}
}

static enum step
relay_page(struct rctx *c)
{
	enum step	 st;

	if ((st = relay_session(c)) != STEP_OK)
		return st;
	c->answer = ANSWER_PAGE;
	c->msg = (enum msg)c->s.msg;
	c->arg = (long)c->s.msg_arg;
	if (c->msg != MSG_NONE) {
		c->s.msg = MSG_NONE;	/* shown once */
		c->s.msg_arg = 0;
		c->dirty = 1;
	} else if (c->s.state == SESS_CODE &&
	    c->r->now >= c->s.last_send + CODE_LIFETIME) {
		/* The server has closed the challenge by now (8.2.4). */
		visit_forget(&c->s);
		c->dirty = 1;
		c->msg = MSG_CODE_EXPIRED;
	}
	return STEP_OK;
}

static enum prob
relay_chain(struct rctx *c)
{
	enum found	 f = visit_find(c);
	enum prob	 p = PROB_NONE;
	char		*pem, disp[128];
	int		 rc;

	if (f == FOUND_FAILED)
		return PROB_SERVER_INTERNAL;
	if (f == FOUND_NONE || c->s.state != SESS_DONE) {
		page_problem(c, 404, MSG_NO_CHAIN, 0);
		return relay_done(c, STEP_OK);
	}
	if ((pem = malloc(CHAIN_PEM_MAX)) == NULL)
		return PROB_SERVER_INTERNAL;
	rc = session_chain_get(c->r->st, c->id, pem, CHAIN_PEM_MAX);
	if (rc == STORE_OK) {
		snprintf(disp, sizeof(disp), "Content-Disposition: attachment; "
		    "filename=\"%s.pem\"", c->s.cert_tn[0] != '\0' ?
		    c->s.cert_tn : c->s.tn);
		p = page_finish(c, 200, "application/pem-certificate-chain",
		    disp, pem, strlen(pem));
	} else if (rc == STORE_NOTFOUND) {
		page_problem(c, 404, MSG_NO_CHAIN, 0);
		p = page_answer(c);
	} else
		p = PROB_SERVER_INTERNAL;
	free(pem);
	visit_end(c);
	return p;
}

enum prob
relay_get(struct req *r)
{
	struct rctx	 c;

	visit_start(&c, r->srv->data, r);
	switch (relay_route(r)) {
	case ROUTE_PAGE:
		return relay_done(&c, relay_page(&c));
	case ROUTE_CHAIN:
		return relay_chain(&c);
	case ROUTE_CSS:
		return page_finish(&c, 200, "text/css; charset=utf-8", NULL,
		    c.rl->css, c.rl->csslen);
	default:
		return resp_fail(r, PROB_NOT_FOUND, "no such page");
	}
}

/* The checks of a form before its action: STEP_ANSWERED when it is
 * refused (the message says why). */
static enum step
relay_form(struct rctx *c, struct form *f)
{
	enum form_err	 e;

	e = form_parse(c->r->body, c->r->bodysz, f);
	if (e != FORM_OK && e != FORM_INVALID) {
		log_warn("%s: %s: %s", __func__, c->client, form_err_str(e));
		page_msg(c, MSG_FORM, 0);
		return STEP_ANSWERED;
	}
	/* The CSRF token (bound to the session), and the browser's word
	 * that the form came from this origin when it gives one. */
	if (!(f->present & FORM_BIT(FORM_CSRF)) ||
	    !crypt_equal(f->csrf, c->s.csrf, CSRF_LEN) ||
	    (c->fetch_site != NULL &&
	    strcmp(c->fetch_site, "same-origin") != 0)) {
		log_warn("%s: %s: CSRF check failed", __func__, c->client);
		page_msg(c, MSG_EXPIRED, 0);
		return STEP_ANSWERED;
	}
	if (!(f->present & FORM_BIT(FORM_ACTION))) {
		page_msg(c, MSG_FORM, 0);
		return STEP_ANSWERED;
	}
	return STEP_OK;
}

/* A form: its checks, then its action; the answer is a redirect to the
 * page, which shows what happened. */
static enum step
relay_act(struct rctx *c)
{
	struct form	 f;
	enum step	 st;
	size_t		 i;

	switch (visit_find(c)) {
	case FOUND:
		break;
	case FOUND_NONE:
		/* No session (or an expired one): nothing can be checked,
		 * so nothing is done. A fresh session says so. */
		if ((st = visit_new(c)) == STEP_OK)
			page_msg(c, MSG_EXPIRED, 0);
		return st == STEP_FAILED ? st : STEP_OK;
	default:
		return STEP_FAILED;
	}
	memset(&f, 0, sizeof(f));
	if ((st = relay_form(c, &f)) == STEP_OK) {
		st = STEP_FAILED;
		for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
			if (actions[i].action == f.action)
				st = actions[i].fn(c, &f);
	} else if (st == STEP_ANSWERED)
		st = STEP_OK;
	explicit_bzero(&f, sizeof(f));
	return st;
}

enum prob
relay_post(struct req *r)
{
	struct rctx	 c;

	visit_start(&c, r->srv->data, r);
	switch (relay_route(r)) {
	case ROUTE_PAGE:
		return relay_done(&c, relay_act(&c));
	case ROUTE_NONE:
		return resp_fail(r, PROB_NOT_FOUND, "no such page");
	default:
		resp_header(r, "Allow", "GET, HEAD");
		return resp_fail(r, PROB_METHOD, "POST is not allowed here");
	}
}

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

/* The file of the account key: relay_key, or with relay_eab_kid set
 * relay_key.KID. The server answers a key it knows with its account as
 * it is (RFC 8555 7.3.1) and ignores a binding sent with it, so a key
 * registered before (unbound, or for another platform) would keep the
 * relay out of its platform: each key id has its own key and account. */
static int
relay_key_path(const struct config *cfg, char *out, size_t outsz)
{
	const char	*kid = cfg->relay_eab_kid;
	size_t		 len = strlen(kid);

	if (len == 0)
		return snprintf(out, outsz, "%s", cfg->relay_key) >=
		    (int)outsz ? -1 : 0;
	if (strspn(kid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") != len) {
		log_err("%s: relay_eab_kid: not a key id of this server",
		    __func__);
		return -1;
	}
	if (snprintf(out, outsz, "%s.%s", cfg->relay_key, kid) >= (int)outsz) {
		log_err("%s: relay_key: too long", __func__);
		return -1;
	}
	return 0;
}

/* The path part of the configured relay URL; "/relay" by default. */
static int
relay_base(struct relay *rl)
{
	const char	*u = rl->cfg->relay_url, *p;
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

struct store *
relay_open(const struct config *cfg)
{
	char	 dir[PATH_LEN];

	if (cfg->store[0] != '\0')	/* the shared database */
		return session_open(cfg->store);
	relay_dirname(cfg->relay_db, dir, sizeof(dir));
	if (relay_mkdirs(dir) == -1)
		return NULL;
	return session_open(cfg->relay_db);
}

int
relay_init(struct server *srv)
{
	struct relay	*rl = &relay;
	char		 path[PATH_LEN + 32], dir[PATH_LEN];
	char		 key[PATH_LEN];

	rl->cfg = &srv->cfg;
	rl->last_prune = time(NULL) - RELAY_PRUNE_SEC;
	if (relay_base(rl) == -1)
		goto err;
	memcpy(srv->root, rl->base, sizeof(srv->root) < sizeof(rl->base) ?
	    sizeof(srv->root) : sizeof(rl->base));
	srv->root[sizeof(srv->root) - 1] = '\0';
	snprintf(path, sizeof(path), "%s/relay.html", rl->cfg->templates);
	if ((rl->page = tmpl_load(path)) == NULL)
		goto err;
	snprintf(path, sizeof(path), "%s/relay.css", rl->cfg->templates);
	if ((rl->css = tmpl_file(path, &rl->csslen)) == NULL)
		goto err;
	relay_dirname(rl->cfg->relay_key, dir, sizeof(dir));
	if (snprintf(rl->issued, sizeof(rl->issued), "%s/issued", dir) >=
	    (int)sizeof(rl->issued) || relay_mkdirs(rl->issued) == -1 ||
	    relay_key_path(rl->cfg, key, sizeof(key)) == -1 ||
	    (rl->key = relay_account_key(key)) == NULL)
		goto err;
	rl->cafile = access(rl->cfg->relay_cafile, R_OK) == 0 ?
	    rl->cfg->relay_cafile : NULL;
	srv->data = rl;
	return 0;
err:
	log_err("%s: the relay cannot start", __func__);
	relay_free(rl);
	return -1;
}

void
relay_free(struct relay *rl)
{
	acmec_free(rl->acme);
	signer_free(rl->key);
	tmpl_free(rl->page);
	free(rl->css);
	memset(rl, 0, sizeof(*rl));
}

void
relay_idle(struct server *srv)
{
	struct relay	*rl = srv->data;
	time_t		 now = time(NULL);
	long		 n;

	if (rl == NULL || now - rl->last_prune < RELAY_PRUNE_SEC)
		return;
	rl->last_prune = now;
	if (session_prune(srv->st, now, SESSION_PRUNE_MAX, &n) == STORE_OK &&
	    n > 0)
		log_info("%s: %ld expired records removed", __func__, n);
}

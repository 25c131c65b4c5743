/* The request loop every program runs: set up before the loop, then per
 * request: method, content type and size checks, one store transaction
 * (authentication, the resource's handler, commit; run again after a
 * deadlock), and the response with its nonce. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "crypt.h"
#include "fcgi.h"
#include "jws.h"
#include "log.h"
#include "secret.h"

#define DEADLOCK_RETRIES	16
#define RETRY_PAUSE_US		2000	/* the first pause; it doubles, to 64 ms */
#define RETRY_FOR		10	/* seconds: no attempt starts after */
#define REQUEST_TIMEOUT		30	/* seconds: then the process dies */
#define WATCH_FIRST		2	/* seconds: the watchdog's first look */
#define STORE_RETRY_AFTER	5	/* seconds, when the database is down */

static struct server	 server;

/* What each kind of POST body must be: its media type, whether
 * parameters may follow it (RFC 9110 8.3.1), its cap. */
static const struct {
	const char	*ctype;
	int		 params;
	size_t		 max;
} bodies[BODY__MAX] = {
	[BODY_JWS] = { "application/jose+json", 0, BODY_MAX },
	[BODY_FORM] = { "application/x-www-form-urlencoded", 1, FORM_MAX },
};

static void
req_reset(struct req *r)
{
	jws_free(r->jws);
	r->jws = NULL;
	buf_free(&r->hdr);
	buf_free(&r->out);
	r->has_acct = 0;
	r->status = 200;
	r->ctype = NULL;
	r->prob = PROB_NONE;
	r->detail[0] = '\0';
	r->retry_after = -1;
	r->remaining = -1;
	r->durable = 0;
	r->keep = 0;
	r->after_commit = 0;
	r->no_retry = 0;
}

static void
req_free(struct req *r)
{
	req_reset(r);
	if (r->body != NULL)
		explicit_bzero(r->body, r->bodysz);
	free(r->body);
	r->body = NULL;
}

static enum method
req_method(const char *m)
{
	if (m == NULL)
		return METHOD_OTHER;
	if (strcmp(m, "GET") == 0)
		return METHOD_GET;
	if (strcmp(m, "HEAD") == 0)
		return METHOD_HEAD;
	if (strcmp(m, "POST") == 0)
		return METHOD_POST;
	return METHOD_OTHER;
}

/* The request URI below the root (the local prefix), and the URL a JWS
 * must name. A page also owns the root itself and a query after it. */
static enum prob
req_path(struct req *r, const struct program *prog)
{
	const char	*uri = fcgi_param("REQUEST_URI");
	size_t		 plen = strlen(r->srv->root);
	int		 n;

	if (uri == NULL || strncmp(uri, r->srv->root, plen) != 0 ||
	    (uri[plen] != '/' && !(prog->page && (uri[plen] == '\0' ||
	    uri[plen] == '?'))))
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	r->path = uri + plen;
	n = snprintf(r->url, sizeof(r->url), "%s%s", r->cfg->base_url,
	    r->path);
	if (n < 0 || (size_t)n >= sizeof(r->url))
		return resp_fail(r, PROB_NOT_FOUND, "the URL is too long");
	return PROB_NONE;
}

/* 1 when the Content-Type ct is what a body of kind b must be. */
static int
req_ctype(const char *ct, enum body b)
{
	size_t	 n = strlen(bodies[b].ctype);

	if (ct == NULL)
		return 0;
	if (!bodies[b].params)
		return strcmp(ct, bodies[b].ctype) == 0;
	if (strncasecmp(ct, bodies[b].ctype, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* Read exactly CONTENT_LENGTH octets, refusing what is over the cap. */
static enum prob
req_body(struct req *r, enum body b)
{
	const char	*cl = fcgi_param("CONTENT_LENGTH");
	const char	*ct = fcgi_param("CONTENT_TYPE");
	char		*end;
	unsigned long	 n;

	if (!req_ctype(ct, b))
		return resp_fail(r, PROB_MEDIA_TYPE, "Content-Type must be "
		    "%s", bodies[b].ctype);
	errno = 0;
	if (cl == NULL || cl[0] < '0' || cl[0] > '9' ||
	    (n = strtoul(cl, &end, 10), errno != 0) || *end != '\0' ||
	    n == 0)
		return resp_fail(r, PROB_MALFORMED, "a body with a "
		    "Content-Length is required");
	if (n > bodies[b].max)
		return resp_fail(r, PROB_TOO_LARGE, "the body is larger than "
		    "%zu octets", bodies[b].max);
	if ((r->body = malloc(n + 1)) == NULL)
		return PROB_SERVER_INTERNAL;
	if (fcgi_read(r->body, n) != (ssize_t)n)
		return resp_fail(r, PROB_MALFORMED, "the body is shorter than "
		    "its Content-Length");
	r->body[n] = '\0';
	r->bodysz = n;
	return PROB_NONE;
}

static void
req_allow(struct req *r, unsigned methods)
{
	resp_header(r, "Allow", "%s%s%s", methods & M_GET ? "GET, " : "",
	    methods & M_HEAD ? "HEAD, " : "", methods & M_POST ? "POST" : "");
}

/* 1 when the program owns the request path (a NULL path: all of them). */
static int
req_owned(const struct req *r, const struct program *prog)
{
	size_t	 n;

	if (prog->path == NULL)
		return 1;
	n = strlen(prog->path);
	if (n > 0 && prog->path[n - 1] == '/')
		return strncmp(r->path, prog->path, n) == 0 && r->path[n] != '\0';
	return strcmp(r->path, prog->path) == 0;
}

/* Checks before any store access. */
static enum prob
req_check(struct req *r, const struct program *prog)
{
	static const unsigned bits[] = { M_GET, M_HEAD, M_POST, 0 };
	enum prob	 p;

	if ((p = req_path(r, prog)) != PROB_NONE)
		return p;
	if (!req_owned(r, prog))
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	if ((prog->methods & bits[r->method]) == 0) {
		req_allow(r, prog->methods);
		return resp_fail(r, PROB_METHOD, "%s is not allowed here",
		    fcgi_param("REQUEST_METHOD"));
	}
	if (r->method == METHOD_POST)
		return req_body(r, prog->body);
	return PROB_NONE;
}

/*
 * The handler in a transaction of its own, nested in the request's: a
 * request that ends in a problem keeps nothing of what its handler
 * wrote, unless the handler set r->keep for that outcome (a failed try
 * at a code counts although the answer is a problem). What
 * authentication wrote (the nonce, now used) stays either way.
 */
static enum prob
req_handler(struct req *r, const struct program *prog)
{
	enum prob	 p;

	if (store_nest_begin(r->st) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	p = r->method == METHOD_POST ? prog->post(r) : prog->get(r);
	if (store_nest_end(r->st, p == PROB_NONE || r->keep) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	if (p != PROB_NONE && !r->keep)
		r->durable = 0;
	return p;
}

/* One attempt: a transaction around authentication and the handler. */
static enum prob
req_attempt(struct req *r, const struct program *prog)
{
	enum prob	 p = PROB_NONE;

	if (r->method != METHOD_POST && prog->get_nostore)
		return prog->get(r);
	if (store_begin(r->st) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	if (r->method == METHOD_POST && prog->body == BODY_JWS)
		p = auth_request(r, prog->auth);
	if (p == PROB_NONE)
		p = req_handler(r, prog);
	if (store_failed(r->st) || p == PROB_SERVER_INTERNAL) {
		store_abort(r->st);
		return PROB_SERVER_INTERNAL;
	}
	if (store_commit(r->st, r->durable) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	return p;
}

/* Before running a request again after a deadlock or a lost race: a
 * random pause that grows with the attempts, so that the requests that
 * collided do not collide again at once (a hot row, such as a shared
 * limit window, on PostgreSQL's SERIALIZABLE). */
static void
req_pause(int attempt)
{
	unsigned char	 b;
	long		 us;

	if (attempt < 1)
		return;		/* the first retry goes at once */
	us = RETRY_PAUSE_US << (attempt < 5 ? attempt - 1 : 5);
	if (crypt_random(&b, 1) == 0)
		us = us / 2 + us * b / 512;
	usleep((useconds_t)us);
}

/* The watchdog. A request still running after REQUEST_TIMEOUT seconds is
 * stuck; one that waits in an environment another process has recovered
 * since waits for what never comes (a mutex of a process that was
 * killed). Either way the process exits, and the web server starts a fresh
 * one. The watchdog looks WATCH_FIRST seconds into a request, then every
 * second: most requests end before it ever wakes. */
static volatile sig_atomic_t	 watch_spent;
static struct store *volatile	 watch_st;

/* Only async-signal-safe calls: write(2) and _exit(2). */
static void
watch_end(const char *why, size_t len)
{
	ssize_t	 n;

	n = write(STDERR_FILENO, why, len);
	(void)n;
	_exit(2);
}

static void
watch_tick(int sig)
{
	static const char	 late[] = "idprover: a request ran too long; "
	    "the process ends\n";
	static const char	 stale[] = "idprover: a request waits in a "
	    "recovered store; the process ends\n";

	(void)sig;
	watch_spent += watch_spent == 0 ? WATCH_FIRST : 1;
	if (watch_spent >= REQUEST_TIMEOUT)
		watch_end(late, sizeof(late) - 1);
	if (watch_st != NULL && store_stale(watch_st))
		watch_end(stale, sizeof(stale) - 1);
	alarm(1);
}

static void
watch_start(struct store *st)
{
	watch_spent = 0;
	watch_st = st;
	alarm(WATCH_FIRST);
}

static void
watch_stop(void)
{
	alarm(0);
	watch_st = NULL;
}

static enum prob
req_run(struct req *r, const struct program *prog)
{
	enum prob	 p;
	time_t		 start = time(NULL);
	int		 i;

	/* Bounded in count and in time: each attempt may wait for a lock
	 * (2 s at most on Berkeley DB), and the watchdog ends the process at
	 * REQUEST_TIMEOUT. */
	for (i = 0; i < DEADLOCK_RETRIES && time(NULL) - start < RETRY_FOR;
	    i++) {
		p = req_attempt(r, prog);
		if (store_unavailable(r->st)) {
			req_reset(r);
			r->retry_after = STORE_RETRY_AFTER;
			return resp_fail(r, PROB_UNAVAILABLE, "the service's "
			    "database cannot be reached; try again later");
		}
		if (store_panicked(r->st)) {
			watch_st = NULL;
			if (store_reopen(&r->srv->st) != STORE_OK) {
				log_err("%s: cannot reopen the store", __func__);
				exit(1);	/* the web server restarts us */
			}
			r->st = watch_st = r->srv->st;
		} else if (!store_retry(r->st) || r->no_retry)
			return p;
		req_reset(r);
		req_pause(i);
	}
	log_err("%s: gave up after %d deadlocks", __func__, i);
	r->retry_after = 1;
	return PROB_UNAVAILABLE;
}

static void
req_handle(struct req *r, const struct program *prog)
{
	char	 nonce[NONCE_LEN + 1];
	int	 withnonce;

	r->now = time(NULL);
	r->method = req_method(fcgi_param("REQUEST_METHOD"));
	r->no_index = prog->page;
	if ((r->prob = req_check(r, prog)) == PROB_NONE)
		r->prob = req_run(r, prog);
	if (r->prob == PROB_NONE && r->after_commit && prog->after != NULL)
		prog->after(r);
	if (r->prob != PROB_NONE) {
		if (r->prob == PROB_SERVER_INTERNAL)
			r->detail[0] = '\0';
		if (prog->error == NULL || prog->error(r) == -1)
			problem_write(r);
	}
	withnonce = !prog->page && (r->method == METHOD_POST ||
	    r->prob != PROB_NONE || strcmp(prog->name, "new-nonce") == 0);
	if (withnonce && nonce_new(&server, r->now, nonce) == -1)
		withnonce = 0;
	if (r->ctype != NULL && strcmp(r->ctype, "application/json") == 0)
		resp_header(r, "Cache-Control", "no-store");
	resp_send(r, withnonce ? nonce : NULL);
	fcgi_finish();
}

static int
serve_init(const struct program *prog)
{
	char	 err[256];

	umask(077);
	log_set_name(prog->name);
	/* Keep a little heap between requests instead of giving it back to
	 * the kernel after each one (and faulting it in again). */
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
	mallopt(M_TOP_PAD, 64 * 1024);
	if (config_load(&server.cfg, NULL, err, sizeof(err)) == -1) {
		log_err("%s: configuration: %s", __func__, err);
		return -1;
	}
	if (!prog->page && secret_load(&server.cfg, server.secret) == -1)
		return -1;
	if (snprintf(server.root, sizeof(server.root), "%s",
	    server.cfg.local_prefix) >= (int)sizeof(server.root))
		return -1;
	if ((server.location = getenv("IDPROVER_LOCATION_HEADER")) == NULL ||
	    server.location[0] == '\0')
		server.location = "Location";
	/* Opening may wait on the store as a request does (a mutex of a
	 * process killed inside the environment): the same watchdog. */
	watch_start(NULL);
	server.st = prog->open != NULL ? prog->open(&server.cfg) :
	    store_open(server.cfg.store[0] ? server.cfg.store :
	    server.cfg.db_dir, 0);
	watch_stop();
	if (server.st == NULL)
		return -1;
	if (prog->init != NULL && prog->init(&server) == -1)
		return -1;
	return 0;
}

int
serve(const struct program *prog)
{
	struct req	 r;

	if (sigaction(SIGALRM, &(struct sigaction){ .sa_handler = watch_tick,
	    .sa_flags = SA_RESTART }, NULL) == -1 || serve_init(prog) == -1)
		return 1;
	while (fcgi_accept() == 0) {
		watch_start(server.st);
		memset(&r, 0, sizeof(r));
		r.srv = &server;
		r.cfg = &server.cfg;
		r.st = server.st;
		req_reset(&r);
		req_handle(&r, prog);
		req_free(&r);
		store_idle(server.st);
		if (prog->idle != NULL)
			prog->idle(&server);
		watch_stop();
	}
	store_close(server.st);
	explicit_bzero(server.secret, sizeof(server.secret));
	return 0;
}

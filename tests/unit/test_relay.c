/* Unit tests of the relay (lib/relay/) on its own store in a temporary
 * folder, through its program hooks as serve() calls them: the page and
 * its headers, forms refused in words, the client address behind
 * trusted proxies and the per-client limit it keys, the new session id
 * after the code step, the issued files of two sessions racing for one
 * number, and the sliding-window counter the limits use. The steps that
 * call an ACME server are covered by tests/integ/test_relay.sh. */
#include <sys/wait.h>

#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#include "fcgi.h"
#include "page.h"
#include "b64url.h"
#include "relay.h"
#include "sign.h"
#include "window.h"

#define NOW	1750000000

struct fx {
	char		 dir[64];
	struct server	 srv;
};

/* One answer of the relay. */
struct ans {
	int		 status;
	char		 hdr[4096];
	char		*out;
	char		 cookie[128];	/* "__Host-idp_relay=..." when set */
};

static int
setup(void **state)
{
	struct fx	*f;
	char		 path[128], cwd[256], err[256];
	FILE		*fp;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/idprover-relay.XXXXXX");
	if (mkdtemp(f->dir) == NULL || getcwd(cwd, sizeof(cwd) - 16) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/idprover.conf", f->dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "{ \"trusted_proxies\": [ \"127.0.0.0/8\", \"::1\" ], "
	    "\"proxy_header\": \"X-Forwarded-For\" }\n");
	fclose(fp);
	setenv("IDPROVER_VAR", f->dir, 1);
	strcat(cwd, "/templates");
	setenv("IDPROVER_TEMPLATES", cwd, 1);
	unsetenv("IDPROVER_CONF");
	if (config_load(&f->srv.cfg, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	snprintf(f->srv.root, sizeof(f->srv.root), "%s",
	    f->srv.cfg.local_prefix);
	if ((f->srv.st = relay_open(&f->srv.cfg)) == NULL ||
	    relay_init(&f->srv) == -1)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	relay_free(f->srv.data);
	store_close(f->srv.st);
	hx_rmtree(f->dir);
	free(f);
	return 0;
}

static void
setparam(const char *name, const char *v)
{
	if (v == NULL)
		unsetenv(name);
	else
		setenv(name, v, 1);
}

/* One request through the hooks, in a transaction as serve() runs it:
 * method "GET" or "POST", path below /relay, the cookie (NULL: none),
 * the client's address as the proxy says it (NULL: none) and a body. */
static void
request(struct fx *f, const char *method, const char *path,
    const char *cookie, const char *xff, const char *body, struct ans *a)
{
	struct req	 r;
	enum prob	 p;
	const char	*c;
	size_t		 n;

	memset(&r, 0, sizeof(r));
	memset(a, 0, sizeof(*a));
	setparam("HTTP_COOKIE", cookie);
	setparam("REMOTE_ADDR", "127.0.0.1");
	setparam("HTTP_X_FORWARDED_FOR", xff != NULL ? xff : "198.51.100.1");
	r.srv = &f->srv;
	r.cfg = &f->srv.cfg;
	r.st = f->srv.st;
	r.now = NOW;
	r.status = 200;
	r.retry_after = -1;
	r.remaining = -1;
	r.path = path;
	r.method = strcmp(method, "POST") == 0 ? METHOD_POST : METHOD_GET;
	r.body = (char *)body;
	r.bodysz = body != NULL ? strlen(body) : 0;
	assert_int_equal(store_begin(r.st), STORE_OK);
	p = r.method == METHOD_POST ? relay_post(&r) : relay_get(&r);
	assert_int_equal(store_commit(r.st, 0), STORE_OK);
	if ((r.prob = p) != PROB_NONE)
		assert_int_equal(relay_error(&r), 0);
	a->status = r.status;
	n = r.hdr.len < sizeof(a->hdr) - 1 ? r.hdr.len : sizeof(a->hdr) - 1;
	assert_true(n > 0);	/* every answer has its headers */
	memcpy(a->hdr, r.hdr.p, n);
	assert_non_null(a->out = calloc(1, r.out.len + 1));
	if (r.out.len > 0)
		memcpy(a->out, r.out.p, r.out.len);
	if ((c = strstr(a->hdr, "Set-Cookie: ")) != NULL)
		snprintf(a->cookie, sizeof(a->cookie), "%.*s",
		    (int)strcspn(c + 12, ";"), c + 12);
	buf_free(&r.hdr);
	buf_free(&r.out);
}

/* The CSRF token in a page. */
static void
csrf_of(const struct ans *a, char csrf[CSRF_LEN + 1])
{
	const char	*p = strstr(a->out, "name=\"csrf\" value=\"");

	assert_non_null(p);
	snprintf(csrf, CSRF_LEN + 1, "%s", p + 19);
}

static void
t_page(void **state)
{
	struct fx	*f = *state;
	struct ans	 a;
	char		 csrf[CSRF_LEN + 1];

	request(f, "GET", "", NULL, NULL, NULL, &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.hdr, "Strict-Transport-Security: max-age="));
	assert_non_null(strstr(a.hdr, "; Path=/; Secure; HttpOnly; "
	    "SameSite=Strict\r\n"));
	assert_int_equal(strncmp(a.cookie, "__Host-idp_relay=", 17), 0);
	assert_int_equal(strlen(a.cookie), 17 + SESSION_ID_LEN);
	assert_null(strstr(a.hdr, "Domain"));
	csrf_of(&a, csrf);
	assert_true(b64url_valid(csrf, CSRF_LEN));
	free(a.out);
	/* The stylesheet, the query ignored, unknown paths and methods. */
	request(f, "GET", "/relay.css", NULL, NULL, NULL, &a);
	assert_int_equal(a.status, 200);
	free(a.out);
	request(f, "GET", "?x=1", NULL, NULL, NULL, &a);
	assert_int_equal(a.status, 200);
	free(a.out);
	request(f, "GET", "/nosuch", NULL, NULL, NULL, &a);
	assert_int_equal(a.status, 404);
	assert_non_null(strstr(a.out, "There is no such page here."));
	free(a.out);
	request(f, "POST", "/chain.pem", NULL, NULL, "", &a);
	assert_int_equal(a.status, 405);
	assert_non_null(strstr(a.hdr, "Allow: GET, HEAD\r\n"));
	free(a.out);
	request(f, "GET", "/chain.pem", NULL, NULL, NULL, &a);
	assert_int_equal(a.status, 404);
	assert_non_null(strstr(a.out, "no certificate to download"));
	free(a.out);
}

/* A form, then the page it redirects to: the message shown. */
static void
post_then_page(struct fx *f, const char *cookie, const char *body,
    const char *fetch_site, const char *want)
{
	struct ans	 a;

	setparam("HTTP_SEC_FETCH_SITE", fetch_site);
	request(f, "POST", "", cookie, NULL, body, &a);
	setparam("HTTP_SEC_FETCH_SITE", NULL);
	assert_int_equal(a.status, 303);
	assert_non_null(strstr(a.hdr, "Location: /relay\r\n"));
	assert_string_equal(a.cookie, "");
	free(a.out);
	request(f, "GET", "", cookie, NULL, NULL, &a);
	if (strstr(a.out, want) == NULL)
		fail_msg("%s: the page does not say \"%s\"", body, want);
	free(a.out);
}

static void
t_forms(void **state)
{
	struct fx	*f = *state;
	struct ans	 a;
	char		 csrf[CSRF_LEN + 1], cookie[128], body[256];

	request(f, "GET", "", NULL, NULL, NULL, &a);
	csrf_of(&a, csrf);
	snprintf(cookie, sizeof(cookie), "%s", a.cookie);
	free(a.out);
	post_then_page(f, cookie, "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "A&action=start&tn=12025550199", NULL, "This page had expired");
	snprintf(body, sizeof(body), "csrf=%s&action=start&tn=1", csrf);
	post_then_page(f, cookie, body, "cross-site", "This page had expired");
	snprintf(body, sizeof(body), "csrf=%s&action=start&tn=1&debug=1", csrf);
	post_then_page(f, cookie, body, NULL, "The form could not be read");
	snprintf(body, sizeof(body), "csrf=%s&action=start&tn=1&tn=2", csrf);
	post_then_page(f, cookie, body, NULL, "The form could not be read");
	snprintf(body, sizeof(body), "csrf=%s&action=start&tn=%%2", csrf);
	post_then_page(f, cookie, body, NULL, "The form could not be read");
	snprintf(body, sizeof(body), "csrf=%s&tn=1", csrf);
	post_then_page(f, cookie, body, NULL, "The form could not be read");
	snprintf(body, sizeof(body), "csrf=%s&action=code&code=123456", csrf);
	post_then_page(f, cookie, body, NULL, "There is no code to check");
	snprintf(body, sizeof(body), "csrf=%s&action=resend", csrf);
	post_then_page(f, cookie, body, NULL, "There is no code to check");
	snprintf(body, sizeof(body), "csrf=%s&action=start&tn=abc", csrf);
	post_then_page(f, cookie, body, NULL, "That is not a phone number");
	snprintf(body, sizeof(body), "csrf=%s&action=restart", csrf);
	post_then_page(f, cookie, body, NULL, "Confirm your phone number");
	/* Without a session: a new one, told that nothing was done. */
	request(f, "POST", "", NULL, NULL, body, &a);
	assert_int_equal(a.status, 303);
	assert_int_equal(strncmp(a.cookie, "__Host-idp_relay=", 17), 0);
	free(a.out);
}

/* The address limits count under: behind a trusted proxy, the
 * rightmost hop it does not trust; otherwise REMOTE_ADDR. */
static void
t_client(void **state)
{
	struct fx	*f = *state;
	struct rctx	 c;
	struct req	 r;

	memset(&r, 0, sizeof(r));
	r.srv = &f->srv;
	setparam("REMOTE_ADDR", "127.0.0.1");
	setparam("HTTP_X_FORWARDED_FOR", "10.9.9.9, 203.0.113.9");
	visit_start(&c, f->srv.data, &r);
	assert_string_equal(c.client, "203.0.113.9");
	setparam("HTTP_X_FORWARDED_FOR", "2001:db8:1:2:3:4:5:6, ::1");
	visit_start(&c, f->srv.data, &r);
	assert_string_equal(c.client, "2001:0db8:0001:0002::/64");
	setparam("HTTP_FORWARDED", "for=192.0.2.77");
	setparam("HTTP_X_FORWARDED_FOR", NULL);
	visit_start(&c, f->srv.data, &r);
	assert_string_equal(c.client, "127.0.0.1");	/* not the header */
	setparam("HTTP_FORWARDED", NULL);
	setparam("REMOTE_ADDR", "192.0.2.5");
	setparam("HTTP_X_FORWARDED_FOR", "203.0.113.9");
	visit_start(&c, f->srv.data, &r);
	assert_string_equal(c.client, "192.0.2.5");
}

/* One visitor's new sessions run out; another's behind the same proxy
 * do not (idprover-deploy(7) behind a TLS-terminating proxy). */
static void
t_limit_per_client(void **state)
{
	struct fx	*f = *state;
	struct ans	 a;
	int		 i;

	for (i = 0; i < RELAY_SESSIONS_HOUR; i++) {
		request(f, "GET", "", NULL, "203.0.113.1", NULL, &a);
		assert_int_equal(a.status, 200);
		free(a.out);
	}
	request(f, "GET", "", NULL, "203.0.113.1", NULL, &a);
	assert_int_equal(a.status, 429);
	assert_non_null(strstr(a.out, "opened too many times from your "
	    "network. Try again in 60 minutes."));
	assert_string_equal(a.cookie, "");
	free(a.out);
	request(f, "GET", "", NULL, "203.0.113.2", NULL, &a);
	assert_int_equal(a.status, 200);
	free(a.out);
}

/* After the code step the session lives on under a new id: the old
 * cookie finds nothing, the chain is under the new one. */
static void
t_rotation(void **state)
{
	struct fx	*f = *state;
	struct ans	 a;
	struct rctx	 c;
	struct req	 r;
	struct session	 s;
	char		 old[SESSION_ID_LEN + 1], oldcsrf[CSRF_LEN + 1];
	char		 cookie[128], pem[64];

	request(f, "GET", "", NULL, NULL, NULL, &a);
	snprintf(cookie, sizeof(cookie), "%s", a.cookie);
	free(a.out);
	memset(&r, 0, sizeof(r));
	r.srv = &f->srv;
	r.st = f->srv.st;
	r.now = NOW;
	setparam("HTTP_COOKIE", cookie);
	visit_start(&c, f->srv.data, &r);
	assert_int_equal(store_begin(r.st), STORE_OK);
	assert_int_equal(visit_find(&c), FOUND);
	snprintf(old, sizeof(old), "%s", c.id);
	snprintf(oldcsrf, sizeof(oldcsrf), "%s", c.s.csrf);
	c.s.state = SESS_DONE;
	c.dirty = c.rotate = 1;
	c.chain = strdup("-----BEGIN CERTIFICATE-----\n");
	assert_int_equal(visit_save(&c), PROB_NONE);
	assert_int_equal(page_answer(&c), PROB_NONE);
	assert_string_not_equal(c.id, old);
	assert_string_not_equal(c.s.csrf, oldcsrf);
	assert_int_equal(session_get(r.st, old, NOW, &s), STORE_NOTFOUND);
	assert_int_equal(session_chain_get(r.st, old, pem, sizeof(pem)),
	    STORE_NOTFOUND);
	assert_int_equal(session_get(r.st, c.id, NOW, &s), STORE_OK);
	assert_int_equal(s.state, SESS_DONE);
	assert_int_equal(session_chain_get(r.st, c.id, pem, sizeof(pem)),
	    STORE_OK);
	assert_string_equal(pem, "-----BEGIN CERTIFICATE-----\n");
	assert_non_null(r.hdr.p);
	assert_non_null(strstr(r.hdr.p, c.id));
	assert_int_equal(store_commit(r.st, 0), STORE_OK);
	visit_end(&c);
	buf_free(&r.hdr);
	buf_free(&r.out);
	/* The old cookie: a fresh session on the number step. */
	request(f, "GET", "", cookie, NULL, NULL, &a);
	assert_int_equal(strncmp(a.cookie, "__Host-idp_relay=", 17), 0);
	assert_string_not_equal(a.cookie, cookie);
	free(a.out);
}

/* The files of a folder whose names end in ext. */
static int
count_files(const char *dir, const char *ext)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 n;
	int		 count = 0;

	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n > 4 && strcmp(e->d_name + n - 4, ext) == 0)
			count++;
	}
	closedir(d);
	return count;
}

/* Two sessions finishing for one number at the same second, in two
 * processes: both keys and both chains are kept, each under its name. */
static void
t_issued_race(void **state)
{
	struct fx	*f = *state;
	struct relay	*rl = f->srv.data;
	struct signer	*key;
	char		 stem[PATH_LEN + 64], path[PATH_LEN + 80], buf[64];
	pid_t		 pid[2];
	FILE		*fp;
	int		 i, st;

	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			snprintf(buf, sizeof(buf), "chain of process %d\n", i);
			key = signer_generate(JWK_ES256);
			_exit(key == NULL || issued_keep(rl->issued, key,
			    "12025550123", buf, NOW, stem, sizeof(stem)) == -1);
		}
		assert_true(pid[i] > 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(count_files(rl->issued, ".pem"), 2);
	assert_int_equal(count_files(rl->issued, ".key"), 2);
	/* A third at the same second, here, and its contents. */
	assert_non_null(key = signer_generate(JWK_ES256));
	assert_int_equal(issued_keep(rl->issued, key, "12025550123", "mine\n",
	    NOW, stem, sizeof(stem)), 0);
	signer_free(key);
	assert_non_null(strstr(stem, "/12025550123-20250615T150640Z-"));
	snprintf(path, sizeof(path), "%s.pem", stem);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "mine\n");
	assert_int_equal(count_files(rl->issued, ".pem"), 3);
	assert_int_equal(count_files(rl->issued, ".key"), 3);
}

/* The sliding window: a burst across a window's edge still counts. */
static void
t_window(void **state)
{
	struct fx		*f = *state;
	struct store		*st = f->srv.st;
	struct window_count	 w;
	const int64_t		 t0 = 3600LL * 480000;	/* a window start */

	assert_int_equal(store_begin(st), STORE_OK);
	assert_int_equal(store_window(st, SDB_COUNTERS, "k", t0 + 3599, 3600,
	    10, 10, &w), STORE_OK);
	assert_int_equal(w.value, 10);
	assert_int_equal(w.wait, 3600);
	/* A clock window would start again from 0 here. */
	assert_int_equal(store_window(st, SDB_COUNTERS, "k", t0 + 3600, 3600,
	    10, 0, &w), STORE_OK);
	assert_int_equal(w.value, 10);
	assert_int_equal(w.wait, 3599);
	assert_int_equal(store_window(st, SDB_COUNTERS, "k", t0 + 5400,
	    3600, 20, 5, &w), STORE_OK);
	assert_int_equal(w.value, 15);
	assert_int_equal(w.wait, 0);
	/* The first ten leave the window an hour after they came. */
	assert_int_equal(store_window(st, SDB_COUNTERS, "k", t0 + 7199,
	    3600, 10, 0, &w), STORE_OK);
	assert_int_equal(w.value, 5);
	assert_int_equal(w.wait, 0);
	assert_int_equal(store_window(st, SDB_COUNTERS, "k", t0 + 9000,
	    3600, 10, 0, &w), STORE_OK);
	assert_int_equal(w.value, 0);
	/* Counters that hold nothing are pruned. */
	assert_int_equal(store_commit(st, 0), STORE_OK);
	assert_int_equal(store_begin(st), STORE_OK);
	assert_int_equal(store_window(st, SDB_COUNTERS, "k", t0 + 10800,
	    3600, 10, 1, &w), STORE_OK);
	assert_int_equal(store_commit(st, 0), STORE_OK);
	{
		long	 n;

		assert_int_equal(session_prune(st, t0 + 10800 + 3659, 100, &n),
		    STORE_OK);
		assert_int_equal(n, 0);
		assert_int_equal(session_prune(st, t0 + 10800 + 3660, 100, &n),
		    STORE_OK);
		assert_int_equal(n, 1);
	}
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(t_page), T(t_forms), T(t_client), T(t_limit_per_client),
		T(t_rotation), T(t_issued_race), T(t_window),
	};

	/* Plain CGI: request variables come from the environment. */
	fcgi_accept();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

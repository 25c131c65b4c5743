/* Unit tests of lib/server/serve.c: the request loop run as a plain CGI
 * program (stdin a pipe, so libfcgi serves the one request from the
 * environment) in a child process, with the real configuration, secret
 * and store of a temporary folder. No FastCGI and no web server: what
 * comes out on standard output is the response. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static const struct program directory = {
	.name = "directory", .path = "/directory",
	.methods = M_GET | M_HEAD | M_POST, .auth = AUTH_KID,
	.get = acme_directory, .get_nostore = 1, .post = acme_directory,
};
static const struct program new_nonce = {
	.name = "new-nonce", .path = "/new-nonce",
	.methods = M_GET | M_HEAD | M_POST, .auth = AUTH_KID,
	.get = acme_nonce, .get_nostore = 1, .post = acme_nonce_post,
};
static const struct program new_account = {
	.name = "new-account", .path = "/new-account", .methods = M_POST,
	.auth = AUTH_JWK, .post = acme_account_new,
};
static const struct program order = {
	.name = "order", .path = "/order/", .methods = M_POST,
	.auth = AUTH_KID, .post = acme_order_post,
};

struct call {
	struct hx		*h;
	const struct program	*prog;
	const char		*method, *path, *ctype, *length;
};

static int
child(void *arg)
{
	struct call	*c = arg;
	char		 uri[URL_MAX];

	snprintf(uri, sizeof(uri), "/acme%s", c->path);
	setenv("IDPROVER_CONF", c->h->conf, 1);
	setenv("REQUEST_METHOD", c->method, 1);
	setenv("REQUEST_URI", uri, 1);
	if (c->ctype != NULL)
		setenv("CONTENT_TYPE", c->ctype, 1);
	if (c->length != NULL)
		setenv("CONTENT_LENGTH", c->length, 1);
	return serve(c->prog);
}

struct resp {
	int	 status;
	char	 raw[32768];
	char	*body;
};

/* Serve one request in a child; the store is closed around it. */
static void
call(struct hx *h, const struct program *prog, const char *method,
    const char *path, const char *body, struct resp *out)
{
	struct call	 c = { h, prog, method, path, NULL, NULL };
	char		 len[32];

	if (body != NULL) {
		c.ctype = "application/jose+json";
		snprintf(len, sizeof(len), "%zu", strlen(body));
		c.length = len;
	}
	hx_store_close(h);
	assert_int_equal(hx_capture(child, &c, body, out->raw,
	    sizeof(out->raw)), 0);
	hx_store_open(h);
	assert_int_equal(sscanf(out->raw, "Status: %d ", &out->status), 1);
	assert_non_null(out->body = strstr(out->raw, "\r\n\r\n"));
	out->body += 4;
}

/* A header's value, or NULL. */
static const char *
header(struct resp *r, const char *name, char *buf, size_t size)
{
	char		 key[64];
	const char	*p, *e;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	if ((p = strstr(r->raw, key)) == NULL || p > r->body)
		return NULL;
	p += strlen(key);
	e = strstr(p, "\r\n");
	snprintf(buf, size, "%.*s", (int)(e - p), p);
	return buf;
}

static int
setup(void **state)
{
	*state = hx_new(HX_ACCT, NULL);
	return 0;
}

static int
teardown(void **state)
{
	hx_free(*state);
	return 0;
}

static void
test_get(void **state)
{
	struct hx	*h = *state;
	struct resp	 r;
	char		 buf[URL_MAX];

	call(h, &directory, "GET", "/directory", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type", buf, sizeof(buf)),
	    "application/json");
	assert_string_equal(header(&r, "Cache-Control", buf, sizeof(buf)),
	    "no-store");
	assert_null(header(&r, "Replay-Nonce", buf, sizeof(buf)));
	assert_null(header(&r, "Link", buf, sizeof(buf)));
	assert_non_null(strstr(r.body, "\"newNonce\":\"" HX_BASE
	    "/new-nonce\""));
	snprintf(buf, sizeof(buf), "%zu", strlen(r.body));
	assert_string_equal(header(&r, "Content-Length", buf + 16,
	    sizeof(buf) - 16), buf);

	/* new-nonce: a nonce on GET and HEAD, and the index link. */
	call(h, &new_nonce, "HEAD", "/new-nonce", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(header(&r, "Replay-Nonce", buf, sizeof(buf)));
	assert_int_equal(strlen(buf), NONCE_LEN);
	assert_string_equal(header(&r, "Link", buf, sizeof(buf)),
	    "<" HX_BASE "/directory>;rel=\"index\"");
	call(h, &new_nonce, "GET", "/new-nonce", NULL, &r);
	assert_int_equal(r.status, 204);
}

/* Refusals before any handler runs: each answers a problem document
 * with a fresh nonce. */
static void
test_refused(void **state)
{
	static const struct {
		const char	*method, *path, *ctype, *length, *body;
		int		 status;
		const char	*allow;
	} cases[] = {
		{ "GET", "/nothing", NULL, NULL, NULL, 404, NULL },
		{ "GET", "/directory/x", NULL, NULL, NULL, 404, NULL },
		{ "DELETE", "/directory", NULL, NULL, NULL, 405,
		    "GET, HEAD, POST" },
		{ "GET", "/new-account", NULL, NULL, NULL, 405, "POST" },
		{ "POST", "/new-account", "application/json", "2", "{}", 415,
		    NULL },
		{ "POST", "/new-account", "application/jose+json", NULL, "{}",
		    400, NULL },
		{ "POST", "/new-account", "application/jose+json", "-1", "{}",
		    400, NULL },
		{ "POST", "/new-account", "application/jose+json", "0", "",
		    400, NULL },
		{ "POST", "/new-account", "application/jose+json", "65537",
		    "{}", 413, NULL },
		{ "POST", "/new-account", "application/jose+json", "10", "{}",
		    400, NULL },	/* shorter than said */
		{ "POST", "/new-account", "application/jose+json", "2", "{}",
		    400, NULL },	/* not a JWS */
	};
	struct hx	*h = *state;
	struct resp	 r;
	struct call	 c;
	char		 buf[256];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c.h = h;
		c.prog = strncmp(cases[i].path, "/new-account", 12) == 0 ?
		    &new_account : &directory;
		c.method = cases[i].method;
		c.path = cases[i].path;
		c.ctype = cases[i].ctype;
		c.length = cases[i].length;
		hx_store_close(h);
		assert_int_equal(hx_capture(child, &c, cases[i].body, r.raw,
		    sizeof(r.raw)), 0);
		hx_store_open(h);
		assert_int_equal(sscanf(r.raw, "Status: %d ", &r.status), 1);
		r.body = strstr(r.raw, "\r\n\r\n") + 4;
		if (r.status != cases[i].status)
			fail_msg("case %zu: %d, want %d", i, r.status,
			    cases[i].status);
		assert_string_equal(header(&r, "Content-Type", buf,
		    sizeof(buf)), "application/problem+json");
		assert_non_null(header(&r, "Replay-Nonce", buf, sizeof(buf)));
		assert_non_null(strstr(r.body, "\"type\":\"urn:ietf:params:"
		    "acme:error:malformed\""));
		if (cases[i].allow != NULL)
			assert_string_equal(header(&r, "Allow", buf,
			    sizeof(buf)), cases[i].allow);
	}
}

static void
test_post(void **state)
{
	struct hx	*h = *state;
	struct resp	 r;
	struct signer	*k;
	char		 url[URL_MAX], nonce[NONCE_LEN + 1], buf[URL_MAX];
	char		 id[ID_LEN + 1], *jws;

	assert_non_null(k = signer_generate(JWK_ES256));
	snprintf(url, sizeof(url), "%s/new-account", HX_BASE);
	/* A nonce of the time the child runs. */
	h->now = time(NULL);
	hx_nonce(h, nonce);
	assert_non_null(jws = signer_jws(k, url, nonce, NULL, "{}"));
	call(h, &new_account, "POST", "/new-account", jws, &r);
	assert_int_equal(r.status, 201);
	assert_non_null(header(&r, "Location", buf, sizeof(buf)));
	assert_non_null(header(&r, "Replay-Nonce", buf + 200, 64));
	/* Committed: the account is in the store. */
	assert_int_equal(hx_key_get(h, signer_thumb(k), id), STORE_OK);
	hx_kid(id, url, sizeof(url));
	assert_string_equal(buf, url);

	/* The same request again: its nonce is spent. */
	call(h, &new_account, "POST", "/new-account", jws, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "badNonce"));
	free(jws);
	signer_free(k);
}

/* A refused request commits nothing: an unknown order of another path. */
static void
test_post_refused(void **state)
{
	struct hx	*h = *state;
	struct resp	 r;
	struct signer	*k;
	char		 url[URL_MAX], nonce[NONCE_LEN + 1], id[ID_LEN + 1];
	char		 *jws;

	assert_non_null(k = signer_generate(JWK_ES256));
	snprintf(url, sizeof(url), "%s/new-account", HX_BASE);
	h->now = time(NULL);
	hx_nonce(h, nonce);
	assert_non_null(jws = signer_jws(k, url, nonce, NULL,
	    "{\"contact\": [\"tel:1\"]}"));
	call(h, &new_account, "POST", "/new-account", jws, &r);
	free(jws);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "unsupportedContact"));
	assert_int_equal(hx_key_get(h, signer_thumb(k), id), STORE_NOTFOUND);

	/* The account's own order path with a kid. */
	snprintf(url, sizeof(url), "%s/order/AAAAAAAAAAAAAAAA", HX_BASE);
	hx_nonce(h, nonce);
	assert_non_null(jws = signer_jws(h->key, url, nonce, h->kid, ""));
	call(h, &order, "POST", "/order/AAAAAAAAAAAAAAAA", jws, &r);
	free(jws);
	assert_int_equal(r.status, 404);
	signer_free(k);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_get),
		T(test_refused),
		T(test_post),
		T(test_post_refused),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of lib/server/resp.c and lib/base/buf.c: header lines,
 * JSON bodies, problem details, and the response written by resp_send
 * (captured from a child run as a CGI program). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "fcgi.h"

static void
test_buf(void **state)
{
	struct buf	 b = { NULL, 0, 0 };
	char		 big[5000];
	int		 i;

	(void)state;
	assert_int_equal(buf_add(&b, "ab", 2), 0);
	assert_int_equal(buf_printf(&b, "-%d-%s", 42, "x"), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.p, "ab-42-x", 7);
	memset(big, 'z', sizeof(big));
	for (i = 0; i < 20; i++)
		assert_int_equal(buf_add(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, 7 + 20 * sizeof(big));
	assert_true(b.cap >= b.len);
	assert_int_equal(b.p[b.len - 1], 'z');
	assert_int_equal(buf_add(&b, "", 0), 0);
	buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_headers(void **state)
{
	struct hx	*h = hx_new(0, NULL);
	struct req	 r;
	char		 buf[256];

	(void)state;
	hx_req(h, &r, METHOD_GET, "/x");
	assert_int_equal(resp_header(&r, "X-One", "%d", 1), 0);
	assert_int_equal(resp_header(&r, "X-Bad", "a\r\nInjected: 1"), -1);
	assert_int_equal(resp_header(&r, "X-Bad", "a\nb"), -1);
	assert_int_equal(resp_link(&r, HX_BASE "/authz/x", "up"), 0);
	assert_int_equal(resp_location(&r, HX_BASE "/order/x"), 0);
	assert_string_equal(r.hdr.p, "X-One: 1\r\nLink: <" HX_BASE
	    "/authz/x>;rel=\"up\"\r\nLocation: " HX_BASE "/order/x\r\n");
	/* The Location header's name is the server's. */
	h->srv.location = "X-Location";
	assert_int_equal(resp_location(&r, "u"), 0);
	assert_string_equal(hx_header(&r, "X-Location", buf, sizeof(buf)),
	    "u");
	hx_req_free(&r);
	hx_free(h);
}

static void
test_json_fail(void **state)
{
	struct hx	*h = hx_new(0, NULL);
	struct req	 r;
	json_object	*o;
	char		 buf[64];

	(void)state;
	hx_req(h, &r, METHOD_GET, "/x");
	o = json_object_new_object();
	json_object_object_add(o, "url", json_object_new_string("a/b"));
	assert_int_equal(resp_json(&r, 201, o), PROB_NONE);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.ctype, "application/json");
	assert_int_equal(r.out.len, strlen("{\"url\":\"a/b\"}"));
	assert_memory_equal(r.out.p, "{\"url\":\"a/b\"}", r.out.len);
	/* A second body replaces the first. */
	assert_int_equal(resp_json(&r, 200, json_object_new_array()),
	    PROB_NONE);
	assert_int_equal(r.out.len, 2);
	assert_int_equal(resp_json(&r, 200, NULL), PROB_SERVER_INTERNAL);
	assert_int_equal(resp_fail(&r, PROB_CONFLICT, "n=%d", 3),
	    PROB_CONFLICT);
	assert_string_equal(r.detail, "n=3");
	/* Details are cut to DETAIL_MAX. */
	memset(buf, 'd', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	resp_fail(&r, PROB_MALFORMED, "%s%s%s%s%s", buf, buf, buf, buf, buf);
	assert_int_equal(strlen(r.detail), DETAIL_MAX - 1);
	hx_req_free(&r);
	hx_free(h);
}

struct sendarg {
	struct hx	*h;
	enum method	 m;
	int		 no_index;
};

static int
send_child(void *arg)
{
	struct sendarg	*a = arg;
	struct req	 r;

	if (fcgi_accept() != 0)
		return 3;
	hx_req(a->h, &r, a->m, "/x");
	r.no_index = a->no_index;
	r.retry_after = 7;
	resp_header(&r, "X-One", "1");
	resp_json(&r, 200, json_object_new_object());
	resp_send(&r, a->no_index ? NULL : "NONCE");
	fflush(stdout);
	hx_req_free(&r);
	return 0;
}

static void
test_send(void **state)
{
	struct hx	*h = hx_new(0, NULL);
	struct sendarg	 a = { h, METHOD_GET, 0 };
	char		 out[4096];

	(void)state;
	assert_int_equal(hx_capture(send_child, &a, NULL, out, sizeof(out)),
	    0);
	assert_string_equal(out, "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 2\r\n"
	    "Replay-Nonce: NONCE\r\n"
	    "Link: <" HX_BASE "/directory>;rel=\"index\"\r\n"
	    "Retry-After: 7\r\n"
	    "X-One: 1\r\n"
	    "\r\n{}");
	/* HEAD: the headers only; the directory: no index link. */
	a.m = METHOD_HEAD;
	a.no_index = 1;
	assert_int_equal(hx_capture(send_child, &a, NULL, out, sizeof(out)),
	    0);
	assert_string_equal(out, "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 2\r\n"
	    "Retry-After: 7\r\n"
	    "X-One: 1\r\n\r\n");
	hx_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_json_fail),
		cmocka_unit_test(test_send),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

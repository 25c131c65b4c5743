/* Unit tests of lib/client/acmec.c where no server is needed: the
 * response header and body callbacks (Replay-Nonce, Location,
 * Retry-After, Link), problem documents, the URL rule, the challenge
 * lookup and the sms-link-00 digest. The module is included to reach its
 * static parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../lib/client/acmec.c"
#include "../../lib/client/acmec_net.c"
#include "../../lib/client/acmec_order.c"

#include "vectors.h"

/* Feed one header line as libcurl does. */
static void
hdr(struct acmec_resp *r, const char *line)
{
	char	 buf[ACMEC_HEADER_MAX];

	snprintf(buf, sizeof(buf), "%s\r\n", line);
	assert_int_equal(acmec_on_header(buf, 1, strlen(buf), r),
	    strlen(buf));
}

static void
test_headers(void **state)
{
	struct acmec_resp	 r;

	(void)state;
	memset(&r, 0, sizeof(r));
	acmec_resp_reset(&r);
	hdr(&r, "HTTP/1.1 201 Created");
	hdr(&r, "replay-nonce:   abc_DEF-123  ");
	hdr(&r, "Location: https://acme.test/acme/acct/x");
	hdr(&r, "Retry-After: 120");
	hdr(&r, "Link: <https://acme.test/acme/directory>;rel=\"index\", "
	    "<https://acme.test/acme/authz/x>; rel=up");
	hdr(&r, "X-Other: y");
	assert_string_equal(r.nonce, "abc_DEF-123");
	assert_string_equal(r.location, "https://acme.test/acme/acct/x");
	assert_int_equal(r.retry_after, 120);
	assert_int_equal(r.nlinks, 2);
	assert_string_equal(r.links[0].rel, "index");
	assert_string_equal(r.links[0].url, "https://acme.test/acme/directory");
	assert_string_equal(r.links[1].rel, "up");
	assert_string_equal(r.links[1].url, "https://acme.test/acme/authz/x");

	/* A nonce outside the base64url alphabet is not taken; a new
	 * status line starts the headers over. */
	hdr(&r, "Replay-Nonce: a b");
	assert_string_equal(r.nonce, "abc_DEF-123");
	hdr(&r, "HTTP/1.1 200 OK");
	assert_string_equal(r.nonce, "");
	assert_int_equal(r.nlinks, 0);
	assert_int_equal(r.retry_after, -1);
	acmec_resp_reset(&r);
}

static void
test_retry_after(void **state)
{
	static const struct {
		const char	*v;
		long		 want;
	} cases[] = {
		{ "0", 0 }, { "7", 7 }, { "86400", 86400 },
		{ "999999", 86400 }, { "7x", -1 }, { "soon", -1 },
		{ "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
		{ "99999999999999999999999", -1 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (acmec_retry_after(cases[i].v) != cases[i].want)
			fail_msg("%s: %ld", cases[i].v,
			    acmec_retry_after(cases[i].v));
}

static void
test_body(void **state)
{
	struct acmec_resp	 r;
	char			 chunk[1024];
	size_t			 i;

	(void)state;
	memset(&r, 0, sizeof(r));
	acmec_resp_reset(&r);
	assert_int_equal(acmec_on_body("{\"a\":", 1, 5, &r), 5);
	assert_int_equal(acmec_on_body("1}", 1, 2, &r), 2);
	assert_string_equal(r.body, "{\"a\":1}");
	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < ACMEC_BODY_MAX / sizeof(chunk) + 1 && !r.toolarge;
	    i++)
		acmec_on_body(chunk, 1, sizeof(chunk), &r);
	assert_true(r.toolarge);
	assert_true(r.len <= ACMEC_BODY_MAX);
	acmec_resp_reset(&r);
	assert_null(r.body);
}

static void
test_problem(void **state)
{
	struct acmec_problem	 p;
	json_object		*o;

	(void)state;
	acmec_prob_reset(&p);
	o = json_tokener_parse("{\"type\": \"urn:ietf:params:acme:error:"
	    "incorrectResponse\", \"detail\": \"wrong\\ncode\", "
	    "\"remainingTries\": 3}");
	acmec_prob_from(&p, o);
	json_object_put(o);
	assert_string_equal(p.type, "incorrectResponse");
	assert_string_equal(p.detail, "wrong?code");	/* no controls */
	assert_int_equal(p.remaining, 3);

	acmec_prob_reset(&p);
	o = json_tokener_parse("{\"type\": \"about:blank\", "
	    "\"remainingTries\": -1}");
	acmec_prob_from(&p, o);
	json_object_put(o);
	assert_string_equal(p.type, "about:blank");
	assert_int_equal(p.remaining, -1);
}

static void
test_url_ok(void **state)
{
	static const struct {
		const char	*url;
		int		 ok;
	} cases[] = {
		{ "https://acme.test/acme/directory", 1 },
		{ "HTTPS://acme.test/", 1 },
		{ "http://127.0.0.1:8080/acme", 1 },
		{ "http://127.0.0.1/", 1 },
		{ "http://127.0.0.1.evil.test/", 0 },
		{ "http://acme.test/", 0 },
		{ "https://", 0 },
		{ "https://acme.test/a b", 0 },
		{ "https://acme.test/\x7f", 0 },
		{ "ftp://acme.test/", 0 },
		{ "", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (acmec_url_ok(cases[i].url) != cases[i].ok)
			fail_msg("%s", cases[i].url);
}

static void
test_find_challenge(void **state)
{
	struct acmec	 c;
	json_object	*az;
	char		 url[URL_MAX], token[128];

	(void)state;
	memset(&c, 0, sizeof(c));
	az = json_tokener_parse("{\"challenges\": [{\"type\": \"dns-01\", "
	    "\"url\": \"https://a.test/c/1\", \"token\": \"t\"}, "
	    "{\"type\": \"sms-link-00\", \"url\": \"https://a.test/c/2\", "
	    "\"token\": \"evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA\"}]}");
	assert_int_equal(acmec_find_challenge(&c, az, url, sizeof(url),
	    token, sizeof(token)), 0);
	assert_string_equal(url, "https://a.test/c/2");
	assert_string_equal(token, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
	json_object_put(az);

	az = json_tokener_parse("{\"challenges\": [{\"type\": \"sms-link-00\", "
	    "\"url\": \"http://evil.test/\", \"token\": \"t\"}]}");
	assert_int_equal(acmec_find_challenge(&c, az, url, sizeof(url),
	    token, sizeof(token)), -1);
	json_object_put(az);
	az = json_tokener_parse("{\"challenges\": [{\"type\": \"dns-01\"}]}");
	assert_int_equal(acmec_find_challenge(&c, az, url, sizeof(url),
	    token, sizeof(token)), -1);
	assert_int_equal(c.prob.status, 0);
	assert_non_null(strstr(c.prob.detail, "sms-link-00"));
	json_object_put(az);
}

/* The digest against the published vectors. */
static void
test_digest(void **state)
{
	json_object	*v, *in, *vs, *one;
	char		 out[44];
	size_t		 i;

	(void)state;
	v = vec_load("sms-link-00.json");
	in = vec_member(v, "inputs");
	vs = vec_member(v, "vectors");
	assert_true(json_object_array_length(vs) > 0);
	for (i = 0; i < json_object_array_length(vs); i++) {
		one = json_object_array_get_idx(vs, i);
		assert_int_equal(acmec_digest(vec_str(in, "code"),
		    vec_str(in, "token"), vec_str(one, "thumbprint"), out), 0);
		assert_string_equal(out, vec_str(one, "digest_b64u"));
	}
	json_object_put(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_problem),
		cmocka_unit_test(test_url_ok),
		cmocka_unit_test(test_find_challenge),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

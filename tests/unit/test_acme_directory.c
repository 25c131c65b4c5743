/* Unit tests of lib/acme/acme_directory.c: the directory (RFC 8555
 * 7.1.1) and new-nonce (7.2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static void
test_directory(void **state)
{
	static const struct {
		const char	*name, *path;
	} urls[] = {
		{ "newNonce", "/new-nonce" }, { "newAccount", "/new-account" },
		{ "newOrder", "/new-order" }, { "revokeCert", "/revoke-cert" },
		{ "keyChange", "/key-change" },
	};
	struct hx	*h;
	struct req	 r;
	json_object	*o, *meta, *v;
	char		 buf[URL_MAX * 2];
	size_t		 i;

	(void)state;
	h = hx_new(0, "\"tos_url\": \"https://acme.test/tos\", "
	    "\"website\": \"https://acme.test/\"");
	hx_req(h, &r, METHOD_GET, "/directory");
	assert_int_equal(acme_directory(&r), PROB_NONE);
	assert_int_equal(r.status, 200);
	assert_true(r.no_index);
	assert_string_equal(r.ctype, "application/json");
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", HX_BASE, urls[i].path);
		hx_body_str(&r, urls[i].name, buf + strlen(buf) + 1,
		    sizeof(buf) - strlen(buf) - 1);
		assert_string_equal(buf + strlen(buf) + 1, buf);
	}
	o = hx_json(&r);
	assert_true(json_object_object_get_ex(o, "meta", &meta));
	assert_true(json_object_object_get_ex(meta, "termsOfService", &v));
	assert_string_equal(json_object_get_string(v),
	    "https://acme.test/tos");
	assert_true(json_object_object_get_ex(meta, "website", &v));
	assert_true(json_object_object_get_ex(meta, "externalAccountRequired",
	    &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(meta, "profiles", &v));
	assert_int_equal(json_object_object_length(o), 7);
	json_object_put(o);
	hx_req_free(&r);
	hx_free(h);

	/* Without terms: no termsOfService. */
	h = hx_new(0, NULL);
	hx_req(h, &r, METHOD_GET, "/directory");
	assert_int_equal(acme_directory(&r), PROB_NONE);
	assert_string_equal(hx_body_str(&r, "meta.termsOfService", buf,
	    sizeof(buf)), "");
	hx_req_free(&r);
	hx_free(h);
}

static void
test_nonce(void **state)
{
	struct hx	*h;
	struct req	 r;
	char		 buf[64];

	(void)state;
	h = hx_new(HX_ACCT, NULL);
	hx_req(h, &r, METHOD_HEAD, "/new-nonce");
	assert_int_equal(acme_nonce(&r), PROB_NONE);
	assert_int_equal(r.status, 200);
	assert_string_equal(hx_header(&r, "Cache-Control", buf, sizeof(buf)),
	    "no-store");
	hx_req_free(&r);
	hx_req(h, &r, METHOD_GET, "/new-nonce");
	assert_int_equal(acme_nonce(&r), PROB_NONE);
	assert_int_equal(r.status, 204);
	hx_req_free(&r);

	/* POST-as-GET: 204; with a payload: malformed. */
	assert_int_equal(hx_post(h, &r, "/new-nonce", NULL, acme_nonce_post),
	    PROB_NONE);
	assert_int_equal(r.status, 204);
	assert_int_equal(r.out.len, 0);
	hx_req_free(&r);
	assert_int_equal(hx_post(h, &r, "/new-nonce", "{}", acme_nonce_post),
	    PROB_MALFORMED);
	hx_req_free(&r);
	hx_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_nonce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

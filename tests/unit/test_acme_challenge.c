/* Unit tests of lib/acme/acme_challenge.c: the sms-link-00 challenge
 * (PROTOCOL.md 8.2) with a real store and the file SMS gateway writing
 * to a temporary file: the code goes out by SMS, the digest bound to the
 * account key validates the order, wrong digests count down, resends
 * wait, and the SMS limits refuse before anything is queued. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "acmec.h"

#define TN	"12025550123"

struct fx {
	struct hx	*h;
	struct order	 o;
	char		 path[64];
};

static int
setup_conf(void **state, const char *conf)
{
	struct fx	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->h = hx_new(HX_ACCT | HX_SMS, conf);
	hx_order_make(f->h, f->h->acct.id, TN, &f->o);
	snprintf(f->path, sizeof(f->path), "/chall/%s", f->o.id);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_conf(state, NULL);
}

static int
setup_limited(void **state)
{
	return setup_conf(state, "\"limit_number_hour\": 1");
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	hx_free(f->h);
	free(f);
	return 0;
}

/* POST {} and deliver after the commit, as serve() does. */
static enum prob
ready(struct fx *f, struct req *r)
{
	if (hx_post(f->h, r, f->path, "{}", acme_challenge_post) ==
	    PROB_NONE && r->after_commit)
		acme_challenge_after(r);
	return r->prob;
}

static enum prob
answer(struct fx *f, struct req *r, const char *code)
{
	char	 digest[44], pl[128];

	assert_int_equal(acmec_digest(code, f->o.token,
	    signer_thumb(f->h->key), digest), 0);
	snprintf(pl, sizeof(pl), "{\"keyAuthorization\": \"%s\"}", digest);
	return hx_post(f->h, r, f->path, pl, acme_challenge_post);
}

static void
test_flow(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct order	 o;
	struct sms	 m;
	char		 code[CODE_DIGITS + 1], buf[URL_MAX * 2];

	assert_int_equal(ready(f, &r), PROB_NONE);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "processing");
	assert_string_equal(hx_body_str(&r, "type", buf, sizeof(buf)),
	    "sms-link-00");
	snprintf(buf, sizeof(buf), "<%s/authz/%s>;rel=\"up\"", HX_BASE,
	    f->o.id);
	assert_non_null(strstr(r.hdr.p, buf));
	hx_req_free(&r);

	/* The store: processing, one send, only a MAC of the digest. */
	assert_int_equal(hx_order_get(f->h, f->o.id, &o), STORE_OK);
	assert_int_equal(o.chall, CHALL_PROCESSING);
	assert_int_equal(o.sends, 1);
	assert_int_equal(o.code_expires, f->h->now + CODE_LIFETIME);
	/* The SMS went out through the file gateway, to the number. */
	assert_int_equal(hx_sms_lines(f->h), 1);
	hx_sms_code(f->h, code);
	snprintf(buf, sizeof(buf), "%s.1", f->o.id);
	assert_int_equal(hx_sms_get(f->h, buf, &m), STORE_OK);
	assert_int_equal(m.state, OUTBOX_DONE);
	assert_string_equal(m.to, TN);
	assert_int_equal(m.sealedlen, 0);

	/* A code that is not this one. */
	code[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
	assert_int_equal(answer(f, &r, code), PROB_INCORRECT_RESPONSE);
	assert_int_equal(r.remaining, CODE_TRIES - 1);
	hx_req_free(&r);
	assert_int_equal(hx_order_get(f->h, f->o.id, &o), STORE_OK);
	assert_int_equal(o.tries, 1);
	assert_int_equal(o.chall, CHALL_PROCESSING);

	/* The right one. */
	hx_sms_code(f->h, code);
	assert_int_equal(answer(f, &r, code), PROB_NONE);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "valid");
	hx_req_free(&r);
	assert_int_equal(hx_order_get(f->h, f->o.id, &o), STORE_OK);
	assert_int_equal(o.chall, CHALL_VALID);
	assert_int_equal(o.authz, AUTHZ_VALID);
	assert_int_equal(o.status, ORDER_READY);
	assert_int_equal(o.authz_expires, f->h->now + 24 * 3600);

	/* A valid challenge only answers with itself. */
	assert_int_equal(ready(f, &r), PROB_NONE);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "valid");
	hx_req_free(&r);
	assert_int_equal(hx_sms_lines(f->h), 1);
}

static void
test_resend(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct order	 o;

	assert_int_equal(ready(f, &r), PROB_NONE);
	hx_req_free(&r);
	/* Again at once: Retry-After, no second SMS. */
	assert_int_equal(ready(f, &r), PROB_NONE);
	assert_int_equal(r.retry_after, 60);
	hx_req_free(&r);
	assert_int_equal(hx_sms_lines(f->h), 1);
	/* After the interval: a new code, a second SMS. */
	f->h->now += 61;
	assert_int_equal(ready(f, &r), PROB_NONE);
	hx_req_free(&r);
	assert_int_equal(hx_sms_lines(f->h), 2);
	assert_int_equal(hx_order_get(f->h, f->o.id, &o), STORE_OK);
	assert_int_equal(o.sends, 2);
}

static void
test_wrong_codes(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct order	 o;
	char		 code[CODE_DIGITS + 1];
	int		 i;

	assert_int_equal(ready(f, &r), PROB_NONE);
	hx_req_free(&r);
	hx_sms_code(f->h, code);
	code[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
	for (i = 1; i <= CODE_TRIES; i++) {
		assert_int_equal(answer(f, &r, code), PROB_INCORRECT_RESPONSE);
		assert_int_equal(r.remaining, CODE_TRIES - i);
		hx_req_free(&r);
	}
	assert_int_equal(hx_order_get(f->h, f->o.id, &o), STORE_OK);
	assert_int_equal(o.chall, CHALL_INVALID);
	assert_int_equal(o.status, ORDER_INVALID);
	assert_int_equal(o.error, PROB_INCORRECT_RESPONSE);
	/* Closed: even the right code is too late. */
	hx_sms_code(f->h, code);
	assert_int_equal(answer(f, &r, code), PROB_MALFORMED);
	hx_req_free(&r);
}

static void
test_refused(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct order	 o;
	struct account	 a;
	struct signer	*k;
	char		 path[64];

	/* An answer before any code was sent. */
	assert_int_equal(answer(f, &r, "123456"), PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(hx_post(f->h, &r, f->path, "{\"keyAuthorization\": "
	    "\"short\"}", acme_challenge_post), PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(hx_post(f->h, &r, f->path, "{\"keyAuthorization\": "
	    "1}", acme_challenge_post), PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(hx_post(f->h, &r, f->path, "[]",
	    acme_challenge_post), PROB_MALFORMED);
	hx_req_free(&r);
	/* Another account's challenge. */
	assert_non_null(k = signer_generate(JWK_ES256));
	hx_account(f->h, k, ACCT_VALID, &a);
	hx_order_make(f->h, a.id, TN, &o);
	snprintf(path, sizeof(path), "/chall/%s", o.id);
	assert_int_equal(hx_post(f->h, &r, path, "{}", acme_challenge_post),
	    PROB_UNAUTHORIZED);
	hx_req_free(&r);
	signer_free(k);
	/* Nothing was sent, nothing changed. */
	assert_int_equal(hx_sms_lines(f->h), 0);
	assert_int_equal(hx_order_get(f->h, f->o.id, &o), STORE_OK);
	assert_int_equal(o.chall, CHALL_PENDING);
	assert_int_equal(o.sends, 0);
	assert_int_equal(o.tries, 0);
}

static void
test_limit(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct order	 second, o;
	struct sms	 m;
	char		 id[SMS_ID_MAX];

	assert_int_equal(ready(f, &r), PROB_NONE);
	hx_req_free(&r);
	/* A second order for the same number within the hour. */
	hx_order_make(f->h, f->h->acct.id, TN, &second);
	snprintf(f->path, sizeof(f->path), "/chall/%s", second.id);
	assert_int_equal(ready(f, &r), PROB_RATE_LIMITED);
	assert_int_equal(r.status, 429);
	assert_true(r.retry_after > 0);
	hx_req_free(&r);
	assert_int_equal(hx_sms_lines(f->h), 1);
	snprintf(id, sizeof(id), "%s.1", second.id);
	assert_int_equal(hx_sms_get(f->h, id, &m), STORE_NOTFOUND);
	assert_int_equal(hx_order_get(f->h, second.id, &o), STORE_OK);
	assert_int_equal(o.chall, CHALL_PENDING);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_flow),
		T(test_resend),
		T(test_wrong_codes),
		T(test_refused),
		cmocka_unit_test_setup_teardown(test_limit, setup_limited,
		    teardown),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

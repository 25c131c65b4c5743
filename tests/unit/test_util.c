/* Unit tests of lib/server/path.c (RFC 3339 times, path ids, URLs) and
 * lib/server/problem.c (the enum prob table of PROTOCOL.md section 5, and the
 * problem documents built from it). */
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "acme.h"
#include "jwk.h"

static const struct {
	const char	*s;
	int64_t		 t;
} good_times[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "2025-01-01T00:00:00Z", 1735689600 },
	{ "2025-01-31T00:00:00Z", 1738281600 },
	{ "2024-02-29T12:34:56Z", 1709210096 },
	{ "2000-02-29T00:00:00Z", 951782400 },
	{ "2024-12-31T23:59:59Z", 1735689599 },
	{ "2038-01-19T03:14:08Z", 2147483648LL },
	{ "2106-02-07T06:28:16Z", 4294967296LL },
	{ "9999-12-31T23:59:59Z", 253402300799LL },
	/* Fractions are allowed and dropped. */
	{ "2025-01-01T00:00:00.1Z", 1735689600 },
	{ "2025-01-01T00:00:00.123456789Z", 1735689600 },
	{ "2025-01-01T00:00:00.999Z", 1735689600 },
	/* Offsets. */
	{ "2025-01-01T01:00:00+01:00", 1735689600 },
	{ "2024-12-31T19:00:00-05:00", 1735689600 },
	{ "2025-01-01T05:30:00+05:30", 1735689600 },
	{ "2025-01-01T00:00:00+00:00", 1735689600 },
	{ "2025-01-01T00:00:00-00:00", 1735689600 },
	{ "2025-01-01T23:59:00+23:59", 1735689600 },
	{ "2025-01-01T00:00:00.5+00:00", 1735689600 },
	/* RFC 3339 5.6: "T" and "Z" may be lower case. */
	{ "2025-01-01t00:00:00z", 1735689600 },
	{ "2025-01-01t00:00:00Z", 1735689600 },
	{ "2025-01-01T00:00:00z", 1735689600 },
	/* A leap second. */
	{ "2016-12-31T23:59:60Z", 1483228800 },
};

static const struct {
	const char	*name;
	const char	*s;
} bad_times[] = {
	{ "empty", "" },
	{ "missing-z", "2025-01-01T00:00:00" },
	{ "missing-z-fraction", "2025-01-01T00:00:00.5" },
	{ "date-only", "2025-01-01" },
	{ "month-13", "2025-13-01T00:00:00Z" },
	{ "month-0", "2025-00-01T00:00:00Z" },
	{ "day-0", "2025-01-00T00:00:00Z" },
	{ "day-32", "2025-01-32T00:00:00Z" },
	{ "feb-30", "2024-02-30T00:00:00Z" },
	{ "feb-29-not-leap", "2025-02-29T00:00:00Z" },
	{ "feb-29-1900-rule", "2100-02-29T00:00:00Z" },
	{ "april-31", "2025-04-31T00:00:00Z" },
	{ "hour-24", "2025-01-01T24:00:00Z" },
	{ "minute-60", "2025-01-01T23:60:00Z" },
	{ "second-61", "2025-01-01T23:59:61Z" },
	{ "trailing-junk", "2025-01-01T00:00:00Zjunk" },
	{ "trailing-space", "2025-01-01T00:00:00Z " },
	{ "double-z", "2025-01-01T00:00:00ZZ" },
	{ "offset-trailing", "2025-01-01T00:00:00+01:00x" },
	{ "offset-no-colon", "2025-01-01T00:00:00+0100" },
	{ "offset-short", "2025-01-01T00:00:00+01" },
	{ "offset-24", "2025-01-01T00:00:00+24:00" },
	{ "offset-minute-60", "2025-01-01T00:00:00+01:60" },
	{ "offset-and-z", "2025-01-01T00:00:00Z+01:00" },
	{ "empty-fraction", "2025-01-01T00:00:00.Z" },
	{ "comma-fraction", "2025-01-01T00:00:00,5Z" },
	{ "too-long", "2025-01-01T00:00:00.123456789012345678901234567890Z" },
	{ "two-digit-year", "25-01-01T00:00:00Z" },
	{ "one-digit-month", "2025-1-01T00:00:00Z" },
	{ "one-digit-hour", "2025-01-01T0:00:00Z" },
	{ "space-in-month", "2025- 1-01T00:00:00Z" },
	{ "space-in-second", "2025-01-01T00:00: 0Z" },
	{ "plus-in-month", "2025-+1-01T00:00:00Z" },
	{ "negative-hour", "2025-01-01T-1:00:00Z" },
	{ "negative-minute", "2025-01-01T00:-1:00Z" },
	{ "negative-second", "2025-01-01T00:00:-1Z" },
	{ "negative-offset-hour", "2025-01-01T00:00:00+-1:00" },
	{ "leading-space", " 2025-01-01T00:00:00Z" },
	{ "slashes", "2025/01/01T00:00:00Z" },
	{ "space-separator", "2025-01-01X00:00:00Z" },
	{ "before-1970", "1969-12-31T23:59:59Z" },
	{ "year-sign", "+2025-01-01T00:00:00Z" },
	{ "five-digit-year", "20250-01-01T00:00:00Z" },
	{ "unix-number", "1735689600" },
	{ "letters", "YYYY-MM-DDTHH:MM:SSZ" },
};

static void
test_time_parse_good(void **state)
{
	time_t	 t;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(good_times) / sizeof(good_times[0]); i++) {
		t = -1;
		if (time_parse(good_times[i].s, &t) != 0 ||
		    (int64_t)t != good_times[i].t) {
			print_error("%s: rc or value %lld, want %lld\n",
			    good_times[i].s, (long long)t,
			    (long long)good_times[i].t);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d good times wrong", bad);
}

static void
test_time_parse_bad(void **state)
{
	time_t	 t;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
		if (time_parse(bad_times[i].s, &t) != -1) {
			print_error("%s: \"%s\" accepted as %lld\n",
			    bad_times[i].name, bad_times[i].s, (long long)t);
			bad++;
		}
	if (bad)
		fail_msg("%d hostile times accepted", bad);
}

static void
test_time_fmt(void **state)
{
	static const int64_t times[] = { 0, 1, 59, 86399, 951782400,
	    1735689600, 1709210096, 2147483647, 2147483648LL, 4102444800LL,
	    253402300799LL };
	char	 buf[64];
	time_t	 t;
	size_t	 i;
	int	 k;

	(void)state;
	assert_int_equal(time_fmt(1735689600, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2025-01-01T00:00:00Z");
	assert_int_equal(time_fmt(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		assert_int_equal(time_fmt((time_t)times[i], buf, sizeof(buf)),
		    0);
		assert_int_equal(strlen(buf), 20);
		assert_int_equal(time_parse(buf, &t), 0);
		assert_int_equal((int64_t)t, times[i]);
	}
	srand(3339);
	for (k = 0; k < 2000; k++) {
		int64_t v = ((int64_t)rand() << 8 ^ rand()) % 253402300800LL;

		if (v < 0)
			v = -v;
		assert_int_equal(time_fmt((time_t)v, buf, sizeof(buf)), 0);
		assert_int_equal(time_parse(buf, &t), 0);
		assert_int_equal((int64_t)t, v);
	}
	/* No room for the whole text. */
	assert_int_equal(time_fmt(1735689600, buf, 20), -1);
	assert_int_equal(time_fmt(1735689600, buf, 21), 0);
}

/* PROTOCOL.md section 5: type suffix and HTTP status of every enum prob. */
static const struct {
	enum prob	 p;
	const char	*type;
	int		 status;	/* 0: none fixed by the protocol */
} prob_table[] = {
	{ PROB_ACCOUNT_DOES_NOT_EXIST, "accountDoesNotExist", 400 },
	{ PROB_ALREADY_REVOKED, "alreadyRevoked", 400 },
	{ PROB_BAD_CSR, "badCSR", 400 },
	{ PROB_BAD_NONCE, "badNonce", 400 },
	{ PROB_BAD_PUBLIC_KEY, "badPublicKey", 400 },
	{ PROB_BAD_REVOCATION_REASON, "badRevocationReason", 400 },
	{ PROB_BAD_SIGNATURE_ALGORITHM, "badSignatureAlgorithm", 400 },
	{ PROB_CONNECTION, "connection", 0 },
	{ PROB_EXTERNAL_ACCOUNT_REQUIRED, "externalAccountRequired", 400 },
	{ PROB_INCORRECT_RESPONSE, "incorrectResponse", 400 },
	{ PROB_INVALID_CONTACT, "invalidContact", 400 },
	{ PROB_MALFORMED, "malformed", 400 },
	{ PROB_NOT_FOUND, "malformed", 404 },
	{ PROB_METHOD, "malformed", 405 },
	{ PROB_CONFLICT, "malformed", 409 },
	{ PROB_TOO_LARGE, "malformed", 413 },
	{ PROB_MEDIA_TYPE, "malformed", 415 },
	{ PROB_ORDER_NOT_READY, "orderNotReady", 403 },
	{ PROB_RATE_LIMITED, "rateLimited", 429 },
	{ PROB_REJECTED_IDENTIFIER, "rejectedIdentifier", 400 },
	{ PROB_SERVER_INTERNAL, "serverInternal", 500 },
	{ PROB_UNAVAILABLE, "serverInternal", 503 },
	{ PROB_UNAUTHORIZED, "unauthorized", 403 },
	{ PROB_ACCOUNT_INACTIVE, "unauthorized", 401 },
	{ PROB_UNSUPPORTED_CONTACT, "unsupportedContact", 400 },
	{ PROB_UNSUPPORTED_IDENTIFIER, "unsupportedIdentifier", 400 },
	{ PROB_ALREADY_REPLACED, "alreadyReplaced", 409 },
	{ PROB_INVALID_PROFILE, "invalidProfile", 400 },
};

static void
test_problem_table(void **state)
{
	size_t	 i;
	int	 p, seen[PROB__MAX];

	(void)state;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < sizeof(prob_table) / sizeof(prob_table[0]); i++) {
		assert_string_equal(problem_type(prob_table[i].p),
		    prob_table[i].type);
		if (prob_table[i].status != 0)
			assert_int_equal(problem_status(prob_table[i].p),
			    prob_table[i].status);
		else
			assert_in_range(problem_status(prob_table[i].p), 400,
			    599);
		seen[prob_table[i].p] = 1;
	}
	/* Every enum value has a row here. */
	for (p = 1; p < PROB__MAX; p++)
		if (!seen[p])
			fail_msg("enum prob %d not in the table", p);
	/* Out of range: an internal error, never a read past the table. */
	assert_string_equal(problem_type(PROB__MAX), "serverInternal");
	assert_int_equal(problem_status(PROB__MAX), 500);
	assert_string_equal(problem_type((enum prob)1000), "serverInternal");
	assert_int_equal(problem_status((enum prob)1000), 500);
}

static void
test_problem_object(void **state)
{
	json_object	*o, *v;
	char		 want[128];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(prob_table) / sizeof(prob_table[0]); i++) {
		o = problem_object(prob_table[i].p, "some detail");
		assert_non_null(o);
		snprintf(want, sizeof(want), "urn:ietf:params:acme:error:%s",
		    prob_table[i].type);
		assert_true(json_object_object_get_ex(o, "type", &v));
		assert_string_equal(json_object_get_string(v), want);
		assert_true(json_object_object_get_ex(o, "title", &v));
		assert_true(strlen(json_object_get_string(v)) > 0);
		assert_true(json_object_object_get_ex(o, "detail", &v));
		assert_string_equal(json_object_get_string(v), "some detail");
		/* status, when present, equals the HTTP status. */
		if (json_object_object_get_ex(o, "status", &v))
			assert_int_equal(json_object_get_int(v),
			    problem_status(prob_table[i].p));
		/* No identifier at top level (RFC 8555 6.7.1). */
		assert_false(json_object_object_get_ex(o, "identifier", NULL));
		json_object_put(o);
	}
	/* An empty or absent detail is left out. */
	o = problem_object(PROB_MALFORMED, "");
	assert_false(json_object_object_get_ex(o, "detail", NULL));
	json_object_put(o);
	o = problem_object(PROB_MALFORMED, NULL);
	assert_false(json_object_object_get_ex(o, "detail", NULL));
	json_object_put(o);
	o = problem_object(PROB__MAX, "x");
	assert_true(json_object_object_get_ex(o, "type", &v));
	assert_string_equal(json_object_get_string(v),
	    "urn:ietf:params:acme:error:serverInternal");
	json_object_put(o);
}

/* The problem document problem_write puts in the response. */
static json_object *
written(enum prob p, int remaining, const char *detail, struct req *r)
{
	json_object	*o;

	memset(r, 0, sizeof(*r));
	r->prob = p;
	r->remaining = remaining;
	r->retry_after = -1;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	assert_int_equal(problem_write(r), 0);
	assert_string_equal(r->ctype, "application/problem+json");
	assert_int_equal(r->status, problem_status(p));
	o = json_tokener_parse(r->out.p);
	assert_non_null(o);
	buf_free(&r->out);
	return o;
}

static void
test_problem_write(void **state)
{
	static const char *const algs[] = { "ES256", "ES384", "ES512",
	    "RS256", "EdDSA" };
	struct req	 r;
	json_object	*o, *v;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(prob_table) / sizeof(prob_table[0]); i++) {
		o = written(prob_table[i].p, -1, "d", &r);
		assert_true(json_object_object_get_ex(o, "status", &v));
		assert_int_equal(json_object_get_int(v),
		    problem_status(prob_table[i].p));
		assert_int_equal(json_object_object_get_ex(o, "algorithms",
		    NULL), prob_table[i].p == PROB_BAD_SIGNATURE_ALGORITHM);
		assert_false(json_object_object_get_ex(o, "remainingTries",
		    NULL));
		json_object_put(o);
	}
	/* badSignatureAlgorithm lists the accepted algorithms. */
	o = written(PROB_BAD_SIGNATURE_ALGORITHM, -1, "", &r);
	assert_true(json_object_object_get_ex(o, "algorithms", &v));
	assert_int_equal(json_object_array_length(v), 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(json_object_get_string(
		    json_object_array_get_idx(v, i)), algs[i]);
	assert_false(json_object_object_get_ex(o, "detail", NULL));
	json_object_put(o);
	/* incorrectResponse with remainingTries. */
	o = written(PROB_INCORRECT_RESPONSE, 4, "4 tries left", &r);
	assert_true(json_object_object_get_ex(o, "remainingTries", &v));
	assert_int_equal(json_object_get_int(v), 4);
	assert_int_equal(r.status, 400);
	json_object_put(o);
	o = written(PROB_INCORRECT_RESPONSE, 0, "none left", &r);
	assert_true(json_object_object_get_ex(o, "remainingTries", &v));
	assert_int_equal(json_object_get_int(v), 0);
	json_object_put(o);
}

/* An out-of-range prob answers 500; run in a child so that a read past
 * the table under the sanitizers cannot take the other tests down. */
static void
test_problem_write_out_of_range(void **state)
{
	struct req	 r;
	pid_t		 pid;
	int		 status;

	(void)state;
	fflush(NULL);
	if ((pid = fork()) == -1)
		fail_msg("fork");
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		r.prob = (enum prob)(PROB__MAX + 40);
		r.remaining = -1;
		_exit(problem_write(&r) == 0 && r.status == 500 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("problem_write(PROB__MAX + 40): %s %d",
		    WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void
test_path_id(void **state)
{
	static const struct {
		const char	*path;
		const char	*prefix;
		enum prob	 want;
		const char	*rest;
	} t[] = {
		{ "/order/AAAAAAAAAAAAAAAA", "/order/", PROB_NONE, "" },
		{ "/order/abcdefghijklmn-_", "/order/", PROB_NONE, "" },
		{ "/order/AAAAAAAAAAAAAAAA/finalize", "/order/", PROB_NONE,
		    "/finalize" },
		{ "/acct/0123456789abcdef/orders", "/acct/", PROB_NONE,
		    "/orders" },
		{ "/order/AAAAAAAAAAAAAAAA/", "/order/", PROB_NONE, "/" },
		{ "/order/AAAAAAAAAAAAAAA", "/order/", PROB_NOT_FOUND, NULL },
		{ "/order/AAAAAAAAAAAAAAAAA", "/order/", PROB_NOT_FOUND, NULL },
		{ "/order/AAAAAAAAAAAAAAAA?x", "/order/", PROB_NOT_FOUND,
		    NULL },
		{ "/order/AAAAAAAAAAAAAAA.", "/order/", PROB_NOT_FOUND, NULL },
		{ "/order/AAAAAAAAAAAAAAA=", "/order/", PROB_NOT_FOUND, NULL },
		{ "/order/AAAAAAAAAAAAAAA+", "/order/", PROB_NOT_FOUND, NULL },
		{ "/order/AAAAAAA%41AAAAAAA", "/order/", PROB_NOT_FOUND, NULL },
		{ "/order/../AAAAAAAAAAAAAAA", "/order/", PROB_NOT_FOUND,
		    NULL },
		{ "/order/", "/order/", PROB_NOT_FOUND, NULL },
		{ "/order", "/order/", PROB_NOT_FOUND, NULL },
		{ "", "/order/", PROB_NOT_FOUND, NULL },
		{ "/authz/AAAAAAAAAAAAAAAA", "/order/", PROB_NOT_FOUND, NULL },
		{ "//order/AAAAAAAAAAAAAAAA", "/order/", PROB_NOT_FOUND, NULL },
		{ "/ORDER/AAAAAAAAAAAAAAAA", "/order/", PROB_NOT_FOUND, NULL },
	};
	struct req	 r;
	char		 id[ID_LEN + 1];
	const char	*rest;
	size_t		 i;
	enum prob	 p;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.path = t[i].path;
		rest = NULL;
		p = path_id(&r, t[i].prefix, id, &rest);
		if (p != t[i].want)
			fail_msg("%s: %s", t[i].path, problem_type(p));
		if (p == PROB_NONE) {
			assert_int_equal(strlen(id), ID_LEN);
			assert_memory_equal(id, t[i].path + strlen(t[i].prefix),
			    ID_LEN);
			assert_string_equal(rest, t[i].rest);
		} else
			assert_true(r.detail[0] != '\0');
	}
}

static void
test_url_of(void **state)
{
	struct config	 c;
	struct req	 r;
	char		 buf[URL_MAX];

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	snprintf(c.base_url, sizeof(c.base_url),
	    "https://idprover.example/acme");
	r.cfg = &c;
	assert_int_equal(url_of(&r, buf, sizeof(buf), "order",
	    "AAAAAAAAAAAAAAAA"), 0);
	assert_string_equal(buf,
	    "https://idprover.example/acme/order/AAAAAAAAAAAAAAAA");
	assert_int_equal(url_of(&r, buf, sizeof(buf), "new-nonce", NULL), 0);
	assert_string_equal(buf, "https://idprover.example/acme/new-nonce");
	/* Too small: refused, never cut. */
	assert_int_equal(url_of(&r, buf, 40, "order", "AAAAAAAAAAAAAAAA"),
	    -1);
	assert_int_equal(url_of(&r, buf, 40, "new-nonce", NULL), 0);
	assert_int_equal(url_of(&r, buf, 39, "new-nonce", NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_parse_good),
		cmocka_unit_test(test_time_parse_bad),
		cmocka_unit_test(test_time_fmt),
		cmocka_unit_test(test_problem_table),
		cmocka_unit_test(test_problem_object),
		cmocka_unit_test(test_problem_write),
		cmocka_unit_test(test_problem_write_out_of_range),
		cmocka_unit_test(test_path_id),
		cmocka_unit_test(test_url_of),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}

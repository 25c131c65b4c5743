/* Unit tests of lib/relay/form.c: hostile form bodies, each validator's edges,
 * and the session cookie. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "form.h"

#define CSRF	"SgnRiQwi0vrSsQ912IethRAty78cLJLpUyegOMHZclU"	/* 43 */
#define SID	"pscOonXSBvdpMAlZj8BHCr2hOub47ZRkp7Z6lN9V3So"	/* 43 */

#define TN	FORM_BIT(FORM_TN)
#define CODE	FORM_BIT(FORM_CODE)
#define CS	FORM_BIT(FORM_CSRF)
#define ACT	FORM_BIT(FORM_ACTION)

struct fcase {
	const char		*name;
	const char		*body;
	enum form_err		 want;
	unsigned		 present;
	unsigned		 invalid;
	const char		*tn;		/* expected when present */
	const char		*code;
	enum form_action	 action;
};

/* Structure and escapes: anything wrong here refuses the whole body. */
static const struct fcase syntax[] = {
	{ "empty", "", FORM_OK, 0, 0, NULL, NULL, ACTION_NONE },
	{ "whole-form", "csrf=" CSRF "&action=start&tn=%2B1+202+555+0123",
	    FORM_OK, CS | ACT | TN, 0, "12025550123", NULL, ACTION_START },
	{ "any-order", "tn=1&action=code&code=123456&csrf=" CSRF, FORM_OK,
	    TN | ACT | CODE | CS, 0, "1", "123456", ACTION_CODE },
	{ "lone-amp", "&", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "leading-amp", "&tn=1", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "trailing-amp", "tn=1&", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "double-amp", "tn=1&&action=start", FORM_SYNTAX, 0, 0, NULL, NULL,
	    0 },
	{ "no-equals", "tn", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "no-key", "=1", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "two-equals", "tn=1=2", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "semicolon-is-not-a-separator", "tn=1;2",
	    FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "raw-space", "tn=1 2", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "raw-tab", "tn=1\t2", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "raw-newline", "tn=1\n", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "raw-del", "tn=1\x7f", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "raw-high-octet", "tn=\xc3\xa9", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "raw-in-key", "t\xffn=1", FORM_SYNTAX, 0, 0, NULL, NULL, 0 },
	{ "percent-alone", "tn=%", FORM_ESCAPE, 0, 0, NULL, NULL, 0 },
	{ "percent-one-digit", "tn=%4", FORM_ESCAPE, 0, 0, NULL, NULL, 0 },
	{ "percent-one-digit-mid", "tn=%4&action=start", FORM_ESCAPE, 0, 0,
	    NULL, NULL, 0 },
	{ "percent-not-hex", "tn=%zz", FORM_ESCAPE, 0, 0, NULL, NULL, 0 },
	{ "percent-half-hex", "tn=%2g", FORM_ESCAPE, 0, 0, NULL, NULL, 0 },
	{ "percent-sign-hex", "tn=%+1", FORM_ESCAPE, 0, 0, NULL, NULL, 0 },
	{ "percent-nul", "tn=%00", FORM_ESCAPE, 0, 0, NULL, NULL, 0 },
	{ "percent-nul-in-key", "tn%00=1", FORM_ESCAPE, 0, 0, NULL, NULL, 0 },
	{ "percent-nul-later", "tn=1&code=12%0034", FORM_ESCAPE, 0, 0, NULL,
	    NULL, 0 },
	{ "percent-in-long-value", "tn=1111111111111111111111111111111111111"
	    "111111111111111111111111111111111111111%", FORM_ESCAPE, 0, 0,
	    NULL, NULL, 0 },
	{ "unknown-key", "foo=1", FORM_UNKNOWN_KEY, 0, 0, NULL, NULL, 0 },
	{ "unknown-after-good", "tn=1&x=1", FORM_UNKNOWN_KEY, 0, 0, NULL, NULL,
	    0 },
	{ "key-case", "TN=1", FORM_UNKNOWN_KEY, 0, 0, NULL, NULL, 0 },
	{ "key-prefix", "tnx=1", FORM_UNKNOWN_KEY, 0, 0, NULL, NULL, 0 },
	{ "key-shorter", "t=1", FORM_UNKNOWN_KEY, 0, 0, NULL, NULL, 0 },
	{ "key-space", "tn+=1", FORM_UNKNOWN_KEY, 0, 0, NULL, NULL, 0 },
	{ "key-long", "actionactionactionaction=start", FORM_UNKNOWN_KEY, 0,
	    0, NULL, NULL, 0 },
	{ "key-escaped", "t%6E=1", FORM_OK, TN, 0, "1", NULL, 0 },
	{ "key-brackets", "tn[]=1", FORM_UNKNOWN_KEY, 0, 0, NULL, NULL, 0 },
	{ "duplicate", "tn=1&tn=2", FORM_DUPLICATE, 0, 0, NULL, NULL, 0 },
	{ "duplicate-same", "action=start&action=start", FORM_DUPLICATE, 0,
	    0, NULL, NULL, 0 },
	{ "duplicate-after-invalid", "tn=x&tn=1", FORM_DUPLICATE, 0, 0, NULL,
	    NULL, 0 },
	{ "duplicate-escaped-key", "tn=1&t%6e=2", FORM_DUPLICATE, 0, 0, NULL,
	    NULL, 0 },
	{ "duplicate-csrf", "csrf=" CSRF "&csrf=" CSRF, FORM_DUPLICATE, 0, 0,
	    NULL, NULL, 0 },
	/* A bad value does not stop the parse; the others still count. */
	{ "invalid-and-valid", "tn=abc&action=start&csrf=" CSRF,
	    FORM_INVALID, ACT | CS, TN, NULL, NULL, ACTION_START },
	{ "xss-number", "csrf=" CSRF "&action=start&tn=%3Cscript%3Ealert%28"
	    "1%29%3C%2Fscript%3E", FORM_INVALID, CS | ACT, TN, NULL, NULL,
	    ACTION_START },
	{ "xss-number-raw", "tn=<script>alert(1)</script>", FORM_INVALID, 0,
	    TN, NULL, NULL, 0 },
};

/* One key at a time: each validator's edges. */
static const struct fcase values[] = {
	/* tn: 1 to 15 digits; spaces and one leading '+' dropped. */
	{ "tn-one", "tn=1", FORM_OK, TN, 0, "1", NULL, 0 },
	{ "tn-fifteen", "tn=123456789012345", FORM_OK, TN, 0,
	    "123456789012345", NULL, 0 },
	{ "tn-sixteen", "tn=1234567890123456", FORM_INVALID, 0, TN, NULL,
	    NULL, 0 },
	{ "tn-plus-fifteen", "tn=%2B123456789012345", FORM_OK, TN, 0,
	    "123456789012345", NULL, 0 },
	{ "tn-spaces", "tn=+%2B1+202++555+0123+", FORM_OK, TN, 0,
	    "12025550123", NULL, 0 },
	{ "tn-plus-becomes-space", "tn=1+2", FORM_OK, TN, 0, "12", NULL, 0 },
	{ "tn-spaces-count-not", "tn=1+2+3+4+5+6+7+8+9+0+1+2+3+4+5", FORM_OK,
	    TN, 0, "123456789012345", NULL, 0 },
	{ "tn-empty", "tn=", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-only-spaces", "tn=+++", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-only-plus", "tn=%2B", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-two-plus", "tn=%2B%2B1", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-plus-inside", "tn=1%2B2", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-plus-last", "tn=12%2B", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-dash", "tn=202-555", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-parens", "tn=%28202%29555", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-letter", "tn=1202555012a", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-hash", "tn=%2367", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-star", "tn=*67", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-tab", "tn=1%092", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-newline", "tn=1%0A2", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-arabic-digit", "tn=%D9%A1", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-fullwidth-digit", "tn=%EF%BC%91", FORM_INVALID, 0, TN, NULL,
	    NULL, 0 },
	{ "tn-nbsp", "tn=1%C2%A02", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	{ "tn-too-long-value", "tn=1111111111111111111111111111111111111111"
	    "11111111111111111111111111111", FORM_INVALID, 0, TN, NULL, NULL,
	    0 },
	{ "tn-long-spaces", "tn=1++++++++++++++++++++++++++++++++++++++++++"
	    "++++++++++++++++++++++2", FORM_INVALID, 0, TN, NULL, NULL, 0 },
	/* code: exactly six digits once spaces are gone. */
	{ "code-six", "code=123456", FORM_OK, CODE, 0, NULL, "123456", 0 },
	{ "code-zeros", "code=000000", FORM_OK, CODE, 0, NULL, "000000", 0 },
	{ "code-spaced", "code=123+456", FORM_OK, CODE, 0, NULL, "123456", 0 },
	{ "code-padded", "code=%20123456%20", FORM_OK, CODE, 0, NULL,
	    "123456", 0 },
	{ "code-five", "code=12345", FORM_INVALID, 0, CODE, NULL, NULL, 0 },
	{ "code-seven", "code=1234567", FORM_INVALID, 0, CODE, NULL, NULL, 0 },
	{ "code-letter", "code=12345a", FORM_INVALID, 0, CODE, NULL, NULL, 0 },
	{ "code-dash", "code=123-456", FORM_INVALID, 0, CODE, NULL, NULL, 0 },
	{ "code-plus", "code=%2B123456", FORM_INVALID, 0, CODE, NULL, NULL,
	    0 },
	{ "code-empty", "code=", FORM_INVALID, 0, CODE, NULL, NULL, 0 },
	{ "code-fullwidth", "code=12345%EF%BC%96", FORM_INVALID, 0, CODE,
	    NULL, NULL, 0 },
	/* csrf: CSRF_LEN characters of canonical base64url. */
	{ "csrf-ok", "csrf=" CSRF, FORM_OK, CS, 0, NULL, NULL, 0 },
	{ "csrf-short", "csrf=SgnRiQwi0vrSsQ912IethRAty78cLJLpUyegOMHZcl",
	    FORM_INVALID, 0, CS, NULL, NULL, 0 },
	{ "csrf-long", "csrf=" CSRF "A", FORM_INVALID, 0, CS, NULL, NULL, 0 },
	{ "csrf-padded", "csrf=SgnRiQwi0vrSsQ912IethRAty78cLJLpUyegOMHZcl%3D",
	    FORM_INVALID, 0, CS, NULL, NULL, 0 },
	{ "csrf-plus-space", "csrf=SgnRiQwi0vrSsQ912IethRAty78cLJLpUyegOMHZc"
	    "+U", FORM_INVALID, 0, CS, NULL, NULL, 0 },
	{ "csrf-std-alphabet", "csrf=SgnRiQwi0vrSsQ912IethRAty78cLJLpUyegOMH"
	    "%2FclU", FORM_INVALID, 0, CS, NULL, NULL, 0 },
	{ "csrf-trailing-bits", "csrf=SgnRiQwi0vrSsQ912IethRAty78cLJLpUyegOM"
	    "HZclV", FORM_INVALID, 0, CS, NULL, NULL, 0 },
	{ "csrf-empty", "csrf=", FORM_INVALID, 0, CS, NULL, NULL, 0 },
	/* action: a closed set. */
	{ "action-start", "action=start", FORM_OK, ACT, 0, NULL, NULL,
	    ACTION_START },
	{ "action-code", "action=code", FORM_OK, ACT, 0, NULL, NULL,
	    ACTION_CODE },
	{ "action-resend", "action=resend", FORM_OK, ACT, 0, NULL, NULL,
	    ACTION_RESEND },
	{ "action-restart", "action=restart", FORM_OK, ACT, 0, NULL, NULL,
	    ACTION_RESTART },
	{ "action-escaped", "action=%73tart", FORM_OK, ACT, 0, NULL, NULL,
	    ACTION_START },
	{ "action-case", "action=START", FORM_INVALID, 0, ACT, NULL, NULL,
	    0 },
	{ "action-space", "action=start+", FORM_INVALID, 0, ACT, NULL, NULL,
	    0 },
	{ "action-prefix", "action=star", FORM_INVALID, 0, ACT, NULL, NULL,
	    0 },
	{ "action-longer", "action=starts", FORM_INVALID, 0, ACT, NULL, NULL,
	    0 },
	{ "action-empty", "action=", FORM_INVALID, 0, ACT, NULL, NULL, 0 },
	{ "action-none", "action=none", FORM_INVALID, 0, ACT, NULL, NULL, 0 },
};

static void
run_cases(const struct fcase *cases, size_t n)
{
	struct form	 f;
	enum form_err	 e;
	size_t		 i;

	for (i = 0; i < n; i++) {
		memset(&f, 0x5a, sizeof(f));
		e = form_parse(cases[i].body, strlen(cases[i].body), &f);
		if (e != cases[i].want)
			fail_msg("%s: got %s, want %s", cases[i].name,
			    form_err_str(e), form_err_str(cases[i].want));
		if (f.present != cases[i].present ||
		    f.invalid != cases[i].invalid)
			fail_msg("%s: present %#x invalid %#x, want %#x %#x",
			    cases[i].name, f.present, f.invalid,
			    cases[i].present, cases[i].invalid);
		if (e != FORM_OK && e != FORM_INVALID) {
			/* Nothing of a refused body is left behind. */
			assert_int_equal(f.tn[0], '\0');
			assert_int_equal(f.code[0], '\0');
			assert_int_equal(f.csrf[0], '\0');
			assert_int_equal(f.action, ACTION_NONE);
			continue;
		}
		if (cases[i].tn != NULL)
			assert_string_equal(f.tn, cases[i].tn);
		else
			assert_int_equal(f.tn[0], '\0');
		if (cases[i].code != NULL)
			assert_string_equal(f.code, cases[i].code);
		else
			assert_int_equal(f.code[0], '\0');
		if (f.present & CS)
			assert_string_equal(f.csrf, CSRF);
		else
			assert_int_equal(f.csrf[0], '\0');
		assert_int_equal(f.action, cases[i].action);
	}
}

static void
test_syntax(void **state)
{
	(void)state;
	run_cases(syntax, sizeof(syntax) / sizeof(syntax[0]));
}

static void
test_values(void **state)
{
	(void)state;
	run_cases(values, sizeof(values) / sizeof(values[0]));
}

/* The length is what counts, not a NUL; and the cap. */
static void
test_lengths(void **state)
{
	static const char	 withnul[] = "tn=1\0&action=start";
	struct form		 f;
	char			*big;
	size_t			 n;

	(void)state;
	assert_int_equal(form_parse(withnul, sizeof(withnul) - 1, &f),
	    FORM_SYNTAX);
	/* Only the first 4 octets: "tn=1". */
	assert_int_equal(form_parse(withnul, 4, &f), FORM_OK);
	assert_string_equal(f.tn, "1");
	/* Not NUL-terminated: a parse must not read past len. */
	big = malloc(FORM_MAX + 1);
	assert_non_null(big);
	memcpy(big, "tn=12", 5);
	assert_int_equal(form_parse(big, 5, &f), FORM_OK);
	assert_string_equal(f.tn, "12");
	/* FORM_MAX octets: a valid pair padded with an over-long value. */
	n = FORM_MAX;
	memcpy(big, "action=start&code=", 18);
	memset(big + 18, '1', n - 18);
	assert_int_equal(form_parse(big, n, &f), FORM_INVALID);
	assert_int_equal(f.present, ACT);
	assert_int_equal(f.invalid, CODE);
	memset(big + 18, '1', n + 1 - 18);
	assert_int_equal(form_parse(big, n + 1, &f), FORM_TOO_LARGE);
	assert_int_equal(f.present, 0);
	free(big);
}

static void
test_err_str(void **state)
{
	int	 e;

	(void)state;
	for (e = 0; e < FORM_ERR__MAX; e++)
		assert_non_null(form_err_str((enum form_err)e));
	assert_string_equal(form_err_str(FORM_ERR__MAX), "?");
}

static const struct {
	const char	*name;
	const char	*header;
	int		 want;
} cookies[] = {
	{ "none", NULL, 0 },
	{ "empty", "", 0 },
	{ "only", "idp_relay=" SID, 1 },
	{ "among-others", "a=b; idp_relay=" SID "; c=d", 1 },
	{ "no-spaces", "a=b;idp_relay=" SID ";c=d", 1 },
	{ "tabs", "a=b;\tidp_relay\t=\t" SID "\t", 1 },
	{ "quoted", "idp_relay=\"" SID "\"", 1 },
	{ "other-names", "idp_relay2=" SID "; xidp_relay=" SID, 0 },
	{ "name-only", "idp_relay", 0 },
	{ "empty-value", "idp_relay=", -1 },
	{ "short", "idp_relay=pscOonXSBvdpMAlZj8BHCr2hOub47ZRkp7Z6lN9V3S", -1 },
	{ "long", "idp_relay=" SID "A", -1 },
	{ "padding", "idp_relay=pscOonXSBvdpMAlZj8BHCr2hOub47ZRkp7Z6lN9V3S=",
	    -1 },
	{ "foreign-char", "idp_relay=pscOonXSBvdpMAlZj8BHCr2hOub47ZRkp7Z6lN9"
	    "V3S.", -1 },
	{ "half-quoted", "idp_relay=\"" SID, -1 },
	{ "twice", "idp_relay=" SID "; idp_relay=" SID, -1 },
	{ "twice-one-bad", "idp_relay=" SID "; idp_relay=x", -1 },
	{ "empty-segments", ";;; idp_relay=" SID ";;", 1 },
};

static void
test_cookies(void **state)
{
	char	 id[SESSION_ID_LEN + 1], *big;
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(cookies) / sizeof(cookies[0]); i++) {
		memset(id, 'x', sizeof(id));
		rc = form_cookie(cookies[i].header, "idp_relay", id);
		if (rc != cookies[i].want)
			fail_msg("%s: got %d, want %d", cookies[i].name, rc,
			    cookies[i].want);
		if (rc == 1)
			assert_string_equal(id, SID);
		else
			assert_int_equal(id[0], '\0');
	}
	/* A header over the cap is refused, even with the cookie in it. */
	big = malloc(COOKIE_MAX + 64);
	assert_non_null(big);
	snprintf(big, COOKIE_MAX + 64, "idp_relay=%s; pad=", SID);
	memset(big + strlen(big), 'a', COOKIE_MAX + 63 - strlen(big));
	big[COOKIE_MAX + 63] = '\0';
	assert_int_equal(form_cookie(big, "idp_relay", id), -1);
	big[COOKIE_MAX] = '\0';
	assert_int_equal(form_cookie(big, "idp_relay", id), 1);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_err_str),
		cmocka_unit_test(test_cookies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

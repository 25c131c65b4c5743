/* Unit tests of lib/base/pct.c: percent-decoding for URLs (control
 * characters refused, raw or escaped) and form bodies ('+' a space, raw
 * octets visible ASCII, %00 refused); every bad escape; the result bound,
 * where a bad escape after an overflow still wins. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pct.h"

struct vec {
	const char	*in;
	unsigned	 flags;
	enum pct	 rc;
	const char	*out;	/* when PCT_OK */
	size_t		 outlen;
};

static const struct vec vecs[] = {
	{ "", 0, PCT_OK, "", 0 },
	{ "abc", 0, PCT_OK, "abc", 3 },
	{ "a%20b", 0, PCT_OK, "a b", 3 },
	{ "%41%62%7e", 0, PCT_OK, "Ab~", 3 },
	{ "%e2%82%ac", 0, PCT_OK, "\xe2\x82\xac", 3 },
	{ "a+b", 0, PCT_OK, "a+b", 3 },		/* '+' only in forms */
	{ "a+b", PCT_FORM, PCT_OK, "a b", 3 },
	{ "%2B", PCT_FORM, PCT_OK, "+", 1 },
	{ "%", 0, PCT_ESCAPE, NULL, 0 },
	{ "%4", 0, PCT_ESCAPE, NULL, 0 },
	{ "%4g", 0, PCT_ESCAPE, NULL, 0 },
	{ "%g4", 0, PCT_ESCAPE, NULL, 0 },
	{ "%%41", 0, PCT_ESCAPE, NULL, 0 },
	{ "abc%", 0, PCT_ESCAPE, NULL, 0 },
	{ "%00", PCT_FORM, PCT_ESCAPE, NULL, 0 },
	{ "%00", PCT_NOCTL, PCT_CTL, NULL, 0 },
	{ "%0a", PCT_NOCTL, PCT_CTL, NULL, 0 },
	{ "%7f", PCT_NOCTL, PCT_CTL, NULL, 0 },
	{ "a\nb", PCT_NOCTL, PCT_CTL, NULL, 0 },
	{ "a b", PCT_FORM, PCT_RAW, NULL, 0 },
	{ "a\x80", PCT_FORM, PCT_RAW, NULL, 0 },
	{ "a\x7f", PCT_FORM, PCT_RAW, NULL, 0 },
	{ "%0d%0a", PCT_FORM, PCT_OK, "\r\n", 2 },	/* forms check later */
};

static void
test_vectors(void **state)
{
	char	 out[64];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(pct_decode(vecs[i].in, strlen(vecs[i].in),
		    out, sizeof(out), vecs[i].flags, &n), vecs[i].rc);
		if (vecs[i].rc != PCT_OK)
			continue;
		assert_int_equal(n, vecs[i].outlen);
		assert_memory_equal(out, vecs[i].out, n);
		assert_int_equal(out[n], '\0');
	}
}

/* The input's length is the bound, not a NUL: an embedded NUL is data
 * (refused where control characters are), never the end. */
static void
test_embedded_nul(void **state)
{
	char	 out[8];
	size_t	 n;

	(void)state;
	assert_int_equal(pct_decode("a\0b", 3, out, sizeof(out), 0, &n),
	    PCT_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "a\0b", 3);
	assert_int_equal(pct_decode("a\0b", 3, out, sizeof(out), PCT_NOCTL,
	    &n), PCT_CTL);
	assert_int_equal(pct_decode("a\0b", 3, out, sizeof(out), PCT_FORM,
	    &n), PCT_RAW);
}

static void
test_bounds(void **state)
{
	char	 out[4];
	size_t	 n;

	(void)state;
	assert_int_equal(pct_decode("abc", 3, out, sizeof(out), 0, &n),
	    PCT_OK);
	assert_int_equal(n, 3);
	/* One more does not fit: cut, NUL-terminated, and said so. */
	assert_int_equal(pct_decode("abcd", 4, out, sizeof(out), 0, &n),
	    PCT_LONG);
	assert_int_equal(n, 3);
	assert_string_equal(out, "abc");
	/* A bad escape after the overflow still counts. */
	assert_int_equal(pct_decode("abcdef%zz", 9, out, sizeof(out), 0, &n),
	    PCT_ESCAPE);
	assert_int_equal(pct_decode("abc", 3, out, 0, 0, &n), PCT_LONG);
	assert_int_equal(n, 0);
}

static void
test_hex(void **state)
{
	int	 c;

	(void)state;
	for (c = 0; c < 256; c++) {
		if (c >= '0' && c <= '9')
			assert_int_equal(pct_hex(c), c - '0');
		else if (c >= 'a' && c <= 'f')
			assert_int_equal(pct_hex(c), c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			assert_int_equal(pct_hex(c), c - 'A' + 10);
		else
			assert_int_equal(pct_hex(c), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests_name("pct", tests, NULL, NULL);
}

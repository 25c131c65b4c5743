/* Unit tests of lib/base/json.c: strict parsing (PROTOCOL.md section 2: UTF-8,
 * duplicate member names refused), the depth and member caps of
 * lib/base/bounds.h, and every typed getter against every wrong type. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "json.h"

struct pcase {
	const char	*name;
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	int		 ok;
};

/* Accepted. */
static const struct pcase accepted_cases[] = {
	{ "empty-object", "{}", 0, 1 },
	{ "empty-array", "[]", 0, 1 },
	{ "one-member", "{\"a\":1}", 0, 1 },
	{ "whitespace-around", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n", 0, 1 },
	{ "same-name-sibling-objects", "[{\"a\":1},{\"a\":2}]", 0, 1 },
	{ "same-name-nested-level", "{\"a\":{\"a\":1}}", 0, 1 },
	{ "same-name-after-nested-close", "{\"o\":{\"b\":1},\"b\":2}", 0, 1 },
	{ "same-value-twice", "{\"a\":\"x\",\"b\":\"x\"}", 0, 1 },
	{ "array-of-equal-strings", "{\"a\":[\"a\",\"a\",\"a\"]}", 0, 1 },
	{ "escaped-value", "{\"a\":\"\\\"a\\\":1\",\"b\":\"\\u0041\"}", 0, 1 },
	{ "braces-in-string", "{\"a\":\"}{][,\",\"b\":1}", 0, 1 },
	{ "dup-text-inside-string", "{\"x\":\"{\\\"x\\\":1,\\\"x\\\":2}\"}",
	    0, 1 },
	{ "utf8-name", "{\"\xc3\xa9\":1,\"e\":2}", 0, 1 },
	{ "utf8-4-octets", "{\"a\":\"\xf0\x9f\x98\x80\"}", 0, 1 },
	{ "literals", "[true,false,null,-0,1.5e3,-2E-2]", 0, 1 },
	{ "names-differ-by-case", "{\"a\":1,\"A\":2}", 0, 1 },
	{ "prefix-names", "{\"ab\":1,\"a\":2,\"abc\":3}", 0, 1 },
};

/* Duplicate member names [PROJECT]. */
static const struct pcase duplicates_cases[] = {
	{ "dup-top", "{\"a\":1,\"a\":2}", 0, 0 },
	{ "dup-top-different-types", "{\"a\":\"x\",\"a\":[]}", 0, 0 },
	{ "dup-top-spaced", "{ \"a\" : 1 ,\n \"a\" : 1 }", 0, 0 },
	{ "dup-nested", "{\"o\":{\"a\":1,\"a\":2}}", 0, 0 },
	{ "dup-deep", "{\"o\":{\"p\":{\"q\":{\"a\":1,\"b\":2,\"a\":3}}}}", 0,
	    0 },
	{ "dup-in-array-of-objects", "[{\"a\":1,\"a\":2}]", 0, 0 },
	{ "dup-in-second-array-object",
	    "{\"l\":[{\"b\":1},{\"c\":1,\"c\":2}]}", 0, 0 },
	{ "dup-after-nested-object", "{\"a\":{\"x\":1},\"a\":2}", 0, 0 },
	{ "dup-after-array", "{\"a\":[1,{\"a\":1}],\"a\":3}", 0, 0 },
	{ "dup-after-brace-string", "{\"a\":\"{[\",\"a\":1}", 0, 0 },
	{ "dup-after-escaped-quote", "{\"a\":\"\\\"\",\"a\":1}", 0, 0 },
	{ "dup-empty-name", "{\"\":1,\"\":2}", 0, 0 },
	{ "dup-single-quoted-dup", "{'a':1,'a':2}", 0, 0 },
	{ "dup-single-quoted-mixed-dup", "{\"a\":1,'a':2}", 0, 0 },
	{ "dup-jws-members", "{\"protected\":\"e30\",\"payload\":\"\","
	    "\"signature\":\"AA\",\"payload\":\"e30\"}", 0, 0 },
};

/* Escaped member names. */
static const struct pcase escaped_names_cases[] = {
	{ "escaped-name", "{\"\\u0061\":1}", 0, 0 },
	{ "escaped-name-dup", "{\"\\u0061\":1,\"a\":2}", 0, 0 },
	{ "escaped-quote-name", "{\"a\\\"b\":1}", 0, 0 },
	{ "escaped-slash-name", "{\"a\\/b\":1}", 0, 0 },
	{ "escaped-nested-name", "{\"o\":{\"\\u0061lg\":\"none\"}}", 0, 0 },
	{ "escaped-name-in-array", "[{\"\\n\":1}]", 0, 0 },
};

/* Not strict JSON. */
static const struct pcase strict_cases[] = {
	{ "single-quoted-name", "{'a':1}", 0, 0 },
	{ "single-quoted-value", "{\"a\":'b'}", 0, 0 },
	{ "unquoted-name", "{a:1}", 0, 0 },
	{ "trailing-comma-object", "{\"a\":1,}", 0, 0 },
	{ "trailing-comma-array", "[1,]", 0, 0 },
	{ "comment", "/* x */{}", 0, 0 },
	{ "comment-inside", "[\"a\"/**/]", 0, 0 },
	{ "leading-zero", "{\"a\":01}", 0, 0 },
	{ "plus-sign", "{\"a\":+1}", 0, 0 },
	{ "hex", "{\"a\":0x10}", 0, 0 },
	{ "bare-fraction", "{\"a\":.5}", 0, 0 },
	{ "empty-fraction", "{\"a\":1.}", 0, 0 },
	{ "empty-fraction-exp", "{\"a\":1.e5}", 0, 0 },
	{ "empty-exponent", "{\"a\":1.5e}", 0, 0 },
	{ "nan", "{\"a\":NaN}", 0, 0 },
	{ "infinity", "{\"a\":Infinity}", 0, 0 },
	{ "minus-infinity", "{\"a\":-Infinity}", 0, 0 },
	{ "capital-true", "{\"a\":True}", 0, 0 },
	{ "control-char-in-string", "{\"a\":\"\x01\"}", 0, 0 },
	{ "tab-in-string", "{\"a\":\"t\tb\"}", 0, 0 },
	{ "newline-in-string", "{\"a\":\"l1\nl2\"}", 0, 0 },
	{ "bad-escape", "{\"a\":\"\\x41\"}", 0, 0 },
	{ "short-unicode-escape", "{\"a\":\"\\u00\"}", 0, 0 },
	{ "unterminated-string", "{\"a\":\"b}", 0, 0 },
	{ "unterminated-object", "{\"a\":1", 0, 0 },
	{ "missing-colon", "{\"a\" 1}", 0, 0 },
};

/* Trailing garbage. */
static const struct pcase trailing_cases[] = {
	{ "trailing-letter", "{} x", 0, 0 },
	{ "two-objects", "{}{}", 0, 0 },
	{ "trailing-bracket", "{}]", 0, 0 },
	{ "trailing-comma", "{},", 0, 0 },
	{ "trailing-nul", "{}\0", 3, 0 },
	{ "length-cuts-object", "{\"a\":1}", 6, 0 },
};

/* NUL inside. */
static const struct pcase nul_cases[] = {
	{ "nul-in-string", "{\"a\":\"b\0c\"}", 10, 0 },
	{ "nul-in-name", "{\"a\0b\":1}", 9, 0 },
	{ "nul-between-tokens", "{\"a\":1,\0\"b\":2}", 14, 0 },
	{ "escaped-nul-value-ok", "{\"a\":\"\\u0000\"}", 0, 1 },
};

/* Invalid UTF-8 (RFC 3629). */
static const struct pcase utf8_cases[] = {
	{ "utf8-ff", "{\"a\":\"\xff\"}", 0, 0 },
	{ "utf8-lone-continuation", "{\"a\":\"\x80\"}", 0, 0 },
	{ "utf8-truncated", "{\"a\":\"\xe2\x82\"}", 0, 0 },
	{ "utf8-truncated-at-end", "[\"\xc3\"]", 0, 0 },
	{ "utf8-in-name", "{\"\xff\":1}", 0, 0 },
	{ "utf8-overlong-slash", "{\"a\":\"\xc0\xaf\"}", 0, 0 },
	{ "utf8-overlong-3", "{\"a\":\"\xe0\x80\xaf\"}", 0, 0 },
	{ "utf8-surrogate", "{\"a\":\"\xed\xa0\x80\"}", 0, 0 },
	{ "utf8-above-10ffff", "{\"a\":\"\xf4\x90\x80\x80\"}", 0, 0 },
	{ "utf8-f5", "{\"a\":\"\xf5\x80\x80\x80\"}", 0, 0 },
	{ "utf8-overlong-name", "{\"\xc1\xa1\":1}", 0, 0 },
};

/* Not an object or array at the top. */
static const struct pcase top_level_cases[] = {
	{ "top-number", "1", 0, 0 },
	{ "top-string", "\"a\"", 0, 0 },
	{ "top-true", "true", 0, 0 },
	{ "top-null", "null", 0, 0 },
	{ "empty", "", 0, 0 },
	{ "only-space", "   ", 0, 0 },
};

static void
run_cases(const struct pcase *c, size_t n)
{
	json_object	*o;
	size_t		 i, len;
	int		 bad = 0;

	for (i = 0; i < n; i++) {
		len = c[i].len ? c[i].len : strlen(c[i].text);
		o = json_parse(c[i].text, len);
		if ((o != NULL) != c[i].ok) {
			print_error("json_parse %s: %s, want %s\n", c[i].name,
			    o != NULL ? "accepted" : "refused", c[i].ok ?
			    "accepted" : "refused");
			bad++;
		}
		json_object_put(o);
	}
	if (bad)
		fail_msg("%d of %zu cases wrong", bad, n);
}

#define CASES(name) \
static void \
test_##name(void **state) \
{ \
	(void)state; \
	run_cases(name##_cases, sizeof(name##_cases) / \
	    sizeof(name##_cases[0])); \
}
CASES(accepted)
CASES(duplicates)
CASES(escaped_names)
CASES(strict)
CASES(trailing)
CASES(nul)
CASES(utf8)
CASES(top_level)

/* n nested containers (alternating arrays and objects when objects is
 * set) around a scalar, or around nothing when empty is set. */
static char *
nested(int n, int objects, int empty)
{
	char	*s;
	size_t	 len = 0;
	int	 i;

	if ((s = malloc((size_t)n * 8 + 8)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (objects && i % 2 == 1 && !(empty && i == n - 1)) {
			memcpy(s + len, "{\"k\":", 5);
			len += 5;
		} else
			s[len++] = '[';
	}
	if (!empty)
		s[len++] = '1';
	for (i = n - 1; i >= 0; i--)
		s[len++] = objects && i % 2 == 1 && !(empty && i == n - 1) ?
		    '}' : ']';
	s[len] = '\0';
	return s;
}

/*
 * At most JSON_MAX_DEPTH levels. json-c counts a scalar inside the
 * innermost container as a level of its own, so JSON_MAX_DEPTH
 * containers around a value sit on the limit and are not asserted.
 */
static void
test_depth(void **state)
{
	json_object	*o;
	char		*s;
	int		 n, objects, empty, want;

	(void)state;
	for (empty = 0; empty <= 1; empty++)
		for (objects = 0; objects <= 1; objects++)
			for (n = 1; n <= JSON_MAX_DEPTH + 3; n++) {
				if (!empty && n == JSON_MAX_DEPTH)
					continue;
				want = n <= JSON_MAX_DEPTH;
				s = nested(n, objects, empty);
				assert_non_null(s);
				o = json_parse(s, strlen(s));
				if ((o != NULL) != want)
					fail_msg("depth %d (%s%s): %s", n,
					    objects ? "objects" : "arrays",
					    empty ? ", empty" : "",
					    o != NULL ? "accepted" :
					    "refused");
				json_object_put(o);
				free(s);
			}
	/* Far too deep must not crash either. */
	s = nested(5000, 1, 0);
	assert_non_null(s);
	assert_null(json_parse(s, strlen(s)));
	free(s);
	s = nested(5000, 0, 1);
	assert_non_null(s);
	assert_null(json_parse(s, strlen(s)));
	free(s);
}

/* An object of n members "m0".."m<n-1>", possibly nested in another. */
static char *
members(int n, int wrap)
{
	char	*s;
	size_t	 len = 0;
	int	 i;

	if ((s = malloc((size_t)n * 16 + 32)) == NULL)
		return NULL;
	if (wrap)
		len += (size_t)sprintf(s, "{\"w\":[");
	s[len++] = '{';
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s\"m%d\":%d", i ? "," : "",
		    i, i);
	s[len++] = '}';
	if (wrap)
		len += (size_t)sprintf(s + len, "]}");
	s[len] = '\0';
	return s;
}

static void
test_members(void **state)
{
	json_object	*o;
	char		*s, buf[4096];
	size_t		 len;
	int		 n, wrap, i;

	(void)state;
	for (wrap = 0; wrap <= 1; wrap++)
		for (n = JSON_MAX_MEMBERS - 2; n <= JSON_MAX_MEMBERS + 2; n++) {
			s = members(n, wrap);
			assert_non_null(s);
			o = json_parse(s, strlen(s));
			if ((o != NULL) != (n <= JSON_MAX_MEMBERS))
				fail_msg("%d members (%s): %s", n, wrap ?
				    "nested" : "top", o != NULL ? "accepted" :
				    "refused");
			json_object_put(o);
			free(s);
		}
	/* A long array is not an object: no member cap. */
	len = (size_t)sprintf(buf, "[");
	for (i = 0; i < 200; i++)
		len += (size_t)sprintf(buf + len, "%s%d", i ? "," : "", i);
	sprintf(buf + len, "]");
	o = json_parse(buf, strlen(buf));
	assert_non_null(o);
	assert_int_equal(json_object_array_length(o), 200);
	json_object_put(o);
	/* Members are counted per object, not per text. */
	len = (size_t)sprintf(buf, "[");
	for (i = 0; i < 3; i++) {
		s = members(JSON_MAX_MEMBERS, 0);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i ? "," : "", s);
		free(s);
	}
	assert_true(len < sizeof(buf) - 2);
	sprintf(buf + len, "]");
	o = json_parse(buf, strlen(buf));
	assert_non_null(o);
	json_object_put(o);
}

static void
test_size_cap(void **state)
{
	json_object	*o;
	char		*s;
	size_t		 len;

	(void)state;
	/* {"a":"xxx...x"} of exactly BODY_MAX octets, then one more. */
	s = malloc(BODY_MAX + 2);
	assert_non_null(s);
	memcpy(s, "{\"a\":\"", 6);
	for (len = BODY_MAX; len <= BODY_MAX + 1; len++) {
		memset(s + 6, 'x', len - 8);
		memcpy(s + len - 2, "\"}", 2);
		s[len] = '\0';
		o = json_parse(s, len);
		if ((o != NULL) != (len <= BODY_MAX))
			fail_msg("%zu octets: %s", len, o ? "accepted" :
			    "refused");
		json_object_put(o);
	}
	free(s);
}

static void
test_parse_object(void **state)
{
	json_object	*o;

	(void)state;
	o = json_parse_object("{\"a\":1}", 7);
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	json_object_put(o);
	assert_null(json_parse_object("[]", 2));
	assert_null(json_parse_object("[{}]", 4));
	assert_null(json_parse_object("1", 1));
	assert_null(json_parse_object("\"{}\"", 4));
	assert_null(json_parse_object("{\"a\":1,\"a\":1}", 13));
	/* The length is honoured: the text after it is not read. */
	o = json_parse_object("{}garbage", 2);
	assert_non_null(o);
	json_object_put(o);
}

static const char getters_doc[] =
    "{\"s\":\"str\",\"e\":\"\",\"n\":42,\"neg\":-7,\"d\":4.0,\"t\":true,"
    "\"f\":false,\"z\":null,\"a\":[1],\"o\":{\"x\":1},"
    "\"zero\":0,\"max\":9223372036854775807,"
    "\"min\":-9223372036854775808,"
    "\"exp\":1e3,\"strnum\":\"5\"}";

/* Integers json-c would clamp into the int64 range: the whole text is
 * refused rather than a wrong value handed out. */
static const char *const huge_docs[] = {
	"{\"over\":9223372036854775808}",
	"{\"u64\":18446744073709551615}",
	"{\"huge\":99999999999999999999999}",
	"{\"under\":-9223372036854775809}",
	"[1,2,99999999999999999999]",
};

static void
test_huge_integers(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(huge_docs) / sizeof(huge_docs[0]); i++)
		assert_null(json_parse(huge_docs[i], strlen(huge_docs[i])));
}

/* Which getter accepts which member: the other types must be refused. */
static const struct {
	const char	*key;
	int		 str, arr, obj, boolean, integer;
} getter_types[] = {
	{ "s", 1, 0, 0, 0, 0 },
	{ "e", 1, 0, 0, 0, 0 },
	{ "n", 0, 0, 0, 0, 1 },
	{ "d", 0, 0, 0, 0, 0 },
	{ "t", 0, 0, 0, 1, 0 },
	{ "f", 0, 0, 0, 1, 0 },
	{ "z", 0, 0, 0, 0, 0 },
	{ "a", 0, 1, 0, 0, 0 },
	{ "o", 0, 0, 1, 0, 0 },
	{ "exp", 0, 0, 0, 0, 0 },
	{ "strnum", 1, 0, 0, 0, 0 },
};

static void
test_getter_types(void **state)
{
	json_object	*o;
	size_t		 i;
	int64_t		 v;
	int		 b, rc;

	(void)state;
	o = json_parse(getters_doc, strlen(getters_doc));
	assert_non_null(o);
	for (i = 0; i < sizeof(getter_types) / sizeof(getter_types[0]); i++) {
		const char *k = getter_types[i].key;

		assert_true(json_has(o, k));
		if ((json_get_str(o, k) != NULL) != getter_types[i].str)
			fail_msg("json_get_str %s", k);
		if ((json_get_arr(o, k) != NULL) != getter_types[i].arr)
			fail_msg("json_get_arr %s", k);
		if ((json_get_obj(o, k) != NULL) != getter_types[i].obj)
			fail_msg("json_get_obj %s", k);
		b = -5;
		rc = json_get_bool(o, k, &b);
		if (rc != (getter_types[i].boolean ? 1 : -1))
			fail_msg("json_get_bool %s: %d", k, rc);
		if (rc == -1 && b != -5)
			fail_msg("json_get_bool %s wrote on failure", k);
		v = -5;
		rc = json_get_int(o, k, INT64_MIN, INT64_MAX, &v);
		if (rc != (getter_types[i].integer ? 1 : -1))
			fail_msg("json_get_int %s: %d", k, rc);
		if (rc == -1 && v != -5)
			fail_msg("json_get_int %s wrote on failure", k);
	}
	/* Values. */
	assert_string_equal(json_get_str(o, "s"), "str");
	assert_string_equal(json_get_str(o, "e"), "");
	assert_int_equal(json_get_bool(o, "t", &b), 1);
	assert_int_equal(b, 1);
	assert_int_equal(json_get_bool(o, "f", &b), 1);
	assert_int_equal(b, 0);
	assert_int_equal(json_object_array_length(json_get_arr(o, "a")), 1);
	assert_int_equal(json_get_int(json_get_obj(o, "o"), "x", 0, 1, &v), 1);
	assert_int_equal(v, 1);
	/* Absent members. */
	assert_false(json_has(o, "absent"));
	assert_null(json_get_str(o, "absent"));
	assert_null(json_get_arr(o, "absent"));
	assert_null(json_get_obj(o, "absent"));
	assert_int_equal(json_get_bool(o, "absent", &b), 0);
	assert_int_equal(json_get_int(o, "absent", 0, 1, &v), 0);
	/* Member names are matched exactly. */
	assert_null(json_get_str(o, "S"));
	assert_null(json_get_str(o, "s "));
	assert_null(json_get_str(o, ""));
	/* No object at all. */
	assert_false(json_has(NULL, "s"));
	assert_null(json_get_str(NULL, "s"));
	assert_null(json_get_arr(NULL, "a"));
	assert_null(json_get_obj(NULL, "o"));
	assert_int_equal(json_get_bool(NULL, "t", &b), 0);
	assert_int_equal(json_get_int(NULL, "n", 0, 100, &v), 0);
	json_object_put(o);
}

static const struct {
	const char	*key;
	int64_t		 min, max;
	int		 want;
	int64_t		 value;
} int_cases[] = {
	{ "n", 0, 100, 1, 42 },
	{ "n", 42, 42, 1, 42 },
	{ "n", 43, 100, -1, 0 },
	{ "n", 0, 41, -1, 0 },
	{ "neg", -10, 10, 1, -7 },
	{ "neg", 0, 10, -1, 0 },
	{ "zero", 0, 0, 1, 0 },
	{ "max", 0, INT64_MAX, 1, INT64_MAX },
	{ "max", 0, INT64_MAX - 1, -1, 0 },
	{ "min", INT64_MIN, 0, 1, INT64_MIN },
	{ "min", INT64_MIN + 1, 0, -1, 0 },
	/* Not representable as int64: never clamped into range. */
	{ "d", 0, 10, -1, 0 },
	{ "exp", 0, 10000, -1, 0 },
	{ "strnum", 0, 10, -1, 0 },
	{ "t", 0, 10, -1, 0 },
	{ "z", 0, 10, -1, 0 },
};

static void
test_get_int_bounds(void **state)
{
	json_object	*o;
	size_t		 i;
	int64_t		 v;
	int		 rc, bad = 0;

	(void)state;
	o = json_parse(getters_doc, strlen(getters_doc));
	assert_non_null(o);
	for (i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
		v = 12345;
		rc = json_get_int(o, int_cases[i].key, int_cases[i].min,
		    int_cases[i].max, &v);
		if (rc != int_cases[i].want || (rc == 1 &&
		    v != int_cases[i].value)) {
			print_error("json_get_int %s [%lld, %lld]: rc %d "
			    "value %lld, want rc %d\n", int_cases[i].key,
			    (long long)int_cases[i].min,
			    (long long)int_cases[i].max, rc, (long long)v,
			    int_cases[i].want);
			bad++;
		}
	}
	json_object_put(o);
	if (bad)
		fail_msg("%d json_get_int cases wrong", bad);
}

/* Strings are whole: a NUL cuts a C string short, so a
 * string holding one is refused by every getter; control characters too,
 * unless JSON_CTRL lets them (not NUL) through. The length is the whole. */
static void
test_whole_strings(void **state)
{
	static const char text[] = "{\"ok\":\"abc\",\"nul\":\"ab\\u0000cd\","
	    "\"crlf\":\"a\\r\\nX-Injected: 1\",\"tab\":\"a\\tb\","
	    "\"del\":\"a\\u007f\",\"lead\":\"\\u0000\",\"utf8\":\"\u00e9t\u00e9\","
	    "\"arr\":[\"x\\u0000y\",\"z\"]}";
	json_object	*o, *arr;
	size_t		 len = 99;

	(void)state;
	o = json_parse_object(text, strlen(text));
	assert_non_null(o);
	assert_string_equal(json_get_strn(o, "ok", 0, &len), "abc");
	assert_int_equal(len, 3);
	assert_null(json_get_str(o, "nul"));
	assert_null(json_get_strn(o, "nul", JSON_CTRL, &len));
	assert_null(json_get_str(o, "lead"));
	assert_null(json_get_strn(o, "lead", JSON_CTRL, NULL));
	assert_null(json_get_str(o, "crlf"));
	assert_null(json_get_str(o, "tab"));
	assert_null(json_get_str(o, "del"));
	assert_string_equal(json_get_strn(o, "crlf", JSON_CTRL, &len),
	    "a\r\nX-Injected: 1");
	assert_int_equal(len, 16);
	assert_non_null(json_get_strn(o, "tab", JSON_CTRL, NULL));
	/* Not ASCII is not a control character. */
	assert_non_null(json_get_strn(o, "utf8", 0, &len));
	assert_int_equal(len, 5);
	arr = json_get_arr(o, "arr");
	assert_non_null(arr);
	assert_null(json_str(json_object_array_get_idx(arr, 0), JSON_CTRL,
	    NULL));
	assert_string_equal(json_str(json_object_array_get_idx(arr, 1), 0,
	    NULL), "z");
	assert_null(json_str(arr, 0, NULL));
	assert_null(json_str(NULL, 0, NULL));
	json_object_put(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_escaped_names),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_parse_object),
		cmocka_unit_test(test_getter_types),
		cmocka_unit_test(test_get_int_bounds),
		cmocka_unit_test(test_huge_integers),
		cmocka_unit_test(test_whole_strings),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}

/* Unit tests of lib/base/tnauthlist.c: the published vectors and hostile DER. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "bounds.h"
#include "problem.h"
#include "tnauthlist.h"
#include "vectors.h"

#define TN_VALID	"12025550123"
#define DER_VALID	"300fa20d160b3132303235353530313233"

struct dercase {
	const char	*name;
	const char	*hex;
	enum prob	 want;
	const char	*tn;		/* expected number when accepted */
};

static const struct dercase hostile[] = {
	{ "valid", DER_VALID, PROB_NONE, TN_VALID },
	/* Not E.164: too short. */
	{ "one-digit", "3005a203160131", PROB_REJECTED_IDENTIFIER, NULL },
	{ "fifteen-digits", "3013a211160f313233343536373839303132333435",
	    PROB_NONE, "123456789012345" },
	{ "empty-input", "", PROB_MALFORMED, NULL },
	{ "set-not-sequence", "310fa20d160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "choice-tag-3", "300fa30d160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "implicit-tag", "300d820b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "primitive-choice-tag", "300f820d160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "utf8string", "300fa20d0c0b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "printablestring", "300fa20d130b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "bare-ia5string", "160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "outer-length-past-end", "3010a20d160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "tag-length-past-end", "300fa20e160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "string-length-past-end", "300fa20d160c3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "truncated", "300fa20d160b31323032353535303132",
	    PROB_MALFORMED, NULL },
	{ "huge-length", "3084ffffffffa20d160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "indefinite-outer", "3080a20d160b31323032353535303132330000",
	    PROB_MALFORMED, NULL },
	{ "indefinite-tag", "3011a280160b31323032353535303132330000",
	    PROB_MALFORMED, NULL },
	{ "non-minimal-outer", "30810fa20d160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "non-minimal-tag", "3010a2810d160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "non-minimal-string", "3010a20e16810b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "long-form-zero-pad", "3082000fa20d160b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "constructed-string", "3011a20f360d040b3132303235353530313233",
	    PROB_MALFORMED, NULL },
	{ "trailing-zero", "300fa20d160b313230323535353031323300",
	    PROB_MALFORMED, NULL },
	{ "trailing-copy", DER_VALID DER_VALID, PROB_MALFORMED, NULL },
	{ "extra-in-tag", "3011a20f160b31323032353535303132330500",
	    PROB_MALFORMED, NULL },
	{ "range-padded-count",
	    "3015a1133011160b313230323535353031303002020064",
	    PROB_MALFORMED, NULL },
	{ "two-numbers-long-form", "301fa20d160b3132303235353530313233"
	    "a20e16810b3132303235353530313234", PROB_MALFORMED, NULL },
	{ "spc-long-form", "3009a00716810431323334", PROB_MALFORMED, NULL },
	{ "empty-list", "3000", PROB_REJECTED_IDENTIFIER, NULL },
	{ "empty-number", "3004a2021600", PROB_REJECTED_IDENTIFIER, NULL },
	{ "spc", "3008a006160431323334", PROB_REJECTED_IDENTIFIER, NULL },
	{ "range", "3014a1123010160b3132303235353530313030020164",
	    PROB_REJECTED_IDENTIFIER, NULL },
	{ "two-numbers", "301ea20d160b3132303235353530313233"
	    "a20d160b3132303235353530313234", PROB_REJECTED_IDENTIFIER, NULL },
	{ "number-then-spc", "3017a20d160b3132303235353530313233"
	    "a006160431323334", PROB_REJECTED_IDENTIFIER, NULL },
	{ "sixteen-digits", "3014a21216103132333435363738393031323334353"
	    "6", PROB_REJECTED_IDENTIFIER, NULL },
	{ "twenty-digits", "3018a2161614313233343536373839303132333435"
	    "3637383930", PROB_REJECTED_IDENTIFIER, NULL },
	{ "star-67", "3007a20516032a3637", PROB_REJECTED_IDENTIFIER, NULL },
	{ "hash", "3007a2051603313223", PROB_REJECTED_IDENTIFIER, NULL },
	{ "letter", "300fa20d160b3132303235353530313261",
	    PROB_REJECTED_IDENTIFIER, NULL },
	{ "plus", "3010a20e160c2b3132303235353530313233",
	    PROB_REJECTED_IDENTIFIER, NULL },
	{ "space", "300fa20d160b3132303220353535303132",
	    PROB_REJECTED_IDENTIFIER, NULL },
	{ "nul", "300fa20d160b3132303200353535303132",
	    PROB_REJECTED_IDENTIFIER, NULL },
	{ "high-bit", "300fa20d160b31323032b5353535303132",
	    PROB_REJECTED_IDENTIFIER, NULL },
};

/* Decode hex into out; returns the octet count. */
static size_t
unhex(const char *hex, unsigned char *out, size_t outsz)
{
	size_t		 i, n = strlen(hex) / 2;
	unsigned int	 v;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= outsz);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	return n;
}

static enum prob
prob_of_type(const char *type)
{
	if (strcmp(type, "urn:ietf:params:acme:error:malformed") == 0)
		return PROB_MALFORMED;
	if (strcmp(type, "urn:ietf:params:acme:error:rejectedIdentifier") ==
	    0)
		return PROB_REJECTED_IDENTIFIER;
	fail_msg("unexpected type %s", type);
	return PROB__MAX;
}

/* Run one DER case through tnauthlist_parse. */
static void
check_der(const char *name, const unsigned char *der, size_t len,
    enum prob want, const char *wanttn)
{
	char		 tn[TN_MAX + 1], detail[DETAIL_MAX];
	enum prob	 p;

	memset(tn, 'x', sizeof(tn));
	detail[0] = '\0';
	p = tnauthlist_parse(der, len, tn, detail, sizeof(detail));
	if (p != want)
		fail_msg("%s: got prob %d (%s), want %d", name, p, detail,
		    want);
	if (p == PROB_NONE) {
		if (wanttn != NULL && strcmp(tn, wanttn) != 0)
			fail_msg("%s: tn %s, want %s", name, tn, wanttn);
	} else {
		if (tn[0] != '\0')
			fail_msg("%s: tn not emptied on failure", name);
		if (detail[0] == '\0')
			fail_msg("%s: no detail", name);
	}
}

static void
test_hostile_der(void **state)
{
	unsigned char	 der[256];
	size_t		 i, len;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		len = unhex(hostile[i].hex, der, sizeof(der));
		check_der(hostile[i].name, der, len, hostile[i].want,
		    hostile[i].tn);
	}
}

/* Every prefix of the valid DER is refused, and so is every single-octet
 * change that still decodes, unless it only alters a digit. */
static void
test_mutations(void **state)
{
	unsigned char	 der[64], m[64];
	char		 tn[TN_MAX + 1];
	size_t		 len, i, bit;
	enum prob	 p;

	(void)state;
	len = unhex(DER_VALID, der, sizeof(der));
	for (i = 0; i < len; i++)
		check_der("prefix", der, i, PROB_MALFORMED, NULL);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, der, len);
			m[i] ^= (unsigned char)(1u << bit);
			p = tnauthlist_parse(m, len, tn, NULL, 0);
			if (i >= 6 && p == PROB_NONE)
				assert_int_equal(strlen(tn), 11);
			else if (i < 6)
				assert_int_not_equal(p, PROB_NONE);
		}
	}
}

static void
test_vector_single(void **state)
{
	struct json_object	*v, *single, *ident;
	unsigned char		 der[TNAUTHLIST_DER_MAX], want[64], ext[64];
	char			 tn[TN_MAX + 1], detail[DETAIL_MAX];
	const char		*value;
	size_t			 derlen, wantlen, extlen;

	(void)state;
	v = vec_load("tnauthlist.json");
	single = vec_member(v, "single_tn");
	wantlen = unhex(vec_str(single, "der_hex"), want, sizeof(want));
	check_der("single_tn", want, wantlen, PROB_NONE, vec_str(single, "tn"));

	ident = vec_member(single, "identifier");
	assert_string_equal(vec_str(ident, "type"), "TNAuthList");
	value = vec_str(ident, "value");
	derlen = sizeof(der);
	assert_int_equal(tnauthlist_ident_parse(value, strlen(value), der,
	    &derlen, tn, detail, sizeof(detail)), PROB_NONE);
	assert_int_equal(derlen, wantlen);
	assert_memory_equal(der, want, wantlen);
	assert_string_equal(tn, vec_str(single, "tn"));

	derlen = sizeof(der);
	assert_int_equal(tnauthlist_encode(vec_str(single, "tn"), der, &derlen),
	    0);
	assert_int_equal(derlen, wantlen);
	assert_memory_equal(der, want, wantlen);

	/* The extension vector ends with the same DER. */
	extlen = unhex(vec_str(single, "certificate_extension_der_hex"), ext,
	    sizeof(ext));
	assert_true(extlen > wantlen);
	assert_memory_equal(ext + extlen - wantlen, want, wantlen);
	json_object_put(v);
}

static void
test_vector_rejected(void **state)
{
	struct json_object	*v, *arr, *c;
	unsigned char		 der[TNAUTHLIST_DER_MAX], hex[64];
	char			 tn[TN_MAX + 1], detail[DETAIL_MAX];
	const char		*value;
	size_t			 i, derlen, hexlen;
	enum prob		 want, p;

	(void)state;
	v = vec_load("tnauthlist.json");
	arr = vec_member(v, "rejected_by_profile");
	assert_true(json_object_array_length(arr) >= 4);
	for (i = 0; i < json_object_array_length(arr); i++) {
		c = json_object_array_get_idx(arr, i);
		want = prob_of_type(vec_str(c, "expect_type"));
		hexlen = unhex(vec_str(c, "der_hex"), hex, sizeof(hex));
		check_der(vec_str(c, "name"), hex, hexlen, want, NULL);
		value = vec_str(c, "value");
		derlen = sizeof(der);
		p = tnauthlist_ident_parse(value, strlen(value), der, &derlen,
		    tn, detail, sizeof(detail));
		if (p != want)
			fail_msg("%s: ident got %d, want %d", vec_str(c, "name"),
			    p, want);
		assert_int_equal(derlen, 0);
	}
	json_object_put(v);
}

static void
test_vector_malformed(void **state)
{
	struct json_object	*v, *arr, *c;
	unsigned char		 der[TNAUTHLIST_DER_MAX];
	char			 tn[TN_MAX + 1], detail[DETAIL_MAX];
	const char		*value;
	size_t			 i, derlen;
	enum prob		 p, want;

	(void)state;
	v = vec_load("tnauthlist.json");
	arr = vec_member(v, "malformed");
	assert_true(json_object_array_length(arr) >= 3);
	for (i = 0; i < json_object_array_length(arr); i++) {
		c = json_object_array_get_idx(arr, i);
		want = prob_of_type(vec_str(c, "expect_type"));
		value = vec_str(c, "value");
		derlen = sizeof(der);
		detail[0] = '\0';
		p = tnauthlist_ident_parse(value, strlen(value), der, &derlen,
		    tn, detail, sizeof(detail));
		if (p != want)
			fail_msg("%s: got %d, want %d", vec_str(c, "name"), p,
			    want);
		assert_int_equal(derlen, 0);
		assert_string_equal(tn, "");
		assert_true(detail[0] != '\0');
	}
	json_object_put(v);
}

static void
test_ident_bounds(void **state)
{
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	char		 tn[TN_MAX + 1], detail[DETAIL_MAX], big[200];
	size_t		 derlen;

	(void)state;
	derlen = sizeof(der);
	assert_int_equal(tnauthlist_ident_parse("", 0, der, &derlen, tn,
	    detail, sizeof(detail)), PROB_MALFORMED);
	memset(big, 'A', sizeof(big));
	derlen = sizeof(der);
	assert_int_equal(tnauthlist_ident_parse(big, IDENT_VALUE_MAX + 1, der,
	    &derlen, tn, detail, sizeof(detail)), PROB_MALFORMED);
	/* Capacity smaller than the value decodes to. */
	derlen = 16;
	assert_int_equal(tnauthlist_ident_parse("MA-iDRYLMTIwMjU1NTAxMjM", 23,
	    der, &derlen, tn, detail, sizeof(detail)), PROB_MALFORMED);
	assert_int_equal(derlen, 0);
	derlen = 17;
	assert_int_equal(tnauthlist_ident_parse("MA-iDRYLMTIwMjU1NTAxMjM", 23,
	    der, &derlen, tn, detail, sizeof(detail)), PROB_NONE);
	assert_int_equal(derlen, 17);
	/* Embedded NUL, whitespace, trailing garbage. */
	derlen = sizeof(der);
	assert_int_equal(tnauthlist_ident_parse("MA-iDRYLMTIwMjU1NTAx\0jM", 23,
	    der, &derlen, tn, detail, sizeof(detail)), PROB_MALFORMED);
	derlen = sizeof(der);
	assert_int_equal(tnauthlist_ident_parse("MA-iDRYLMTIwMjU1NTAxMjM ", 24,
	    der, &derlen, tn, detail, sizeof(detail)), PROB_MALFORMED);
	derlen = sizeof(der);
	assert_int_equal(tnauthlist_ident_parse("MA-iDRYLMTIwMjU1NTAxMjMA", 24,
	    der, &derlen, tn, detail, sizeof(detail)), PROB_MALFORMED);
	/* A NULL detail is allowed. */
	derlen = sizeof(der);
	assert_int_equal(tnauthlist_ident_parse("MAeiBRYDKjY3", 12, der,
	    &derlen, tn, NULL, 0), PROB_REJECTED_IDENTIFIER);
}

static void
test_detail_text(void **state)
{
	unsigned char	 der[64];
	char		 tn[TN_MAX + 1], detail[DETAIL_MAX];
	size_t		 len;

	(void)state;
	len = unhex("301ea20d160b3132303235353530313233"
	    "a20d160b3132303235353530313234", der, sizeof(der));
	tnauthlist_parse(der, len, tn, detail, sizeof(detail));
	assert_string_equal(detail, "TNAuthList holds 2 entries; exactly one "
	    "telephone number is accepted");
	/* Truncated to the buffer, still terminated. */
	tnauthlist_parse(der, len, tn, detail, 8);
	assert_string_equal(detail, "TNAuthL");
}

static void
test_encode(void **state)
{
	static const char *const good[] = { "1", "44", "12025550123",
	    "123456789012345", "000000000000000" };
	static const char *const bad[] = { "", "1234567890123456", "+1202",
	    "12*67", "12#", "12 34", "1a" };
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	char		 tn[TN_MAX + 1];
	size_t		 i, len;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		len = sizeof(der);
		assert_int_equal(tnauthlist_encode(good[i], der, &len), 0);
		assert_int_equal(len, 4 + 2 + strlen(good[i]));
		/* Encoding takes any 1-15 digits; the profile only E.164. */
		if (strlen(good[i]) < TN_MIN || good[i][0] == '0') {
			assert_int_equal(tnauthlist_parse(der, len, tn, NULL,
			    0), PROB_REJECTED_IDENTIFIER);
			continue;
		}
		assert_int_equal(tnauthlist_parse(der, len, tn, NULL, 0),
		    PROB_NONE);
		assert_string_equal(tn, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = sizeof(der);
		assert_int_equal(tnauthlist_encode(bad[i], der, &len), -1);
	}
	len = 16;	/* one short of the 17 octets needed */
	assert_int_equal(tnauthlist_encode(TN_VALID, der, &len), -1);
}

static void
test_prefix(void **state)
{
	static const char *const cc[] = { "1", "44", "", NULL };

	(void)state;
	assert_int_equal(tnauthlist_prefix_allowed(TN_VALID, NULL, 0), 1);
	assert_int_equal(tnauthlist_prefix_allowed(TN_VALID, cc, 4), 1);
	assert_int_equal(tnauthlist_prefix_allowed("447700900123", cc, 4), 1);
	assert_int_equal(tnauthlist_prefix_allowed("33612345678", cc, 4), 0);
	assert_int_equal(tnauthlist_prefix_allowed("4", cc, 4), 0);
	assert_int_equal(tnauthlist_prefix_allowed("33612345678", cc + 2, 2),
	    0);
}

/* Not E.164: a leading 0 (no country code starts with one)
 * and fewer than TN_MIN digits are rejectedIdentifier; the shortest
 * accepted number has TN_MIN digits. */
static void
test_e164(void **state)
{
	static const struct {
		const char	*tn;
		enum prob	 want;
	} cases[] = {
		{ "012025550123", PROB_REJECTED_IDENTIFIER },
		{ "0012025550123", PROB_REJECTED_IDENTIFIER },
		{ "000000000000000", PROB_REJECTED_IDENTIFIER },
		{ "0", PROB_REJECTED_IDENTIFIER },
		{ "1", PROB_REJECTED_IDENTIFIER },
		{ "683400", PROB_REJECTED_IDENTIFIER },
		{ "6834002", PROB_NONE },
		{ "12025550123", PROB_NONE },
		{ "999999999999999", PROB_NONE },
	};
	unsigned char	 der[64];
	char		 tn[TN_MAX + 1], detail[DETAIL_MAX];
	size_t		 i, n;
	enum prob	 p;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].tn);
		der[0] = 0x30;
		der[1] = (unsigned char)(n + 4);
		der[2] = 0xa2;
		der[3] = (unsigned char)(n + 2);
		der[4] = 0x16;
		der[5] = (unsigned char)n;
		memcpy(der + 6, cases[i].tn, n);
		detail[0] = '\0';
		p = tnauthlist_parse(der, n + 6, tn, detail, sizeof(detail));
		if (p != cases[i].want)
			fail_msg("%s: got %d, want %d (%s)", cases[i].tn, p,
			    cases[i].want, detail);
		if (p == PROB_NONE)
			assert_string_equal(tn, cases[i].tn);
		else {
			assert_string_equal(tn, "");
			assert_true(detail[0] != '\0');
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_der),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_vector_single),
		cmocka_unit_test(test_vector_rejected),
		cmocka_unit_test(test_vector_malformed),
		cmocka_unit_test(test_ident_bounds),
		cmocka_unit_test(test_detail_text),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_e164),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of lib/base/b64url.c: RFC 4648 vectors in the base64url alphabet,
 * strict refusal of padding, whitespace and foreign characters, buffer
 * bounds, canonical trailing bits and random round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "b64url.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct vec {
	const char	*plain;
	size_t		 plainlen;
	const char	*enc;
};

/* RFC 4648 section 10, without padding, plus octets that need - and _. */
static const struct vec vectors[] = {
	{ "", 0, "" },
	{ "f", 1, "Zg" },
	{ "fo", 2, "Zm8" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg" },
	{ "fooba", 5, "Zm9vYmE" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xfb\xff", 2, "-_8" },
	{ "\xff\xff\xff", 3, "____" },
	{ "\xfb\xef\xbe", 3, "----" },
	{ "\x00", 1, "AA" },
	{ "\x00\x00\x00", 3, "AAAA" },
	{ "\x14\xfb\x9c\x03\xd9\x7e", 6, "FPucA9l-" },
	{ "\x14\xfb\x9c\x03\xd9", 5, "FPucA9k" },
	{ "\x14\xfb\x9c\x03", 4, "FPucAw" },
};

struct bad {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
};

/* Refused by both b64url_decode and b64url_valid. */
static const struct bad hostile[] = {
	{ "pad-2", "Zg==", 0 },
	{ "pad-1", "Zm8=", 0 },
	{ "pad-only", "====", 0 },
	{ "pad-middle", "Zm=v", 0 },
	{ "pad-after-full", "Zm9v=", 0 },
	{ "pad-after-full-2", "Zm9v==", 0 },
	{ "newline-end", "Zm9v\n", 0 },
	{ "crlf-middle", "Zm9v\r\nYmFy", 0 },
	{ "space-front", " Zm9v", 0 },
	{ "space-middle", "Zm 9v", 0 },
	{ "tab-end", "Zm9v\t", 0 },
	{ "plus", "Zm+v", 0 },
	{ "slash", "Zm/v", 0 },
	{ "std-alphabet", "+/+/", 0 },
	{ "dot", "Zm.v", 0 },
	{ "nul-middle", "Zm\0v", 4 },
	{ "nul-end", "Zm9v\0", 5 },
	{ "nul-only", "\0\0", 2 },
	{ "high-octet", "Zm\x80v", 0 },
	{ "octet-ff", "Zm\xffv", 0 },
	{ "utf8-letter", "Zm\xc3\xa9v", 0 },
	{ "percent", "Zm%3D", 0 },
	{ "len-mod4-1", "Zm9vY", 0 },
	{ "len-1", "A", 0 },
	{ "len-5", "AAAAA", 0 },
	{ "len-9", "AAAAAAAAA", 0 },
	{ "trailing-bits-2", "Zh", 0 },		/* 'h' has low bits set */
	{ "trailing-bits-2b", "Z_", 0 },
	{ "trailing-bits-3", "Zm9", 0 },	/* canonical is "Zm8" */
	{ "trailing-bits-3b", "Zm_", 0 },
	{ "trailing-bits-7", "Zm9vYmF", 0 },	/* canonical is "Zm9vYmE" */
	{ "trailing-bits-6", "Zm9vYh", 0 },	/* canonical is "Zm9vYg" */
};

static void
test_encode_vectors(void **state)
{
	char	 out[64];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		n = b64url_encode((const unsigned char *)vectors[i].plain,
		    vectors[i].plainlen, out, sizeof(out));
		assert_int_equal(n, strlen(vectors[i].enc));
		assert_string_equal(out, vectors[i].enc);
		assert_int_equal(B64URL_LEN(vectors[i].plainlen), n);
	}
}

static void
test_decode_vectors(void **state)
{
	unsigned char	 out[64], *a;
	size_t		 i, len;
	ssize_t		 n;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		len = strlen(vectors[i].enc);
		n = b64url_decode(vectors[i].enc, len, out, sizeof(out));
		assert_int_equal(n, (ssize_t)vectors[i].plainlen);
		assert_memory_equal(out, vectors[i].plain,
		    vectors[i].plainlen);
		/* Exactly enough room is enough. */
		n = b64url_decode(vectors[i].enc, len, out,
		    vectors[i].plainlen);
		assert_int_equal(n, (ssize_t)vectors[i].plainlen);
		n = b64url_decode_alloc(vectors[i].enc, len, &a);
		assert_int_equal(n, (ssize_t)vectors[i].plainlen);
		assert_non_null(a);
		assert_memory_equal(a, vectors[i].plain, vectors[i].plainlen);
		assert_int_equal(a[n], '\0');
		free(a);
		assert_int_equal(b64url_valid(vectors[i].enc, len), len > 0);
	}
}

static void
test_hostile(void **state)
{
	unsigned char	 out[64], *a;
	size_t		 i, len;
	ssize_t		 n;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		len = hostile[i].len ? hostile[i].len : strlen(hostile[i].in);
		n = b64url_decode(hostile[i].in, len, out, sizeof(out));
		if (n != -1)
			fail_msg("%s: decode accepted (%zd)", hostile[i].name,
			    n);
		if (b64url_valid(hostile[i].in, len))
			fail_msg("%s: valid accepted", hostile[i].name);
		a = (unsigned char *)"sentinel";
		if (b64url_decode_alloc(hostile[i].in, len, &a) != -1 ||
		    a != NULL)
			fail_msg("%s: decode_alloc accepted", hostile[i].name);
	}
}

static void
test_valid(void **state)
{
	(void)state;
	assert_false(b64url_valid("", 0));
	assert_true(b64url_valid("AA", 2));
	assert_true(b64url_valid("AAA", 3));
	assert_true(b64url_valid("AAAA", 4));
	assert_true(b64url_valid("-_-_", 4));
	/* The length given counts, not the NUL. */
	assert_true(b64url_valid("Zm9vYmFy", 4));
	assert_false(b64url_valid("Zm9vYmFy", 5));
	/* A nonce as this server issues it: 32 characters. */
	assert_true(b64url_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 32));
}

static void
test_encode_small(void **state)
{
	char	 out[16];

	(void)state;
	/* "foobar" needs 8 characters and the NUL. */
	memset(out, 'x', sizeof(out));
	assert_int_equal(b64url_encode((const unsigned char *)"foobar", 6,
	    out, 8), 0);
	assert_int_equal(out[0], '\0');
	assert_int_equal(b64url_encode((const unsigned char *)"foobar", 6,
	    out, 9), 8);
	assert_string_equal(out, "Zm9vYmFy");
	/* No room at all: nothing written. */
	out[0] = 'x';
	assert_int_equal(b64url_encode((const unsigned char *)"f", 1, out, 0),
	    0);
	assert_int_equal(out[0], 'x');
	/* Room for the NUL only. */
	assert_int_equal(b64url_encode((const unsigned char *)"f", 1, out, 1),
	    0);
	assert_int_equal(out[0], '\0');
	assert_int_equal(b64url_encode((const unsigned char *)"", 0, out, 1),
	    0);
	assert_string_equal(out, "");
	/* One short for "Zg". */
	assert_int_equal(b64url_encode((const unsigned char *)"f", 1, out, 2),
	    0);
	assert_int_equal(out[0], '\0');
}

static void
test_decode_small(void **state)
{
	unsigned char	 out[8];

	(void)state;
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(b64url_decode("Zm9vYmFy", 8, out, 5), -1);
	assert_int_equal(b64url_decode("Zm9vYmE", 7, out, 4), -1);
	assert_int_equal(b64url_decode("Zg", 2, out, 0), -1);
	assert_int_equal(b64url_decode("", 0, out, 0), 0);
	/* A refused decode never writes past outsz. */
	assert_int_equal(out[5], 0xaa);
	assert_int_equal(b64url_decode("Zm9vYmFy", 8, out, 6), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(out[6], 0xaa);
}

/* Every accepted string of 2 and 3 characters (over the alphabet plus
 * foreign characters) re-encodes to itself: decoding is canonical. */
static void
test_canonical_exhaustive(void **state)
{
	static const char extra[] = "=+/. \t\n\x80\xff";
	char		 set[sizeof(alphabet) + sizeof(extra) + 1], in[4],
			 again[8];
	unsigned char	 out[4];
	size_t		 nset, a, b, c, accepted = 0;
	ssize_t		 n;

	(void)state;
	nset = 0;
	memcpy(set, alphabet, sizeof(alphabet) - 1);
	nset = sizeof(alphabet) - 1;
	memcpy(set + nset, extra, sizeof(extra) - 1);
	nset += sizeof(extra) - 1;
	set[nset++] = '\0';
	for (a = 0; a < nset; a++)
		for (b = 0; b < nset; b++) {
			in[0] = set[a];
			in[1] = set[b];
			n = b64url_decode(in, 2, out, sizeof(out));
			assert_int_equal(n != -1, b64url_valid(in, 2));
			if (n == -1)
				continue;
			assert_int_equal(n, 1);
			accepted++;
			b64url_encode(out, 1, again, sizeof(again));
			assert_memory_equal(again, in, 2);
			for (c = 0; c < nset; c++) {
				in[2] = set[c];
				n = b64url_decode(in, 3, out, sizeof(out));
				assert_int_equal(n != -1,
				    b64url_valid(in, 3));
				if (n == -1)
					continue;
				assert_int_equal(n, 2);
				b64url_encode(out, 2, again, sizeof(again));
				assert_memory_equal(again, in, 3);
			}
		}
	/* 64 first characters times 4 canonical second characters. */
	assert_int_equal(accepted, 256);
}

static void
test_round_trip_random(void **state)
{
	unsigned char	 plain[300], back[300], *a;
	char		 enc[B64URL_LEN(300) + 1];
	size_t		 len, i, n;
	int		 round;
	ssize_t		 m;

	(void)state;
	srand(4648);
	for (round = 0; round < 20; round++)
		for (len = 0; len <= sizeof(plain); len++) {
			for (i = 0; i < len; i++)
				plain[i] = (unsigned char)rand();
			n = b64url_encode(plain, len, enc, sizeof(enc));
			assert_int_equal(n, B64URL_LEN(len));
			assert_int_equal(strlen(enc), n);
			assert_int_equal(strspn(enc, alphabet), n);
			assert_int_equal(b64url_valid(enc, n), len > 0);
			m = b64url_decode(enc, n, back, sizeof(back));
			assert_int_equal(m, (ssize_t)len);
			assert_memory_equal(back, plain, len);
			m = b64url_decode_alloc(enc, n, &a);
			assert_int_equal(m, (ssize_t)len);
			assert_memory_equal(a, plain, len);
			free(a);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_vectors),
		cmocka_unit_test(test_decode_vectors),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_encode_small),
		cmocka_unit_test(test_decode_small),
		cmocka_unit_test(test_canonical_exhaustive),
		cmocka_unit_test(test_round_trip_random),
	};

	return cmocka_run_group_tests_name("b64url", tests, NULL, NULL);
}

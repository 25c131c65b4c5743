/* Unit tests of lib/base/crypt.c: uniform draws (the SMS code), constant-time
 * comparison, sealing of the outbox text, ids, and the hash and MAC
 * against published vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "crypt.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
hex(const unsigned char *p, size_t len, char *out)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void
test_uniform_digits(void **state)
{
	long	 seen[10], v;
	int	 i, draws = 100000;

	(void)state;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < draws; i++) {
		v = crypt_uniform(10);
		assert_in_range(v, 0, 9);
		seen[v]++;
	}
	/* Each digit near draws / 10: 10% is more than 10 standard
	 * deviations, so this does not flake. */
	for (i = 0; i < 10; i++)
		if (seen[i] < draws / 10 * 9 / 10 || seen[i] > draws / 10 *
		    11 / 10)
			fail_msg("digit %d drawn %ld times of %d", i, seen[i],
			    draws);
}

static void
test_uniform_bounds(void **state)
{
	static const unsigned long bounds[] = { 1, 2, 3, 7, 1000000,
	    0x80000001UL, 0xfffffffeUL, 0xffffffffUL };
	long		 v, hi;
	size_t		 b;
	int		 i;

	(void)state;
	assert_int_equal(crypt_uniform(0), -1);
	if (sizeof(unsigned long) > 4)
		assert_int_equal(crypt_uniform((unsigned long)UINT32_MAX + 1),
		    -1);
	for (b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
		hi = 0;
		for (i = 0; i < 2000; i++) {
			v = crypt_uniform(bounds[b]);
			if (v < 0 || (unsigned long)v >= bounds[b])
				fail_msg("bound %lu gave %ld", bounds[b], v);
			if (v > hi)
				hi = v;
		}
		/* The upper half of the range is reached. */
		if (bounds[b] > 1 && (unsigned long)hi < bounds[b] / 2)
			fail_msg("bound %lu: never above %ld", bounds[b], hi);
	}
	/* A six-digit code covers leading zeros too. */
	for (i = 0, hi = 0; i < 20000 && !hi; i++)
		hi = crypt_uniform(1000000) < 100000;
	assert_true(hi);
}

static void
test_equal(void **state)
{
	unsigned char	 a[32], b[32];
	size_t		 i;
	int		 bit;

	(void)state;
	for (i = 0; i < sizeof(a); i++)
		a[i] = (unsigned char)(i * 7 + 1);
	memcpy(b, a, sizeof(a));
	assert_int_equal(crypt_equal(a, b, sizeof(a)), 1);
	assert_int_equal(crypt_equal(a, b, 0), 1);
	assert_int_equal(crypt_equal("abc", "abd", 2), 1);
	assert_int_equal(crypt_equal("abc", "abd", 3), 0);
	for (i = 0; i < sizeof(a); i++)
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (unsigned char)(1 << bit);
			if (crypt_equal(a, b, sizeof(a)) != 0)
				fail_msg("octet %zu bit %d not seen", i, bit);
			b[i] ^= (unsigned char)(1 << bit);
		}
	assert_int_equal(crypt_equal(a, b, sizeof(a)), 1);
}

static void
test_sha256_hmac(void **state)
{
	unsigned char	 h[SHA256_LEN], key[20];
	char		 x[2 * SHA256_LEN + 1];

	(void)state;
	/* FIPS 180-2 "abc" and the empty message. */
	assert_int_equal(crypt_sha256("abc", 3, h), 0);
	hex(h, sizeof(h), x);
	assert_string_equal(x, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(crypt_sha256("", 0, h), 0);
	hex(h, sizeof(h), x);
	assert_string_equal(x, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	/* RFC 4231 test cases 1 and 2. */
	memset(key, 0x0b, sizeof(key));
	assert_int_equal(crypt_hmac(key, 20, "Hi There", 8, h), 0);
	hex(h, sizeof(h), x);
	assert_string_equal(x, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	assert_int_equal(crypt_hmac("Jefe", 4, "what do ya want for nothing?",
	    28, h), 0);
	hex(h, sizeof(h), x);
	assert_string_equal(x, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
}

static void
test_random(void **state)
{
	unsigned char	 a[64], b[64];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(crypt_random(a, sizeof(a)), 0);
	assert_int_equal(crypt_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(crypt_random(a, 0), 0);
}

static void
test_seal_round_trip(void **state)
{
	unsigned char	 secret[32], plain[600], sealed[600 +
			 CRYPT_SEAL_OVERHEAD], back[600], sealed2[64];
	size_t		 len;
	long		 n, m;

	(void)state;
	memset(secret, 0x42, sizeof(secret));
	for (len = 0; len <= sizeof(plain); len += len < 40 ? 1 : 37) {
		assert_int_equal(crypt_random(plain, len), 0);
		n = crypt_seal(secret, plain, len, sealed, sizeof(sealed));
		assert_int_equal(n, (long)(len + CRYPT_SEAL_OVERHEAD));
		m = crypt_open(secret, sealed, (size_t)n, back, sizeof(back));
		assert_int_equal(m, (long)len);
		assert_memory_equal(back, plain, len);
		/* Exactly enough room on both sides. */
		assert_int_equal(crypt_seal(secret, plain, len, sealed,
		    len + CRYPT_SEAL_OVERHEAD), n);
		assert_int_equal(crypt_open(secret, sealed, (size_t)n, back,
		    len), (long)len);
	}
	/* The same text seals differently each time (fresh nonce). */
	n = crypt_seal(secret, "123456", 6, sealed, sizeof(sealed));
	m = crypt_seal(secret, "123456", 6, sealed2, sizeof(sealed2));
	assert_int_equal(n, m);
	assert_memory_not_equal(sealed, sealed2, (size_t)n);
	/* The text does not appear in clear. */
	assert_null(memmem(sealed, (size_t)n, "123456", 6));
}

static void
test_seal_tamper(void **state)
{
	unsigned char	 secret[32], other[32], sealed[128], back[128];
	const char	*text = "Your code is 123456";
	size_t		 len = strlen(text), i;
	long		 n;
	int		 bit;

	(void)state;
	memset(secret, 0x42, sizeof(secret));
	memcpy(other, secret, sizeof(other));
	other[31] ^= 1;
	n = crypt_seal(secret, text, len, sealed, sizeof(sealed));
	assert_int_equal(n, (long)(len + CRYPT_SEAL_OVERHEAD));
	/* Any flipped bit, in the nonce, the text or the tag. */
	for (i = 0; i < (size_t)n; i++)
		for (bit = 0; bit < 8; bit += 3) {
			sealed[i] ^= (unsigned char)(1 << bit);
			if (crypt_open(secret, sealed, (size_t)n, back,
			    sizeof(back)) != -1)
				fail_msg("octet %zu bit %d: tamper accepted",
				    i, bit);
			sealed[i] ^= (unsigned char)(1 << bit);
		}
	assert_int_equal(crypt_open(secret, sealed, (size_t)n, back,
	    sizeof(back)), (long)len);
	/* Another secret. */
	assert_int_equal(crypt_open(other, sealed, (size_t)n, back,
	    sizeof(back)), -1);
	/* Truncated, extended, too short to hold nonce and tag. */
	assert_int_equal(crypt_open(secret, sealed, (size_t)n - 1, back,
	    sizeof(back)), -1);
	sealed[n] = 0;
	assert_int_equal(crypt_open(secret, sealed, (size_t)n + 1, back,
	    sizeof(back)), -1);
	assert_int_equal(crypt_open(secret, sealed, CRYPT_SEAL_OVERHEAD - 1,
	    back, sizeof(back)), -1);
	assert_int_equal(crypt_open(secret, sealed, 0, back, sizeof(back)),
	    -1);
	/* No room for the text. */
	assert_int_equal(crypt_open(secret, sealed, (size_t)n, back, len - 1),
	    -1);
	/* Seal with no room for nonce and tag. */
	assert_int_equal(crypt_seal(secret, text, len, sealed, len +
	    CRYPT_SEAL_OVERHEAD - 1), -1);
	assert_int_equal(crypt_seal(secret, text, len, sealed, 0), -1);
	assert_int_equal(crypt_seal(secret, text, len, sealed, 4), -1);
}

static void
test_id(void **state)
{
	char	 ids[500][ID_LEN + 1], small[ID_LEN];
	int	 i, k;

	(void)state;
	for (i = 0; i < 500; i++) {
		assert_int_equal(crypt_id(ids[i], sizeof(ids[i])), 0);
		assert_int_equal(strlen(ids[i]), ID_LEN);
		assert_int_equal(strspn(ids[i], alphabet), ID_LEN);
		for (k = 0; k < i; k++)
			assert_string_not_equal(ids[i], ids[k]);
	}
	/* No room for the NUL. */
	assert_int_equal(crypt_id(small, sizeof(small)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uniform_digits),
		cmocka_unit_test(test_uniform_bounds),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_sha256_hmac),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_seal_round_trip),
		cmocka_unit_test(test_seal_tamper),
		cmocka_unit_test(test_id),
	};

	return cmocka_run_group_tests_name("crypt", tests, NULL, NULL);
}

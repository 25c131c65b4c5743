/* Unit tests of lib/server/nonce.c (RFC 8555 6.5): nonces good once, refused
 * when tampered, cut, expired, from the future or from another secret.
 * The module is included to reach nonce_mac; the store is a temporary
 * Berkeley DB environment. */
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#include "../../lib/server/nonce.c"

#define NOW	1750000000

struct fx {
	char		 dir[64];
	char		 db[96];
	struct server	 srv;
	struct server	 other;
};

static int
setup(void **state)
{
	struct fx	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/idprover-nonce.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	if ((f->srv.st = store_open(f->db, 1)) == NULL ||
	    crypt_random(f->srv.secret, sizeof(f->srv.secret)) == -1) {
		hx_rmtree(f->dir);
		free(f);
		return -1;
	}
	f->other = f->srv;
	f->other.secret[0] ^= 0x80;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	store_close(f->srv.st);
	hx_rmtree(f->dir);
	free(f);
	return 0;
}

/* nonce_use in its own transaction, at time now, by server srv. */
static enum prob
use(struct fx *f, struct server *srv, const char *nonce, time_t now)
{
	struct req	 r;
	enum prob	 p;

	memset(&r, 0, sizeof(r));
	r.srv = srv;
	r.st = srv->st;
	r.now = now;
	assert_int_equal(store_begin(r.st), STORE_OK);
	p = nonce_use(&r, nonce);
	if (p == PROB_NONE)
		assert_int_equal(store_commit(r.st, 0), STORE_OK);
	else {
		assert_true(r.detail[0] != '\0');
		store_abort(r.st);
	}
	(void)f;
	return p;
}

static void
fresh(struct server *srv, time_t t, char out[NONCE_LEN + 1])
{
	assert_int_equal(nonce_new(srv, t, out), 0);
	assert_int_equal(strlen(out), NONCE_LEN);
	assert_true(b64url_valid(out, NONCE_LEN));
}

static void
test_once(void **state)
{
	struct fx	*f = *state;
	char		 n[NONCE_LEN + 1], m[NONCE_LEN + 1];

	fresh(&f->srv, NOW, n);
	fresh(&f->srv, NOW, m);
	assert_string_not_equal(n, m);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_NONE);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_BAD_NONCE);
	assert_int_equal(use(f, &f->srv, n, NOW + 10), PROB_BAD_NONCE);
	assert_int_equal(use(f, &f->srv, m, NOW + 10), PROB_NONE);
	assert_int_equal(use(f, &f->srv, m, NOW + 10), PROB_BAD_NONCE);
}

/* Refused nonces leave no trace: the genuine one still works. */
static void
test_tampered(void **state)
{
	struct fx	*f = *state;
	unsigned char	 raw[NONCE_RAW_LEN], bad[NONCE_RAW_LEN];
	char		 n[NONCE_LEN + 1], t[NONCE_LEN + 1];
	size_t		 i;
	int		 bit;

	fresh(&f->srv, NOW, n);
	assert_int_equal(b64url_decode(n, NONCE_LEN, raw, sizeof(raw)),
	    NONCE_RAW_LEN);
	/* Any flipped bit: time, random part or MAC. */
	for (i = 0; i < NONCE_RAW_LEN; i++)
		for (bit = 0; bit < 8; bit += 7) {
			memcpy(bad, raw, sizeof(bad));
			bad[i] ^= (unsigned char)(1 << bit);
			b64url_encode(bad, sizeof(bad), t, sizeof(t));
			if (use(f, &f->srv, t, NOW) != PROB_BAD_NONCE)
				fail_msg("octet %zu bit %d: accepted", i, bit);
		}
	/* A MAC of zeros. */
	memcpy(bad, raw, sizeof(bad));
	memset(bad + NONCE_BODY, 0, NONCE_MAC);
	b64url_encode(bad, sizeof(bad), t, sizeof(t));
	assert_int_equal(use(f, &f->srv, t, NOW), PROB_BAD_NONCE);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_NONE);
}

static void
test_shape(void **state)
{
	struct fx	*f = *state;
	char		 n[NONCE_LEN + 1], t[NONCE_LEN + 8];

	fresh(&f->srv, NOW, n);
	/* One short, one long, padded, empty. */
	snprintf(t, sizeof(t), "%.*s", NONCE_LEN - 1, n);
	assert_int_equal(use(f, &f->srv, t, NOW), PROB_BAD_NONCE);
	snprintf(t, sizeof(t), "%sA", n);
	assert_int_equal(use(f, &f->srv, t, NOW), PROB_BAD_NONCE);
	snprintf(t, sizeof(t), "%sAAAA", n);
	assert_int_equal(use(f, &f->srv, t, NOW), PROB_BAD_NONCE);
	snprintf(t, sizeof(t), "%.*s==", NONCE_LEN - 2, n);
	assert_int_equal(use(f, &f->srv, t, NOW), PROB_BAD_NONCE);
	assert_int_equal(use(f, &f->srv, "", NOW), PROB_BAD_NONCE);
	/* Right length, foreign characters. */
	snprintf(t, sizeof(t), "%s", n);
	t[5] = '+';
	assert_int_equal(use(f, &f->srv, t, NOW), PROB_BAD_NONCE);
	t[5] = '.';
	assert_int_equal(use(f, &f->srv, t, NOW), PROB_BAD_NONCE);
	/* The 22-character shape of other servers' nonces. */
	assert_int_equal(use(f, &f->srv, "Q_s3MWoqT05TrdkM2MTDcw", NOW),
	    PROB_BAD_NONCE);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_NONE);
}

static void
test_lifetime(void **state)
{
	struct fx	*f = *state;
	char		 n[NONCE_LEN + 1];

	/* Issued NONCE_LIFETIME ago: still good; one second more: not. */
	fresh(&f->srv, NOW - NONCE_LIFETIME, n);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_NONE);
	fresh(&f->srv, NOW - NONCE_LIFETIME - 1, n);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_BAD_NONCE);
	fresh(&f->srv, NOW - 30 * 86400, n);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_BAD_NONCE);
	fresh(&f->srv, 0, n);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_BAD_NONCE);
	/* From the future: a minute of clock skew between processes, no
	 * more. */
	fresh(&f->srv, NOW + 60, n);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_NONE);
	fresh(&f->srv, NOW + 61, n);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_BAD_NONCE);
	fresh(&f->srv, NOW + 86400, n);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_BAD_NONCE);
	/* The one refused as too new is good once its time comes. */
	assert_int_equal(use(f, &f->srv, n, NOW + 86400), PROB_NONE);
}

static void
test_other_secret(void **state)
{
	struct fx	*f = *state;
	char		 n[NONCE_LEN + 1];

	fresh(&f->other, NOW, n);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_BAD_NONCE);
	assert_int_equal(use(f, &f->other, n, NOW), PROB_NONE);
	fresh(&f->srv, NOW, n);
	assert_int_equal(use(f, &f->other, n, NOW), PROB_BAD_NONCE);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_NONE);
}

/* Used nonces stay used when the store is closed and opened again. */
static void
test_reopen(void **state)
{
	struct fx	*f = *state;
	char		 n[NONCE_LEN + 1];

	fresh(&f->srv, NOW, n);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_NONE);
	store_close(f->srv.st);
	f->srv.st = store_open(f->db, 0);
	assert_non_null(f->srv.st);
	assert_int_equal(use(f, &f->srv, n, NOW + 100), PROB_BAD_NONCE);
}

/* A transaction that aborts after nonce_use does not consume it. */
static void
test_abort(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	char		 n[NONCE_LEN + 1];

	fresh(&f->srv, NOW, n);
	memset(&r, 0, sizeof(r));
	r.srv = &f->srv;
	r.st = f->srv.st;
	r.now = NOW;
	assert_int_equal(store_begin(r.st), STORE_OK);
	assert_int_equal(nonce_use(&r, n), PROB_NONE);
	store_abort(r.st);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_NONE);
	assert_int_equal(use(f, &f->srv, n, NOW), PROB_BAD_NONCE);
}

/* 128 random bits: each of the 16 octets after the time
 * varies between nonces of one second; the time octets do not. */
static void
test_random_bits(void **state)
{
	struct fx	*f = *state;
	unsigned char	 first[NONCE_RAW_LEN], raw[NONCE_RAW_LEN];
	char		 n[NONCE_LEN + 1];
	int		 varies[NONCE_RAW_LEN] = { 0 };
	int		 i, k;

	assert_int_equal(NONCE_RAND * 8, 128);
	assert_int_equal(NONCE_BODY, 4 + 16);
	for (k = 0; k < 64; k++) {
		fresh(&f->srv, NOW, n);
		assert_int_equal(b64url_decode(n, NONCE_LEN, raw, sizeof(raw)),
		    NONCE_RAW_LEN);
		if (k == 0)
			memcpy(first, raw, sizeof(first));
		for (i = 0; i < NONCE_RAW_LEN; i++)
			varies[i] |= raw[i] != first[i];
	}
	for (i = 0; i < 4; i++)
		assert_false(varies[i]);
	for (i = 4; i < NONCE_BODY; i++)
		if (!varies[i])
			fail_msg("octet %d never varied", i);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_once),
		T(test_tampered),
		T(test_shape),
		T(test_lifetime),
		T(test_other_secret),
		T(test_reopen),
		T(test_abort),
		T(test_random_bits),
	};

	return cmocka_run_group_tests_name("nonce", tests, NULL, NULL);
}

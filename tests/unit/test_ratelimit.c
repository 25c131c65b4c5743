/* Unit tests of lib/acme/ratelimit.c against a real store in a temporary
 * Berkeley DB environment: the windows slide (no double burst across an
 * hour or a day boundary), Retry-After is the exact wait, a refused
 * check writes nothing, and a random schedule checked against a brute
 * force count of every window never lets more than the limit through. */
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

#include "acme.h"
#include "ratelimit.h"

#define HOUR	3600L
#define DAY	86400L
/* A clock hour and day boundary (1750032000 is a midnight, UTC). */
#define MIDNIGHT 1750032000L

struct fx {
	char		 dir[64];
	char		 db[96];
	struct server	 srv;
	struct req	 r;
};

static int
setup(void **state)
{
	struct fx	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/idprover-limit.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	if ((f->srv.st = store_open(f->db, 1)) == NULL) {
		hx_rmtree(f->dir);
		free(f);
		return -1;
	}
	f->srv.cfg.limit_new_accounts_addr_hour = 3;
	f->srv.cfg.limit_new_accounts_addr_day = 4;
	f->srv.cfg.limit_new_accounts_hour = 100;
	f->r.srv = &f->srv;
	f->r.cfg = &f->srv.cfg;
	f->r.st = f->srv.st;
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

/* One check at now in its own transaction; when it passes and add is
 * set, the event is counted. Returns the problem; *retry gets
 * Retry-After. */
static enum prob
take(struct fx *f, time_t now, const char *key, long window, long max,
    int add, long *retry)
{
	enum prob	 p;

	f->r.now = now;
	f->r.retry_after = -1;
	f->r.detail[0] = '\0';
	assert_int_equal(store_begin(f->r.st), STORE_OK);
	p = limit_take(&f->r, key, window, max, "events");
	if (p == PROB_NONE && add)
		assert_int_equal(limit_add(&f->r, key, window), 0);
	assert_int_equal(store_commit(f->r.st, 0), STORE_OK);
	if (retry != NULL)
		*retry = f->r.retry_after;
	return p;
}

/* Five in the last second of a clock hour: none in the first of the
 * next, which a clock-aligned window would have let through. */
static void
test_hour_boundary(void **state)
{
	struct fx	*f = *state;
	long		 ra;
	int		 i;

	for (i = 0; i < 5; i++)
		assert_int_equal(take(f, MIDNIGHT - 1, "n:1", HOUR, 5, 1,
		    NULL), PROB_NONE);
	assert_int_equal(take(f, MIDNIGHT - 1, "n:1", HOUR, 5, 1, &ra),
	    PROB_RATE_LIMITED);
	assert_int_equal(ra, HOUR);
	assert_int_equal(take(f, MIDNIGHT + 1, "n:1", HOUR, 5, 1, &ra),
	    PROB_RATE_LIMITED);
	assert_int_equal(ra, HOUR - 2);
	assert_non_null(strstr(f->r.detail, "events (5 in any hour)"));
	assert_non_null(strstr(f->r.detail, "retry in 3598 s"));
	assert_int_equal(take(f, MIDNIGHT - 2 + HOUR, "n:1", HOUR, 5, 1,
	    NULL), PROB_RATE_LIMITED);
	/* Exactly when they leave the window, one goes through. */
	assert_int_equal(take(f, MIDNIGHT - 1 + HOUR, "n:1", HOUR, 5, 1,
	    NULL), PROB_NONE);
}

/* Ten SMS a day: ten at 23:59:50 and none at 00:00:10; 20 around
 * midnight was the complaint. */
static void
test_day_boundary(void **state)
{
	struct fx	*f = *state;
	long		 ra;
	int		 i, ok = 0;

	for (i = 0; i < 10; i++)
		ok += take(f, MIDNIGHT - 10, "n:2", DAY, 10, 1, NULL) ==
		    PROB_NONE;
	assert_int_equal(ok, 10);
	for (i = 0; i < 20; i++)
		ok += take(f, MIDNIGHT + 10 + i * 600, "n:2", DAY, 10, 1,
		    &ra) == PROB_NONE;
	assert_int_equal(ok, 10);
	assert_int_equal(ra, DAY - 10 - 10 - 19 * 600);
	assert_int_equal(take(f, MIDNIGHT - 10 + DAY, "n:2", DAY, 10, 1,
	    NULL), PROB_NONE);
}

/* Spread out, each leaves the window one hour after it came. */
static void
test_slides(void **state)
{
	struct fx	*f = *state;
	long		 ra;
	int		 i;

	for (i = 0; i < 5; i++)
		assert_int_equal(take(f, MIDNIGHT + i * 600, "a:x", HOUR, 5,
		    1, NULL), PROB_NONE);
	assert_int_equal(take(f, MIDNIGHT + 3000, "a:x", HOUR, 5, 1, &ra),
	    PROB_RATE_LIMITED);
	assert_int_equal(ra, 600);
	assert_int_equal(take(f, MIDNIGHT + 3599, "a:x", HOUR, 5, 1, &ra),
	    PROB_RATE_LIMITED);
	assert_int_equal(ra, 1);
	assert_int_equal(take(f, MIDNIGHT + 3600, "a:x", HOUR, 5, 1, NULL),
	    PROB_NONE);
	assert_int_equal(take(f, MIDNIGHT + 3601, "a:x", HOUR, 5, 1, &ra),
	    PROB_RATE_LIMITED);
	assert_int_equal(ra, 4200 - 3601);
	/* Long after: the record starts over. */
	for (i = 0; i < 5; i++)
		assert_int_equal(take(f, MIDNIGHT + 10 * DAY, "a:x", HOUR, 5,
		    1, NULL), PROB_NONE);
	assert_int_equal(take(f, MIDNIGHT + 10 * DAY, "a:x", HOUR, 5, 1,
	    NULL), PROB_RATE_LIMITED);
}

/* A refused check counts nothing, keys and windows are separate. */
static void
test_refused_counts_nothing(void **state)
{
	struct fx	*f = *state;
	struct window	 w;
	int		 i;
	long		 sum = 0;

	assert_int_equal(take(f, MIDNIGHT, "k", HOUR, 2, 1, NULL), PROB_NONE);
	assert_int_equal(take(f, MIDNIGHT, "k", HOUR, 2, 1, NULL), PROB_NONE);
	for (i = 0; i < 5; i++)
		assert_int_equal(take(f, MIDNIGHT + i, "k", HOUR, 2, 1, NULL),
		    PROB_RATE_LIMITED);
	assert_int_equal(store_begin(f->r.st), STORE_OK);
	assert_int_equal(store_window_get(f->r.st, "k/86400", &w),
	    STORE_NOTFOUND);
	assert_int_equal(store_window_get(f->r.st, "k/3600", &w), STORE_OK);
	store_abort(f->r.st);
	for (i = 0; i < WINDOW_SLOTS; i++)
		sum += w.n[i];
	assert_int_equal(sum, 2);
	assert_true(w.expires >= MIDNIGHT + HOUR);
	assert_int_equal(take(f, MIDNIGHT, "k2", HOUR, 2, 1, NULL), PROB_NONE);
	assert_int_equal(take(f, MIDNIGHT, "k", DAY, 2, 1, NULL), PROB_NONE);
}

/* A record from far ahead (or corrupt) starts over instead of
 * overflowing or locking the key for ever. */
static void
test_record_from_ahead(void **state)
{
	struct fx	*f = *state;
	struct window	 w;

	memset(&w, 0xff, sizeof(w));
	w.expires = INT64_MAX;
	w.slot = INT64_MAX;
	assert_int_equal(store_begin(f->r.st), STORE_OK);
	assert_int_equal(store_window_put(f->r.st, "z/3600", &w), STORE_OK);
	w.slot = INT64_MIN;
	assert_int_equal(store_window_put(f->r.st, "y/3600", &w), STORE_OK);
	assert_int_equal(store_commit(f->r.st, 0), STORE_OK);
	assert_int_equal(take(f, MIDNIGHT, "z", HOUR, 2, 1, NULL), PROB_NONE);
	assert_int_equal(take(f, MIDNIGHT, "z", HOUR, 2, 1, NULL), PROB_NONE);
	assert_int_equal(take(f, MIDNIGHT, "z", HOUR, 2, 1, NULL),
	    PROB_RATE_LIMITED);
	assert_int_equal(take(f, MIDNIGHT, "y", HOUR, 2, 1, NULL), PROB_NONE);
	/* A window the slots cannot cut is refused as an internal error. */
	assert_int_equal(take(f, MIDNIGHT, "x", 3601, 2, 1, NULL),
	    PROB_SERVER_INTERNAL);
}

/* Random arrivals, checked against a brute-force count: never more than
 * max in any window, Retry-After is enough, and the window is not much
 * stricter than the exact one (at most one slot's worth early). */
static void
test_random_schedule(void **state)
{
	struct fx	*f = *state;
	long		 acc[4000], n = 0, i, j, in, ra, max = 7;
	long		 t = MIDNIGHT - 1234, refused = 0, fair = 0;
	enum prob	 p;

	srandom(12025);
	for (i = 0; i < 4000 && t < MIDNIGHT + 3 * DAY; i++) {
		t += random() % 300;
		p = take(f, t, "r", HOUR, max, 1, &ra);
		for (in = 0, j = 0; j < n; j++)
			in += acc[j] > t - HOUR;
		if (p == PROB_NONE) {
			assert_true(in < max);
			acc[n++] = t;
			continue;
		}
		refused++;
		assert_true(ra >= 1 && ra <= HOUR);
		/* Refused although the exact window had room: only when
		 * the room comes from the oldest minute. */
		if (in < max) {
			for (in = 0, j = 0; j < n; j++)
				in += acc[j] > t - HOUR - 60;
			assert_true(in >= max);
		} else
			fair++;
		assert_int_equal(take(f, t + ra, "r", HOUR, max, 0, NULL),
		    PROB_NONE);
		assert_int_equal(take(f, t + ra - 1, "r", HOUR, max, 0, NULL),
		    PROB_RATE_LIMITED);
	}
	for (i = 0; i < n; i++) {
		for (in = 0, j = i; j < n && acc[j] < acc[i] + HOUR; j++)
			in++;
		assert_true(in <= max);
	}
	assert_true(refused > 100 && fair > 50);
}

/* New accounts: per client address per hour and per day. */
static void
test_new_accounts(void **state)
{
	struct fx	*f = *state;
	int		 i;

	for (i = 0; i < 3; i++) {
		f->r.now = MIDNIGHT + i;
		assert_int_equal(store_begin(f->r.st), STORE_OK);
		assert_int_equal(limit_accounts(&f->r, 0), PROB_NONE);
		assert_int_equal(limit_accounts(&f->r, 1), PROB_NONE);
		assert_int_equal(store_commit(f->r.st, 0), STORE_OK);
	}
	assert_int_equal(store_begin(f->r.st), STORE_OK);
	assert_int_equal(limit_accounts(&f->r, 0), PROB_RATE_LIMITED);
	assert_non_null(strstr(f->r.detail, "new accounts per client "
	    "address per hour (3 in any hour)"));
	/* The three share a slot of the window (a minute): they leave it
	 * together, an hour after the latest. */
	assert_int_equal(f->r.retry_after, HOUR);
	f->r.now = MIDNIGHT + HOUR + 1;
	assert_int_equal(limit_accounts(&f->r, 0), PROB_RATE_LIMITED);
	f->r.now = MIDNIGHT + HOUR + 2;
	assert_int_equal(limit_accounts(&f->r, 0), PROB_NONE);
	assert_int_equal(limit_accounts(&f->r, 1), PROB_NONE);
	f->r.now = MIDNIGHT + 2 * HOUR;
	assert_int_equal(limit_accounts(&f->r, 0), PROB_RATE_LIMITED);
	assert_non_null(strstr(f->r.detail, "per day (4 in any day)"));
	assert_int_equal(store_commit(f->r.st, 0), STORE_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hour_boundary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_day_boundary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_slides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_counts_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_from_ahead, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_random_schedule, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_new_accounts, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

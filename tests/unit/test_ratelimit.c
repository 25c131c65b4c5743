/* Unit tests of lib/acme/ratelimit.c, kept to the basics: a fixed window
 * counts up to its maximum, then refuses with Retry-After until the
 * window ends; windows and keys count apart. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "ratelimit.h"

#define HOUR	3600

static enum prob
take_add(struct hx *h, time_t now, const char *key, long max, long *retry)
{
	struct req	 r;
	enum prob	 p;

	hx_req(h, &r, METHOD_POST, "/x");
	r.now = now;
	assert_int_equal(store_begin(h->srv.st), STORE_OK);
	if ((p = limit_take(&r, key, HOUR, max, "things")) == PROB_NONE)
		assert_int_equal(limit_add(&r, key, HOUR), 0);
	assert_int_equal(store_commit(h->srv.st, 0), STORE_OK);
	*retry = r.retry_after;
	hx_req_free(&r);
	return p;
}

static void
test_window(void **state)
{
	struct hx	*h = hx_new(0, NULL);
	time_t		 t = 1750000000 / HOUR * HOUR + 100;
	long		 retry;
	int		 i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(take_add(h, t, "a", 3, &retry), PROB_NONE);
	assert_int_equal(take_add(h, t + 10, "a", 3, &retry),
	    PROB_RATE_LIMITED);
	assert_int_equal(retry, HOUR - 110);
	/* Another key counts apart; the next window starts at zero. */
	assert_int_equal(take_add(h, t, "b", 3, &retry), PROB_NONE);
	assert_int_equal(take_add(h, t + HOUR, "a", 3, &retry), PROB_NONE);
	hx_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

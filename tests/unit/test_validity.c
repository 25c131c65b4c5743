/* Unit tests of order_cert_times (lib/acme/acme_state.c): the validity a
 * certificate gets never outlives its proof. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "acme.h"

#define NOW	1800000000
#define DAY	86400

static void
mk(struct config *c, struct order *o)
{
	memset(c, 0, sizeof(*c));
	c->cert_days = 30;
	c->cert_max_days = 90;
	memset(o, 0, sizeof(*o));
	o->validated = NOW;
}

/* Defaults: from a minute ago, cert_days long. */
static void
test_defaults(void **state)
{
	struct config	 c;
	struct order	 o;
	time_t		 nb, na;

	(void)state;
	mk(&c, &o);
	assert_int_equal(order_cert_times(&c, &o, NOW + 10, &nb, &na), 0);
	assert_int_equal(nb, NOW + 10 - 60);
	assert_int_equal(na, NOW + 10 + 30 * DAY);
}

/* A requested notBefore in the past is raised to issuance - 1 minute. */
static void
test_no_backdating(void **state)
{
	struct config	 c;
	struct order	 o;
	time_t		 nb, na;

	(void)state;
	mk(&c, &o);
	o.has_nb = 1;
	o.not_before = NOW - 3600;
	assert_int_equal(order_cert_times(&c, &o, NOW + 7200, &nb, &na), 0);
	assert_int_equal(nb, NOW + 7200 - 60);
	assert_true(na - nb <= 90 * DAY);
}

/* notBefore alone does not stretch the lifetime past cert_max_days, and
 * notAfter stays within validation + cert_max_days. */
static void
test_max_days(void **state)
{
	struct config	 c;
	struct order	 o;
	time_t		 nb, na;

	(void)state;
	mk(&c, &o);
	c.cert_days = 90;
	o.has_nb = 1;
	o.not_before = NOW + 20 * 3600;
	assert_int_equal(order_cert_times(&c, &o, NOW + 3600, &nb, &na), 0);
	assert_int_equal(nb, NOW + 20 * 3600);
	assert_int_equal(na, NOW + 90 * DAY);	/* validation + max */
	assert_true(na - nb <= 90 * DAY);
	/* A requested notAfter past validation + max is cut there. */
	mk(&c, &o);
	o.has_na = 1;
	o.not_after = NOW + 95 * DAY;
	assert_int_equal(order_cert_times(&c, &o, NOW + DAY, &nb, &na), 0);
	assert_int_equal(na, NOW + 90 * DAY);
	/* Nothing left: notAfter already before issuance. */
	mk(&c, &o);
	o.has_na = 1;
	o.not_after = NOW + 3600;
	assert_int_equal(order_cert_times(&c, &o, NOW + 7200, &nb, &na), -1);
}

/* The clock revoke-cert applies to a held authorization: a
 * valid authorization of an unfinished order ends with the order, and
 * any ends at its own expiry; that of an issued order lives on to it. */
static void
test_held_expiry(void **state)
{
	struct config	 c;
	struct order	 o, k;

	(void)state;
	mk(&c, &o);
	o.status = ORDER_READY;
	o.authz = AUTHZ_VALID;
	o.chall = CHALL_VALID;
	o.expires = NOW + 3600;
	o.authz_expires = NOW + 7200;
	k = o;
	assert_int_equal(order_expire(&k, NOW + 60), 0);
	assert_int_equal(k.authz, AUTHZ_VALID);
	k = o;
	assert_int_equal(order_expire(&k, NOW + 3600), 1);
	assert_int_equal(k.authz, AUTHZ_EXPIRED);
	assert_int_equal(k.status, ORDER_INVALID);
	/* Issued: the order is done, the authorization ends on its own. */
	o.status = ORDER_VALID;
	k = o;
	assert_int_equal(order_expire(&k, NOW + 3600), 0);
	assert_int_equal(k.authz, AUTHZ_VALID);
	assert_true(k.authz_expires <= NOW + 7200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_no_backdating),
		cmocka_unit_test(test_max_days),
		cmocka_unit_test(test_held_expiry),
	};

	return cmocka_run_group_tests_name("validity", tests, NULL, NULL);
}

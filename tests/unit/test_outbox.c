/* Unit tests of lib/acme/outbox.c with a real store in a temporary folder
 * and the file gateway: a queued message is in the retry index from the
 * transaction that queued it, due when its lease would run out; a retry
 * delivers it once; a retry drops a message whose challenge no longer
 * waits for it (order invalid or expired, account deactivated, code
 * replaced by a resend). */
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
#include "outbox.h"
#include "sms.h"

#define NOW	1750000000L
#define LEASE	14		/* 3000 ms + 1 + 10 */

struct fx {
	char		 dir[64];
	char		 db[96];
	char		 log[96];
	struct server	 srv;
	struct account	 a;
	struct order	 o;
};

static int
setup(void **state)
{
	struct fx	*f;
	char		 url[128], err[128];

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/idprover-outbox.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/sms.log", f->dir);
	snprintf(url, sizeof(url), "file://%s", f->log);
	if ((f->srv.st = store_open(f->db, 1)) == NULL ||
	    (f->srv.gw = gateway_open(url, NULL, err, sizeof(err))) == NULL)
		return -1;
	f->srv.cfg.sms_timeout_ms = 3000;
	memset(f->srv.secret, 7, sizeof(f->srv.secret));
	strcpy(f->a.id, "AAAAAAAAAAAAAAAA");
	strcpy(f->a.thumb, "t");
	f->a.status = ACCT_VALID;
	strcpy(f->o.id, "OOOOOOOOOOOOOOOO");
	strcpy(f->o.acct, f->a.id);
	strcpy(f->o.tn, "12025550123");
	strcpy(f->o.ident, "x");
	strcpy(f->o.token, "tok");
	f->o.status = ORDER_PENDING;
	f->o.authz = AUTHZ_PENDING;
	f->o.chall = CHALL_PROCESSING;
	f->o.sends = 1;
	f->o.expires = NOW + 86400;
	f->o.code_expires = NOW + 600;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	gateway_close(f->srv.gw);
	store_close(f->srv.st);
	hx_rmtree(f->dir);
	free(f);
	return 0;
}

/* Lines the file gateway wrote. */
static int
sent(const struct fx *f)
{
	FILE	*fp = fopen(f->log, "r");
	int	 c, n = 0;

	if (fp == NULL)
		return 0;
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

/* Queue the order's current send with its account and order, as the
 * challenge's transaction does; id gets the message id. */
static void
queue(struct fx *f, char *id)
{
	assert_int_equal(store_begin(f->srv.st), STORE_OK);
	assert_int_equal(store_account_put(f->srv.st, &f->a), STORE_OK);
	assert_int_equal(store_order_put(f->srv.st, &f->o), STORE_OK);
	assert_int_equal(outbox_queue(&f->srv, &f->o, "code 123456", NOW, id),
	    0);
	assert_int_equal(store_commit(f->srv.st, 1), STORE_OK);
}

static int
state_of(struct fx *f, const char *id)
{
	struct sms	 m;

	assert_int_equal(store_begin(f->srv.st), STORE_OK);
	assert_int_equal(store_sms_get(f->srv.st, id, &m), STORE_OK);
	store_abort(f->srv.st);
	return m.state;
}

/* The process died after the commit: the index has the message, due at
 * the end of its lease, and a retry then delivers it once. */
static void
test_crash_then_retry(void **state)
{
	struct fx	*f = *state;
	char		 id[SMS_ID_MAX];
	int		 i;

	queue(f, id);
	assert_string_equal(id, "OOOOOOOOOOOOOOOO.1");
	assert_int_equal(outbox_retry(&f->srv, NOW + LEASE - 1, 4), 0);
	assert_int_equal(sent(f), 0);
	assert_int_equal(outbox_retry(&f->srv, NOW + LEASE, 4), 1);
	assert_int_equal(sent(f), 1);
	assert_int_equal(state_of(f, id), OUTBOX_DONE);
	/* Its lease entry comes up later and finds it done. */
	for (i = 0; i < 4; i++)
		outbox_retry(&f->srv, NOW + LEASE * (i + 2), 4);
	assert_int_equal(outbox_retry(&f->srv, NOW + 1000, 4), 0);
	assert_int_equal(sent(f), 1);
}

/* Delivered at once: its delivery removes its index entry. */
static void
test_direct_then_index(void **state)
{
	struct fx	*f = *state;
	char		 id[SMS_ID_MAX];

	queue(f, id);
	assert_int_equal(outbox_deliver(&f->srv, id, NOW), SMS_SENT);
	assert_int_equal(outbox_deliver(&f->srv, id, NOW), -1);
	assert_int_equal(outbox_retry(&f->srv, NOW + 3 * LEASE, 4), 0);
	assert_int_equal(sent(f), 1);
}

/* A send that is under way (leased) is not sent again by a retry. */
static void
test_lease_holds(void **state)
{
	struct fx	*f = *state;
	char		 id[SMS_ID_MAX];
	struct sms	 m;

	queue(f, id);
	/* Another process took the lease at NOW + 5 and is sending. */
	assert_int_equal(store_begin(f->srv.st), STORE_OK);
	assert_int_equal(store_sms_get(f->srv.st, id, &m), STORE_OK);
	m.next_try = NOW + 5 + LEASE;
	assert_int_equal(store_due_add(f->srv.st, m.next_try, id), STORE_OK);
	assert_int_equal(store_sms_put(f->srv.st, &m), STORE_OK);
	assert_int_equal(store_commit(f->srv.st, 0), STORE_OK);
	assert_int_equal(outbox_retry(&f->srv, NOW + LEASE, 4), 1);
	assert_int_equal(sent(f), 0);
	assert_int_equal(state_of(f, id), OUTBOX_QUEUED);
	assert_int_equal(outbox_retry(&f->srv, NOW + 5 + LEASE, 4), 1);
	assert_int_equal(sent(f), 1);
}

/* What makes a challenge stop waiting, each dropping the message. */
enum stop { STOP_ORDER, STOP_EXPIRED, STOP_CODE, STOP_ACCOUNT, STOP_RESEND,
	STOP__MAX };

static void
test_not_waited_for(void **state)
{
	struct fx	*f = *state;
	char		 id[SMS_ID_MAX];
	time_t		 at = NOW + LEASE;
	int		 s;

	for (s = 0; s < STOP__MAX; s++) {
		snprintf(f->o.id, sizeof(f->o.id), "OOOOOOOOOOOOOOO%d", s);
		f->o.sends = 1;
		f->o.status = ORDER_PENDING;
		f->o.chall = CHALL_PROCESSING;
		f->o.expires = NOW + 86400;
		f->o.code_expires = NOW + 600;
		f->a.status = ACCT_VALID;
		queue(f, id);
		switch (s) {
		case STOP_ORDER:
			order_fail(&f->o, PROB_UNAUTHORIZED, "deactivated");
			break;
		case STOP_EXPIRED:
			f->o.expires = at;
			break;
		case STOP_CODE:
			f->o.code_expires = at - 1;
			break;
		case STOP_ACCOUNT:
			f->a.status = ACCT_DEACTIVATED;
			break;
		case STOP_RESEND:
			f->o.sends = 2;
			break;
		}
		assert_int_equal(store_begin(f->srv.st), STORE_OK);
		assert_int_equal(store_order_put(f->srv.st, &f->o), STORE_OK);
		assert_int_equal(store_account_put(f->srv.st, &f->a), STORE_OK);
		assert_int_equal(store_commit(f->srv.st, 0), STORE_OK);
		assert_int_equal(outbox_retry(&f->srv, at, 4), 1);
		assert_int_equal(sent(f), 0);
		assert_int_equal(state_of(f, id), OUTBOX_FAILED);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crash_then_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_direct_then_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lease_holds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_waited_for, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

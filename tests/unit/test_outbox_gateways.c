/* Unit tests of lib/acme/outbox.c through the gateways, with a real store
 * (the file gateway, and exec scripts that fail for a while or for good):
 * queueing in the request's transaction, delivery, retry with backoff
 * through the due index, a permanent refusal failing the challenge. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "outbox.h"
#include "sms.h"

#define TEXT	"idprover verification code: 123456."

struct fx {
	struct hx	*h;
	struct order	 o;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->h = hx_new(HX_ACCT | HX_SMS, NULL);
	hx_order_make(f->h, f->h->acct.id, "12025550123", &f->o);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	hx_free(f->h);
	free(f);
	return 0;
}

/* Use an exec gateway running the shell text body instead. */
static void
gateway_script(struct fx *f, const char *body)
{
	char	 path[128], url[160], err[128];
	FILE	*s;

	snprintf(path, sizeof(path), "%s/gw.sh", f->h->dir);
	assert_non_null(s = fopen(path, "w"));
	fprintf(s, "#!/bin/sh\ncat >/dev/null\n%s", body);
	fclose(s);
	assert_int_equal(chmod(path, 0700), 0);
	snprintf(url, sizeof(url), "exec://%s", path);
	gateway_close(f->h->srv.gw);
	assert_non_null(f->h->srv.gw = gateway_open(url, NULL, err, sizeof(err)));
}

/* Queue the order's next send in a transaction, as chall_send does. */
static void
queue(struct fx *f, char id[SMS_ID_MAX])
{
	f->o.sends++;
	f->o.chall = CHALL_PROCESSING;
	f->o.code_expires = f->h->now + CODE_LIFETIME;
	assert_int_equal(store_begin(f->h->srv.st), STORE_OK);
	assert_int_equal(outbox_queue(&f->h->srv, &f->o, TEXT, f->h->now, id),
	    0);
	assert_int_equal(store_order_put(f->h->srv.st, &f->o), STORE_OK);
	assert_int_equal(store_commit(f->h->srv.st, 0), STORE_OK);
}

static void
test_queue_deliver(void **state)
{
	struct fx	*f = *state;
	struct sms	 m;
	char		 id[SMS_ID_MAX], want[SMS_ID_MAX + 4];

	queue(f, id);
	snprintf(want, sizeof(want), "%s.1", f->o.id);
	assert_string_equal(id, want);
	assert_int_equal(hx_sms_get(f->h, id, &m), STORE_OK);
	assert_int_equal(m.state, OUTBOX_QUEUED);
	assert_string_equal(m.to, "12025550123");
	assert_string_equal(m.order, f->o.id);
	/* Sealed: the text is not in the record in clear. */
	assert_true(m.sealedlen > strlen(TEXT));
	assert_null(memmem(m.sealed, m.sealedlen, "123456", 6));
	assert_int_equal(hx_sms_lines(f->h), 0);

	assert_int_equal(outbox_deliver(&f->h->srv, id, f->h->now), SMS_SENT);
	assert_int_equal(hx_sms_lines(f->h), 1);
	assert_int_equal(hx_sms_get(f->h, id, &m), STORE_OK);
	assert_int_equal(m.state, OUTBOX_DONE);
	assert_int_equal(m.attempts, 1);
	assert_int_equal(m.sealedlen, 0);
	/* Delivered once only. */
	assert_int_equal(outbox_deliver(&f->h->srv, id, f->h->now), -1);
	assert_int_equal(outbox_deliver(&f->h->srv, "nosuch.1", f->h->now),
	    -1);
	assert_int_equal(hx_sms_lines(f->h), 1);
}

static void
test_transient(void **state)
{
	struct fx	*f = *state;
	struct sms	 m;
	char		 id[SMS_ID_MAX], flag[128], body[256];

	/* Fails until a flag file exists. */
	snprintf(flag, sizeof(flag), "%s/up", f->h->dir);
	snprintf(body, sizeof(body), "[ -e '%s' ] || exit 7\necho id-9\n",
	    flag);
	gateway_script(f, body);
	queue(f, id);
	assert_int_equal(outbox_deliver(&f->h->srv, id, f->h->now),
	    SMS_TRANSIENT);
	assert_int_equal(hx_sms_get(f->h, id, &m), STORE_OK);
	assert_int_equal(m.state, OUTBOX_QUEUED);
	assert_true(m.next_try > f->h->now);
	assert_string_equal(m.error, "program exited with 7");
	/* Not due yet: nothing to retry. */
	assert_int_equal(outbox_retry(&f->h->srv, f->h->now, 4), 0);
	/* Due, and the gateway is back. */
	{
		FILE	*s = fopen(flag, "w");

		assert_non_null(s);
		fclose(s);
	}
	assert_int_equal(outbox_retry(&f->h->srv, (time_t)m.next_try, 4), 1);
	assert_int_equal(hx_sms_get(f->h, id, &m), STORE_OK);
	assert_int_equal(m.state, OUTBOX_DONE);
	assert_string_equal(m.msgid, "id-9");
	assert_int_equal(m.attempts, 2);
}

static void
test_permanent(void **state)
{
	struct fx	*f = *state;
	struct sms	 m;
	struct order	 o;
	char		 id[SMS_ID_MAX];

	gateway_script(f, "exit 2\n");
	queue(f, id);
	assert_int_equal(outbox_deliver(&f->h->srv, id, f->h->now),
	    SMS_PERMANENT);
	assert_int_equal(hx_sms_get(f->h, id, &m), STORE_OK);
	assert_int_equal(m.state, OUTBOX_FAILED);
	assert_int_equal(m.sealedlen, 0);
	/* The challenge fails with a connection problem. */
	assert_int_equal(hx_order_get(f->h, f->o.id, &o), STORE_OK);
	assert_int_equal(o.chall, CHALL_INVALID);
	assert_int_equal(o.status, ORDER_INVALID);
	assert_int_equal(o.error, PROB_CONNECTION);
}

static void
test_flush(void **state)
{
	struct fx	*f = *state;
	char		 a[SMS_ID_MAX], b[SMS_ID_MAX], c[SMS_ID_MAX];
	int		 failed = -1;

	/* Two orders waiting for their SMS, and a first code of one of them
	 * that a resend has replaced: that one is dropped, not sent. */
	queue(f, a);
	queue(f, b);
	hx_order_make(f->h, f->h->acct.id, "12025550124", &f->o);
	queue(f, c);
	assert_int_equal(outbox_flush(&f->h->srv, f->h->now, &failed), 2);
	assert_int_equal(failed, 0);
	assert_int_equal(hx_sms_lines(f->h), 2);
	assert_int_equal(outbox_flush(&f->h->srv, f->h->now, &failed), 0);
	assert_int_equal(hx_sms_lines(f->h), 2);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_queue_deliver),
		T(test_transient),
		T(test_permanent),
		T(test_flush),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

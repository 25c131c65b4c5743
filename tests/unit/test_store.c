/* Unit tests of lib/store/ (the Berkeley DB engine) in a temporary Berkeley DB environment:
 * records in and out, transactions, the orders list with its cursor,
 * counters, metadata, corrupt records (written raw through the static
 * store_put), pruning, statistics, hot backup and reopening. */
#include <sys/wait.h>

#include <ftw.h>
#include <signal.h>
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

#include "bdbint.h"

#define NOW	1750000000

struct fx {
	char		 dir[64];
	char		 db[96];
	struct store	*st;
};

static int
setup(void **state)
{
	struct fx	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/idprover-store.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	if ((f->st = store_open(f->db, 1)) == NULL) {
		hx_rmtree(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	store_close(f->st);
	hx_rmtree(f->dir);
	free(f);
	return 0;
}

/* A 16-character id from a number. */
static void
mkid(char id[ID_LEN + 1], const char *prefix, int n)
{
	snprintf(id, ID_LEN + 1, "%s%0*d", prefix, (int)(ID_LEN -
	    strlen(prefix)), n);
}

static void
mkaccount(struct account *a, int n)
{
	memset(a, 0, sizeof(*a));
	a->status = ACCT_VALID;
	a->tos = 1;
	a->created = NOW + n;
	mkid(a->id, "acct", n);
	snprintf(a->thumb, sizeof(a->thumb), "%043d", n);
	snprintf(a->key, sizeof(a->key), "{\"crv\":\"Ed25519\",\"kty\":\"OKP\","
	    "\"x\":\"%043d\"}", n);
	snprintf(a->contact, sizeof(a->contact),
	    "[\"mailto:ops%d@platform.example\"]", n);
}

static void
mkorder(struct order *o, const char *acct, int n, int64_t created)
{
	memset(o, 0, sizeof(*o));
	o->status = ORDER_PENDING;
	o->authz = AUTHZ_PENDING;
	o->chall = CHALL_PENDING;
	o->created = created;
	o->expires = created + 86400;
	mkid(o->id, "ord", n);
	snprintf(o->acct, sizeof(o->acct), "%s", acct);
	snprintf(o->ident, sizeof(o->ident), "MA-iDRYLMTIwMjU1NTAxMjM");
	snprintf(o->tn, sizeof(o->tn), "12025550123");
	snprintf(o->token, sizeof(o->token), "%043d", n);
	o->code_mac[0] = (unsigned char)n;
}

static void
mkcert(struct cert *c, int n, int revoked)
{
	memset(c, 0, sizeof(*c));
	c->revoked = (uint8_t)revoked;
	c->reason = revoked ? 1 : -1;
	c->issued = NOW;
	c->not_after = NOW + 30 * 86400;
	c->revoked_at = revoked ? NOW + 10 : 0;
	mkid(c->id, "ord", n);
	mkid(c->acct, "acct", 1);
	memset(c->serial, n, sizeof(c->serial));
	c->serial[0] = 0x11;
	c->derlen = 3;
	memcpy(c->der, "\x30\x01\x00", 3);
}

static void
mksms(struct sms *m, int n, int state, int64_t created)
{
	memset(m, 0, sizeof(*m));
	m->state = (uint8_t)state;
	m->created = created;
	m->next_try = created;
	m->expires = created + CODE_LIFETIME;
	snprintf(m->id, sizeof(m->id), "ord%013d.1", n);
	mkid(m->order, "ord", n);
	mkid(m->acct, "acct", 1);
	snprintf(m->to, sizeof(m->to), "12025550123");
	m->sealedlen = 40;
}

static void
begin(struct store *st)
{
	assert_int_equal(store_begin(st), STORE_OK);
}

static void
commit(struct store *st)
{
	assert_int_equal(store_commit(st, 0), STORE_OK);
}

static void
test_account(void **state)
{
	struct fx	*f = *state;
	struct account	 a, b;

	mkaccount(&a, 1);
	begin(f->st);
	assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	commit(f->st);

	begin(f->st);
	memset(&b, 0xee, sizeof(b));
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	assert_int_equal(b.version, ACCOUNT_VERSION);
	a.version = ACCOUNT_VERSION;
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(store_account_get(f->st, "acct000000000099", &b),
	    STORE_NOTFOUND);
	assert_int_equal(store_account_get(f->st, "", &b), STORE_NOTFOUND);
	/* An update replaces the record. */
	b.status = ACCT_DEACTIVATED;
	assert_int_equal(store_account_put(f->st, &b), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	assert_int_equal(b.status, ACCT_DEACTIVATED);
	commit(f->st);
}

static void
test_key(void **state)
{
	struct fx	*f = *state;
	char		 id[ID_LEN + 1], thumb[THUMB_LEN + 1];

	snprintf(thumb, sizeof(thumb), "%043d", 7);
	begin(f->st);
	assert_int_equal(store_key_put(f->st, thumb, "acct000000000001"),
	    STORE_OK);
	/* DB_NOOVERWRITE: a key maps to one account, first come. */
	assert_int_equal(store_key_put(f->st, thumb, "acct000000000002"),
	    STORE_EXISTS);
	commit(f->st);
	begin(f->st);
	memset(id, 'x', sizeof(id));
	assert_int_equal(store_key_get(f->st, thumb, id), STORE_OK);
	assert_string_equal(id, "acct000000000001");
	assert_int_equal(store_key_put(f->st, thumb, "acct000000000003"),
	    STORE_EXISTS);
	assert_int_equal(store_key_get(f->st, "nothumb", id), STORE_NOTFOUND);
	assert_int_equal(store_key_del(f->st, thumb), STORE_OK);
	assert_int_equal(store_key_get(f->st, thumb, id), STORE_NOTFOUND);
	assert_int_equal(store_key_del(f->st, thumb), STORE_NOTFOUND);
	/* Freed: can be claimed again (keyChange). */
	assert_int_equal(store_key_put(f->st, thumb, "acct000000000002"),
	    STORE_OK);
	commit(f->st);
}

static void
test_order(void **state)
{
	struct fx	*f = *state;
	struct order	 o, p;

	mkorder(&o, "acct000000000001", 1, NOW);
	o.status = ORDER_READY;
	o.authz = AUTHZ_VALID;
	o.chall = CHALL_VALID;
	o.sends = 2;
	o.tries = 3;
	o.has_nb = o.has_na = 1;
	o.not_before = NOW;
	o.not_after = NOW + 86400 * 30;
	snprintf(o.detail, sizeof(o.detail), "detail");
	begin(f->st);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_order_get(f->st, o.id, &p), STORE_OK);
	o.version = ORDER_VERSION;
	assert_memory_equal(&o, &p, sizeof(o));
	assert_int_equal(store_order_get(f->st, "ord0000000000009", &p),
	    STORE_NOTFOUND);
	commit(f->st);
}

static void
test_cert(void **state)
{
	struct fx	*f = *state;
	struct cert	 c, d;
	char		 id[ID_LEN + 1];

	mkcert(&c, 1, 0);
	begin(f->st);
	assert_int_equal(store_cert_put(f->st, &c), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_cert_get(f->st, c.id, &d), STORE_OK);
	c.version = RECORD_VERSION;
	assert_memory_equal(&c, &d, sizeof(c));
	assert_int_equal(store_serial_get(f->st, c.serial, id), STORE_OK);
	assert_string_equal(id, c.id);
	memset(d.serial, 0x77, sizeof(d.serial));
	assert_int_equal(store_serial_get(f->st, d.serial, id),
	    STORE_NOTFOUND);
	commit(f->st);
}

static int
count_cert(void *arg, const struct cert *c)
{
	int	*n = arg;

	assert_true(c->revoked);
	(*n)++;
	return 0;
}

static void
test_revoked(void **state)
{
	struct fx	*f = *state;
	struct cert	 c;
	int		 i, n = 0;

	begin(f->st);
	for (i = 1; i <= 6; i++) {
		mkcert(&c, i, i % 3 == 0);
		assert_int_equal(store_cert_put(f->st, &c), STORE_OK);
	}
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_revoked(f->st, count_cert, &n), STORE_OK);
	commit(f->st);
	assert_int_equal(n, 2);
}

static int
count_sms(void *arg, struct sms *m)
{
	int	*n = arg;

	assert_int_equal(m->state, OUTBOX_QUEUED);
	(*n)++;
	return 0;
}

static void
test_sms(void **state)
{
	struct fx	*f = *state;
	struct sms	 m, r;
	int		 i, n = 0;

	begin(f->st);
	for (i = 0; i < 5; i++) {
		mksms(&m, i, i % 2 ? OUTBOX_DONE : OUTBOX_QUEUED, NOW);
		assert_int_equal(store_sms_put(f->st, &m), STORE_OK);
	}
	commit(f->st);
	begin(f->st);
	mksms(&m, 3, OUTBOX_DONE, NOW);
	assert_int_equal(store_sms_get(f->st, m.id, &r), STORE_OK);
	m.version = RECORD_VERSION;
	assert_memory_equal(&m, &r, sizeof(m));
	assert_int_equal(store_sms_get(f->st, "none", &r), STORE_NOTFOUND);
	assert_int_equal(store_sms_queued(f->st, count_sms, &n), STORE_OK);
	commit(f->st);
	assert_int_equal(n, 3);
}

static void
test_nonce(void **state)
{
	struct fx	*f = *state;
	unsigned char	 n1[NONCE_RAW_LEN], n2[NONCE_RAW_LEN],
			 big[NONCE_RAW_LEN + 1];

	memset(n1, 1, sizeof(n1));
	memset(n2, 2, sizeof(n2));
	memset(big, 3, sizeof(big));
	begin(f->st);
	assert_int_equal(store_nonce_use(f->st, n1, sizeof(n1), NOW + 3600),
	    STORE_OK);
	assert_int_equal(store_nonce_use(f->st, n1, sizeof(n1), NOW + 3600),
	    STORE_EXISTS);
	assert_int_equal(store_nonce_use(f->st, n2, sizeof(n2), NOW + 3600),
	    STORE_OK);
	assert_int_equal(store_nonce_use(f->st, big, sizeof(big), NOW + 3600),
	    STORE_ERR);
	commit(f->st);
	/* Still used in a later transaction. */
	begin(f->st);
	assert_int_equal(store_nonce_use(f->st, n1, sizeof(n1), NOW + 3600),
	    STORE_EXISTS);
	assert_int_equal(store_nonce_use(f->st, n2, sizeof(n2), NOW + 3600),
	    STORE_EXISTS);
	commit(f->st);
}

static void
test_abort_commit(void **state)
{
	struct fx	*f = *state;
	struct account	 a, b;
	unsigned char	 n[NONCE_RAW_LEN];

	mkaccount(&a, 5);
	memset(n, 9, sizeof(n));
	begin(f->st);
	assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	assert_int_equal(store_nonce_use(f->st, n, sizeof(n), NOW), STORE_OK);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	store_abort(f->st);
	begin(f->st);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_NOTFOUND);
	/* The aborted nonce was never marked. */
	assert_int_equal(store_nonce_use(f->st, n, sizeof(n), NOW), STORE_OK);
	assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	assert_int_equal(store_commit(f->st, 1), STORE_OK);
	begin(f->st);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	commit(f->st);
	/* Commit and abort need a transaction. */
	assert_int_equal(store_commit(f->st, 0), STORE_ERR);
	store_abort(f->st);
}

/* A nested transaction: undone alone (the outer one's writes stay) or
 * kept into the outer one; an abort undoes both. */
static void
test_nested(void **state)
{
	struct fx	*f = *state;
	struct account	 a, b;
	unsigned char	 n[NONCE_RAW_LEN];

	mkaccount(&a, 6);
	memset(n, 7, sizeof(n));
	begin(f->st);
	assert_int_equal(store_nonce_use(f->st, n, sizeof(n), NOW), STORE_OK);
	assert_int_equal(store_nest_begin(f->st), STORE_OK);
	assert_int_equal(store_nest_begin(f->st), STORE_ERR);	/* one deep */
	assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	/* No commit while the nested transaction is open. */
	assert_int_equal(store_nest_end(f->st, 0), STORE_OK);
	assert_int_equal(store_nest_end(f->st, 0), STORE_ERR);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_NOTFOUND);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_NOTFOUND);
	assert_int_equal(store_nonce_use(f->st, n, sizeof(n), NOW),
	    STORE_EXISTS);
	/* Kept. */
	assert_int_equal(store_nest_begin(f->st), STORE_OK);
	assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	assert_int_equal(store_nest_end(f->st, 1), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	assert_string_equal(b.contact, a.contact);
	/* Kept into the outer one, and then the whole aborted. */
	b.status = ACCT_DEACTIVATED;
	assert_int_equal(store_nest_begin(f->st), STORE_OK);
	assert_int_equal(store_account_put(f->st, &b), STORE_OK);
	assert_int_equal(store_nest_end(f->st, 1), STORE_OK);
	store_abort(f->st);
	/* An abort with the nested one open ends both. */
	begin(f->st);
	assert_int_equal(store_nest_begin(f->st), STORE_OK);
	assert_int_equal(store_account_put(f->st, &b), STORE_OK);
	assert_int_equal(store_commit(f->st, 0), STORE_ERR);
	begin(f->st);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	assert_int_equal(b.status, ACCT_VALID);
	commit(f->st);
}

/* Undone, a nested transaction leaves the outer one as it was: a row
 * written in both is written again after the undo (the engine knows
 * which version of it is current), and a counter counts on from the
 * outer one's value. */
static void
test_nested_undo(void **state)
{
	struct fx	*f = *state;
	struct order	 o, got;
	long		 v;

	mkorder(&o, "acct000000000001", 8, NOW);
	begin(f->st);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_order_get(f->st, o.id, &got), STORE_OK);
	assert_int_equal(store_count(f->st, "k/nest", NOW + 60, 2, &v),
	    STORE_OK);
	assert_int_equal(store_nest_begin(f->st), STORE_OK);
	got.status = ORDER_INVALID;
	assert_int_equal(store_order_put(f->st, &got), STORE_OK);
	assert_int_equal(store_count(f->st, "k/nest", NOW + 60, 5, &v),
	    STORE_OK);
	assert_int_equal(v, 7);
	assert_int_equal(store_nest_end(f->st, 0), STORE_OK);
	assert_int_equal(store_order_get(f->st, o.id, &got), STORE_OK);
	assert_int_equal(got.status, ORDER_PENDING);
	got.status = ORDER_READY;
	assert_int_equal(store_order_put(f->st, &got), STORE_OK);
	assert_int_equal(store_count(f->st, "k/nest", NOW + 60, 1, &v),
	    STORE_OK);
	assert_int_equal(v, 3);
	/* A nested transaction that wrote nothing, kept or not. */
	assert_int_equal(store_nest_begin(f->st), STORE_OK);
	assert_int_equal(store_nest_end(f->st, 1), STORE_OK);
	assert_int_equal(store_nest_begin(f->st), STORE_OK);
	assert_int_equal(store_nest_end(f->st, 0), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_order_get(f->st, o.id, &got), STORE_OK);
	assert_int_equal(got.status, ORDER_READY);
	assert_int_equal(store_count(f->st, "k/nest", NOW + 60, 0, &v),
	    STORE_OK);
	assert_int_equal(v, 3);
	commit(f->st);
	/* No nested transaction outside a transaction. */
	assert_int_equal(store_nest_begin(f->st), STORE_ERR);
	assert_int_equal(store_nest_end(f->st, 1), STORE_ERR);
}

/* The retry index read without removing: outside a transaction and in
 * one, oldest first with the times, up to max; entries removed one at a
 * time. */
static void
test_due_peek(void **state)
{
	struct fx	*f = *state;
	char		 ids[4][SMS_ID_MAX];
	int64_t		 when[4];

	begin(f->st);
	assert_int_equal(store_due_add(f->st, NOW - 5, "bbbb.1"), STORE_OK);
	assert_int_equal(store_due_add(f->st, NOW - 10, "aaaa.2"), STORE_OK);
	assert_int_equal(store_due_add(f->st, NOW - 10, "aaaa.1"), STORE_OK);
	assert_int_equal(store_due_add(f->st, NOW + 60, "cccc.1"), STORE_OK);
	commit(f->st);
	assert_int_equal(store_due_peek(f->st, NOW, ids, when, 4), 3);
	assert_string_equal(ids[0], "aaaa.1");
	assert_string_equal(ids[1], "aaaa.2");
	assert_string_equal(ids[2], "bbbb.1");
	assert_int_equal(when[0], NOW - 10);
	assert_int_equal(when[2], NOW - 5);
	/* Nothing was removed; max is kept to. */
	assert_int_equal(store_due_peek(f->st, NOW, ids, when, 2), 2);
	assert_string_equal(ids[1], "aaaa.2");
	assert_int_equal(store_due_peek(f->st, NOW - 11, ids, when, 4), 0);
	begin(f->st);
	assert_int_equal(store_due_peek(f->st, NOW + 60, ids, when, 4), 4);
	assert_string_equal(ids[3], "cccc.1");
	assert_int_equal(store_due_del(f->st, NOW - 10, "aaaa.2"), STORE_OK);
	assert_int_equal(store_due_del(f->st, NOW - 10, "aaaa.2"),
	    STORE_NOTFOUND);
	assert_int_equal(store_due_del(f->st, NOW - 5, "aaaa.1"),
	    STORE_NOTFOUND);
	commit(f->st);
	assert_int_equal(store_due_peek(f->st, NOW, ids, when, 4), 2);
	assert_string_equal(ids[0], "aaaa.1");
	assert_string_equal(ids[1], "bbbb.1");
	/* An undone removal leaves the entry. */
	begin(f->st);
	assert_int_equal(store_due_del(f->st, NOW - 5, "bbbb.1"), STORE_OK);
	store_abort(f->st);
	assert_int_equal(store_due_peek(f->st, NOW, ids, when, 4), 2);
}

static void
mkwindow(struct window *w, int64_t expires, int seed)
{
	int	 j;

	memset(w, 0, sizeof(*w));
	w->expires = expires;
	w->slot = 29000000 + seed;
	for (j = 0; j < WINDOW_SLOTS; j++) {
		w->n[j] = (uint32_t)(j * 7 + seed);
		w->last[j] = (uint16_t)(j * 13 % 60);
	}
	w->n[WINDOW_SLOTS - 1] = UINT32_MAX;
	w->last[0] = UINT16_MAX;
}

/* A rate limit's sliding window: none (zeroed), written and read back
 * whole, replaced, undone with its transaction, pruned once expired. */
static void
test_window(void **state)
{
	struct fx	*f = *state;
	struct window	 w, got, zero;
	long		 removed;

	memset(&zero, 0, sizeof(zero));
	memset(&got, 0xa5, sizeof(got));
	begin(f->st);
	assert_int_equal(store_window_get(f->st, "n:1/3600", &got),
	    STORE_NOTFOUND);
	assert_memory_equal(&got, &zero, sizeof(got));
	mkwindow(&w, NOW + 3600, 1);
	assert_int_equal(store_window_put(f->st, "n:1/3600", &w), STORE_OK);
	assert_int_equal(store_window_get(f->st, "n:1/3600", &got), STORE_OK);
	assert_memory_equal(&got, &w, sizeof(w));
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_window_get(f->st, "n:1/3600", &got), STORE_OK);
	assert_memory_equal(&got, &w, sizeof(w));
	mkwindow(&w, NOW + 7200, 2);
	assert_int_equal(store_window_put(f->st, "n:1/3600", &w), STORE_OK);
	mkwindow(&w, NOW - 1, 3);
	assert_int_equal(store_window_put(f->st, "n:1/86400", &w), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_window_get(f->st, "n:1/3600", &got), STORE_OK);
	assert_int_equal(got.expires, NOW + 7200);
	assert_int_equal(got.n[3], 3 * 7 + 2);
	w.slot = 5;
	assert_int_equal(store_window_put(f->st, "n:1/3600", &w), STORE_OK);
	store_abort(f->st);
	begin(f->st);
	assert_int_equal(store_window_get(f->st, "n:1/3600", &got), STORE_OK);
	assert_int_equal(got.slot, 29000000 + 2);
	commit(f->st);
	/* The expired one goes; the other stays. */
	assert_int_equal(store_prune(f->st, NOW, &removed), STORE_OK);
	assert_int_equal(removed, 1);
	begin(f->st);
	assert_int_equal(store_window_get(f->st, "n:1/86400", &got),
	    STORE_NOTFOUND);
	assert_int_equal(store_window_get(f->st, "n:1/3600", &got), STORE_OK);
	commit(f->st);
}

/* A nonce spent in two steps: kept, it is used; not kept, it is free
 * again; an end with no start is an error. */
static void
test_nonce_start(void **state)
{
	struct fx	*f = *state;
	unsigned char	 n1[NONCE_RAW_LEN], n2[NONCE_RAW_LEN];
	struct account	 a, got;

	memset(n1, 4, sizeof(n1));
	memset(n2, 5, sizeof(n2));
	mkaccount(&a, 7);
	begin(f->st);
	assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_nonce_end(f->st, 1), STORE_ERR);
	assert_int_equal(store_nonce_start(f->st, n1, sizeof(n1) - 1, NOW),
	    STORE_ERR);
	/* The spend and the account's read, then the outcome. */
	assert_int_equal(store_nonce_start(f->st, n1, sizeof(n1), NOW + 60),
	    STORE_OK);
	assert_int_equal(store_account_get(f->st, a.id, &got), STORE_OK);
	assert_string_equal(got.id, a.id);
	assert_int_equal(store_nonce_end(f->st, 1), STORE_OK);
	assert_int_equal(store_nonce_end(f->st, 1), STORE_ERR);
	assert_int_equal(store_nonce_start(f->st, n1, sizeof(n1), NOW + 60),
	    STORE_OK);
	assert_int_equal(store_nonce_end(f->st, 1), STORE_EXISTS);
	/* Not kept: n2 stays free, and n1 (used before) stays used. */
	assert_int_equal(store_nonce_start(f->st, n2, sizeof(n2), NOW + 60),
	    STORE_OK);
	assert_int_equal(store_account_get(f->st, a.id, &got), STORE_OK);
	assert_int_equal(store_nonce_end(f->st, 0), STORE_OK);
	assert_int_equal(store_nonce_start(f->st, n1, sizeof(n1), NOW + 60),
	    STORE_OK);
	assert_int_equal(store_nonce_end(f->st, 0), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_nonce_use(f->st, n1, sizeof(n1), NOW + 60),
	    STORE_EXISTS);
	assert_int_equal(store_nonce_use(f->st, n2, sizeof(n2), NOW + 60),
	    STORE_OK);
	commit(f->st);
}

/* Windows read ahead answer as a read would: found, none, written
 * since, and undone with a nested transaction; nothing else changes. */
static void
test_window_prefetch(void **state)
{
	struct fx	*f = *state;
	const char	*keys[] = { "a/60", "b/60", "c/60", "a/60", "d/60" };
	struct window	 wa, wb, w2, got, zero;

	memset(&zero, 0, sizeof(zero));
	mkwindow(&wa, NOW + 3600, 1);
	mkwindow(&wb, NOW + 3600, 2);
	mkwindow(&w2, NOW + 3600, 3);
	begin(f->st);
	assert_int_equal(store_window_put(f->st, "a/60", &wa), STORE_OK);
	assert_int_equal(store_window_put(f->st, "b/60", &wb), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_window_prefetch(f->st, keys, 5), STORE_OK);
	/* Written before it was read: the write is what it reads. */
	assert_int_equal(store_window_put(f->st, "d/60", &w2), STORE_OK);
	assert_int_equal(store_window_get(f->st, "b/60", &got), STORE_OK);
	assert_memory_equal(&got, &wb, sizeof(got));
	assert_int_equal(store_window_get(f->st, "a/60", &got), STORE_OK);
	assert_memory_equal(&got, &wa, sizeof(got));
	memset(&got, 0xa5, sizeof(got));
	assert_int_equal(store_window_get(f->st, "c/60", &got),
	    STORE_NOTFOUND);
	assert_memory_equal(&got, &zero, sizeof(got));
	assert_int_equal(store_window_get(f->st, "d/60", &got), STORE_OK);
	assert_memory_equal(&got, &w2, sizeof(got));
	/* A write, read back; in a nested transaction undone, the write
	 * before it is what is read. */
	assert_int_equal(store_window_put(f->st, "b/60", &w2), STORE_OK);
	assert_int_equal(store_window_get(f->st, "b/60", &got), STORE_OK);
	assert_memory_equal(&got, &w2, sizeof(got));
	assert_int_equal(store_nest_begin(f->st), STORE_OK);
	assert_int_equal(store_window_prefetch(f->st, keys + 2, 1), STORE_OK);
	assert_int_equal(store_window_put(f->st, "a/60", &w2), STORE_OK);
	assert_int_equal(store_window_get(f->st, "a/60", &got), STORE_OK);
	assert_memory_equal(&got, &w2, sizeof(got));
	assert_int_equal(store_nest_end(f->st, 0), STORE_OK);
	assert_int_equal(store_window_get(f->st, "a/60", &got), STORE_OK);
	assert_memory_equal(&got, &wa, sizeof(got));
	assert_int_equal(store_window_get(f->st, "c/60", &got),
	    STORE_NOTFOUND);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_window_get(f->st, "a/60", &got), STORE_OK);
	assert_memory_equal(&got, &wa, sizeof(got));
	assert_int_equal(store_window_get(f->st, "b/60", &got), STORE_OK);
	assert_memory_equal(&got, &w2, sizeof(got));
	assert_int_equal(store_window_get(f->st, "d/60", &got), STORE_OK);
	assert_memory_equal(&got, &w2, sizeof(got));
	commit(f->st);
}

/* A counter added to without its sum; a key put after its look-up found
 * none; a certificate found by its serial, then changed. */
static void
test_blind_writes(void **state)
{
	struct fx	*f = *state;
	struct cert	 c, got;
	struct order	 o, og;
	char		 id[ID_LEN + 1];
	long		 v;

	begin(f->st);
	assert_int_equal(store_count(f->st, "k/blind", NOW + 60, 0, NULL),
	    STORE_ERR);
	store_abort(f->st);
	begin(f->st);
	assert_int_equal(store_count(f->st, "k/blind", NOW + 60, 2, NULL),
	    STORE_OK);
	assert_int_equal(store_count(f->st, "k/blind", NOW + 60, 3, NULL),
	    STORE_OK);
	assert_int_equal(store_count(f->st, "k/blind", NOW + 60, 0, &v),
	    STORE_OK);
	assert_int_equal(v, 5);
	assert_int_equal(store_key_get(f->st, "thumb-blind", id),
	    STORE_NOTFOUND);
	assert_int_equal(store_key_put(f->st, "thumb-blind",
	    "acct000000000009"), STORE_OK);
	mkcert(&c, 9, 0);
	mkorder(&o, "acct000000000009", 9, NOW);
	strcpy(c.id, o.id);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_cert_put(f->st, &c), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_key_get(f->st, "thumb-blind", id), STORE_OK);
	assert_string_equal(id, "acct000000000009");
	assert_int_equal(store_serial_get(f->st, c.serial, id), STORE_OK);
	assert_string_equal(id, c.id);
	assert_int_equal(store_cert_get(f->st, id, &got), STORE_OK);
	assert_int_equal(got.revoked, 0);
	assert_memory_equal(got.der, c.der, c.derlen);
	assert_int_equal(store_order_get(f->st, id, &og), STORE_OK);
	assert_int_equal(og.status, ORDER_PENDING);
	og.status = ORDER_INVALID;
	assert_int_equal(store_order_put(f->st, &og), STORE_OK);
	assert_int_equal(store_order_get(f->st, id, &og), STORE_OK);
	assert_int_equal(og.status, ORDER_INVALID);
	got.revoked = 1;
	got.reason = 1;
	assert_int_equal(store_cert_put(f->st, &got), STORE_OK);
	assert_int_equal(store_cert_get(f->st, id, &got), STORE_OK);
	assert_int_equal(got.revoked, 1);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_count(f->st, "k/blind", NOW + 60, 0, &v),
	    STORE_OK);
	assert_int_equal(v, 5);
	assert_int_equal(store_cert_get(f->st, c.id, &got), STORE_OK);
	assert_int_equal(got.revoked, 1);
	assert_int_equal(store_order_get(f->st, c.id, &og), STORE_OK);
	assert_int_equal(og.status, ORDER_INVALID);
	commit(f->st);
}

struct seen {
	char	 ids[600][ID_LEN + 1];
	int	 n;
	char	 last[ID_LEN + 1];
};

static int
collect(void *arg, const struct order *o)
{
	struct seen	*s = arg;

	assert_true(s->n < 600);
	snprintf(s->ids[s->n++], ID_LEN + 1, "%s", o->id);
	snprintf(s->last, sizeof(s->last), "%s", o->id);
	return 1;
}

/* Page through acct's orders max at a time; returns the pages read. */
static int
page_all(struct store *st, const char *acct, int max, struct seen *s)
{
	char	 after[ID_LEN + 1];
	int	 more, n, pages = 0, before;

	memset(s, 0, sizeof(*s));
	do {
		before = s->n;
		snprintf(after, sizeof(after), "%s", s->last);
		begin(st);
		n = store_acct_orders(st, acct, pages ? after : NULL, max,
		    &more, collect, s);
		commit(st);
		assert_int_equal(n, s->n - before);
		assert_true(n <= max);
		if (more)
			assert_int_equal(n, max);
		pages++;
	} while (more && pages < 1000);
	return pages;
}

static int	get_order(struct store *, const char *, void *);
static void	corrupt(struct store *, enum dbname, const char *,
		    const void *, size_t, int (*)(struct store *, const char *,
		    void *));

/* A version 1 order (before profiles, replacement and reuse) reads as
 * version 2 with those empty; a mismatch of version and size does not. */
static void
test_order_v1(void **state)
{
	struct fx	*f = *state;
	struct order	 o, p;

	mkorder(&o, "acct000000000001", 7, NOW);
	o.version = 1;
	o.status = ORDER_VALID;
	snprintf(o.detail, sizeof(o.detail), "old");
	assert_true(ORDER_V1_SIZE < sizeof(o));
	assert_true(ORDER_V1_SIZE >= offsetof(struct order, detail) +
	    DETAIL_MAX);
	begin(f->st);
	assert_int_equal(store_put(f->st, DB_ORDERS, o.id, strlen(o.id), &o,
	    ORDER_V1_SIZE, 0), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_order_get(f->st, o.id, &p), STORE_OK);
	assert_int_equal(p.version, ORDER_VERSION);
	assert_int_equal(p.status, ORDER_VALID);
	assert_string_equal(p.detail, "old");
	assert_string_equal(p.profile, "");
	assert_string_equal(p.replaces, "");
	assert_string_equal(p.proof, "");
	/* Written back, it is a version 2 record. */
	assert_int_equal(store_order_put(f->st, &p), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_order_get(f->st, o.id, &p), STORE_OK);
	assert_string_equal(p.detail, "old");
	commit(f->st);
	/* Version 2 in a version 1 size: corrupt. */
	o.version = ORDER_VERSION;
	corrupt(f->st, DB_ORDERS, "v2short", &o, ORDER_V1_SIZE, get_order);
}

/* The replacement record: the first order wins, a later one only in
 * the place of the one named as prev. */
static void
test_replace(void **state)
{
	struct fx	*f = *state;
	char		 by[ID_LEN + 1];

	begin(f->st);
	assert_int_equal(store_replaced_by(f->st, "cert000000000001", by),
	    STORE_NOTFOUND);
	assert_int_equal(store_replace(f->st, "cert000000000001",
	    "ordr000000000001", NULL), STORE_OK);
	assert_int_equal(store_replace(f->st, "cert000000000001",
	    "ordr000000000002", NULL), STORE_EXISTS);
	assert_int_equal(store_replace(f->st, "cert000000000001",
	    "ordr000000000002", "ordr000000000009"), STORE_EXISTS);
	assert_int_equal(store_replaced_by(f->st, "cert000000000001", by),
	    STORE_OK);
	assert_string_equal(by, "ordr000000000001");
	assert_int_equal(store_replace(f->st, "cert000000000001",
	    "ordr000000000002", "ordr000000000001"), STORE_OK);
	assert_int_equal(store_replaced_by(f->st, "cert000000000001", by),
	    STORE_OK);
	assert_string_equal(by, "ordr000000000002");
	assert_int_equal(store_replace(f->st, "cert000000000002",
	    "ordr000000000003", "ordr000000000001"), STORE_EXISTS);
	commit(f->st);
}

static void
test_orders_paging(void **state)
{
	struct fx	*f = *state;
	struct order	 o;
	struct seen	*s;
	char		 want[ID_LEN + 1];
	int		 i, more;

	s = malloc(sizeof(*s));
	assert_non_null(s);
	/* 250 orders, interleaved with another account's 40; ids are
	 * made so that id order is the reverse of creation order. */
	begin(f->st);
	for (i = 0; i < 250; i++) {
		mkorder(&o, "acct000000000001", 9999 - i, NOW + i);
		assert_int_equal(store_order_put(f->st, &o), STORE_OK);
		assert_int_equal(store_acct_order_add(f->st, &o), STORE_OK);
		if (i % 6 == 0) {
			mkorder(&o, "acct000000000002", 5000 + i, NOW + i);
			assert_int_equal(store_order_put(f->st, &o), STORE_OK);
			assert_int_equal(store_acct_order_add(f->st, &o),
			    STORE_OK);
		}
	}
	commit(f->st);

	assert_int_equal(page_all(f->st, "acct000000000001", ORDERS_PAGE, s),
	    3);
	assert_int_equal(s->n, 250);
	for (i = 0; i < 250; i++) {
		mkid(want, "ord", 9999 - i);
		assert_string_equal(s->ids[i], want);
	}
	assert_int_equal(page_all(f->st, "acct000000000002", ORDERS_PAGE, s),
	    1);
	assert_int_equal(s->n, 42);
	/* Page sizes that divide the count exactly. */
	assert_int_equal(page_all(f->st, "acct000000000001", 125, s), 2);
	assert_int_equal(s->n, 250);
	assert_int_equal(page_all(f->st, "acct000000000001", 250, s), 1);
	assert_int_equal(s->n, 250);
	assert_int_equal(page_all(f->st, "acct000000000001", 1, s), 250);
	assert_int_equal(s->n, 250);

	begin(f->st);
	memset(s, 0, sizeof(*s));
	/* No orders; an unknown cursor; another account's cursor. */
	assert_int_equal(store_acct_orders(f->st, "acct000000000003", NULL,
	    100, &more, collect, s), 0);
	assert_false(more);
	assert_int_equal(store_acct_orders(f->st, "acct000000000001",
	    "ord0000000000000", 100, &more, collect, s), 0);
	assert_false(more);
	mkid(want, "ord", 5000);
	assert_int_equal(store_acct_orders(f->st, "acct000000000001", want,
	    100, &more, collect, s), 0);
	assert_int_equal(s->n, 0);
	/* The last order as cursor: nothing after it. */
	mkid(want, "ord", 9999 - 249);
	assert_int_equal(store_acct_orders(f->st, "acct000000000001", want,
	    100, &more, collect, s), 0);
	assert_false(more);
	commit(f->st);
	free(s);
}

/* Orders created within the same second are each listed once. */
static void
test_orders_same_second(void **state)
{
	struct fx	*f = *state;
	struct order	 o;
	struct seen	*s;
	int		 i, k;

	s = malloc(sizeof(*s));
	assert_non_null(s);
	begin(f->st);
	for (i = 0; i < 230; i++) {
		mkorder(&o, "acct000000000001", (i * 7919) % 10007, NOW);
		assert_int_equal(store_order_put(f->st, &o), STORE_OK);
		assert_int_equal(store_acct_order_add(f->st, &o), STORE_OK);
	}
	commit(f->st);
	assert_int_equal(page_all(f->st, "acct000000000001", ORDERS_PAGE, s),
	    3);
	assert_int_equal(s->n, 230);
	for (i = 0; i < s->n; i++)
		for (k = 0; k < i; k++)
			assert_string_not_equal(s->ids[i], s->ids[k]);
	free(s);
}

static void
test_counters(void **state)
{
	struct fx	*f = *state;
	long		 v;

	begin(f->st);
	assert_int_equal(store_count(f->st, "n:12025550123", NOW + 3600, 1,
	    &v), STORE_OK);
	assert_int_equal(v, 1);
	assert_int_equal(store_count(f->st, "n:12025550123", NOW + 3600, 1,
	    &v), STORE_OK);
	assert_int_equal(v, 2);
	assert_int_equal(store_count(f->st, "n:12025550123", NOW + 3600, 3,
	    &v), STORE_OK);
	assert_int_equal(v, 5);
	/* n == 0 only reads. */
	assert_int_equal(store_count(f->st, "n:12025550123", NOW + 3600, 0,
	    &v), STORE_OK);
	assert_int_equal(v, 5);
	/* Another key is independent; reading a fresh one gives 0. */
	assert_int_equal(store_count(f->st, "a:acct", NOW + 3600, 0, &v),
	    STORE_OK);
	assert_int_equal(v, 0);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_count(f->st, "n:12025550123", NOW + 3600, 0,
	    &v), STORE_OK);
	assert_int_equal(v, 5);
	/* A new window starts from zero. */
	assert_int_equal(store_count(f->st, "n:12025550123", NOW + 7200, 1,
	    &v), STORE_OK);
	assert_int_equal(v, 1);
	assert_int_equal(store_count(f->st, "n:12025550123", NOW + 7200, 0,
	    &v), STORE_OK);
	assert_int_equal(v, 1);
	commit(f->st);
}

static void
test_meta(void **state)
{
	struct fx	*f = *state;
	uint64_t	 v;

	begin(f->st);
	assert_int_equal(store_meta_next(f->st, "crl", &v), STORE_OK);
	assert_int_equal(v, 1);
	assert_int_equal(store_meta_next(f->st, "crl", &v), STORE_OK);
	assert_int_equal(v, 2);
	assert_int_equal(store_meta_next(f->st, "other", &v), STORE_OK);
	assert_int_equal(v, 1);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_meta_next(f->st, "crl", &v), STORE_OK);
	assert_int_equal(v, 3);
	store_abort(f->st);
	begin(f->st);
	assert_int_equal(store_meta_next(f->st, "crl", &v), STORE_OK);
	assert_int_equal(v, 3);
	commit(f->st);
	/* A floor above the counter lifts it; below, the counter goes on. */
	begin(f->st);
	assert_int_equal(store_meta_above(f->st, "crl", 1000, &v), STORE_OK);
	assert_int_equal(v, 1000);
	assert_int_equal(store_meta_above(f->st, "crl", 1000, &v), STORE_OK);
	assert_int_equal(v, 1001);
	assert_int_equal(store_meta_above(f->st, "crl", 5, &v), STORE_OK);
	assert_int_equal(v, 1002);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_meta_next(f->st, "crl", &v), STORE_OK);
	assert_int_equal(v, 1003);
	commit(f->st);
}

/* Write raw bytes as the record of id in d, then read it back through
 * get: it must fail as corrupt, and the transaction must stay failed. */
static void
corrupt(struct store *st, enum dbname d, const char *id, const void *raw,
    size_t len, int (*get)(struct store *, const char *, void *))
{
	struct account	 a;

	begin(st);
	assert_int_equal(store_put(st, d, id, strlen(id), raw, len, 0),
	    STORE_OK);
	commit(st);
	begin(st);
	assert_int_equal(get(st, id, NULL), STORE_ERR);
	assert_true(store_failed(st));
	assert_false(store_retry(st));
	/* Everything fails until the transaction ends. */
	assert_int_equal(store_account_get(st, "acct000000000001", &a),
	    STORE_ERR);
	assert_int_equal(store_commit(st, 0), STORE_ERR);
	store_abort(st);
	begin(st);
	assert_false(store_failed(st));
	store_abort(st);
}

static union {
	struct account	 a;
	struct order	 o;
	struct cert	 c;
	struct sms	 m;
} rec;

static int
get_account(struct store *st, const char *id, void *unused)
{
	(void)unused;
	return store_account_get(st, id, &rec.a);
}

static int
get_order(struct store *st, const char *id, void *unused)
{
	(void)unused;
	return store_order_get(st, id, &rec.o);
}

static int
get_cert(struct store *st, const char *id, void *unused)
{
	(void)unused;
	return store_cert_get(st, id, &rec.c);
}

static int
get_sms(struct store *st, const char *id, void *unused)
{
	(void)unused;
	return store_sms_get(st, id, &rec.m);
}

static int
get_platform(struct store *st, const char *id, void *unused)
{
	struct platform	 p;

	(void)unused;
	return store_platform_get(st, id, &p);
}

static int
get_key(struct store *st, const char *id, void *unused)
{
	char	 out[ID_LEN + 1];

	(void)unused;
	return store_key_get(st, id, out);
}

static void
test_corrupt(void **state)
{
	struct fx	*f = *state;
	struct account	 a;
	struct order	 o;
	struct cert	 c;
	struct sms	 m;
	unsigned char	 junk[sizeof(struct cert) + 8];

	memset(junk, 'A', sizeof(junk));
	/* Wrong sizes: short, long, empty. */
	corrupt(f->st, DB_ACCOUNTS, "short", junk, sizeof(a) - 1,
	    get_account);
	corrupt(f->st, DB_ACCOUNTS, "long", junk, sizeof(a) + 1,
	    get_account);
	corrupt(f->st, DB_ACCOUNTS, "empty", junk, 0, get_account);
	corrupt(f->st, DB_ORDERS, "short", junk, sizeof(o) / 2,
	    get_order);
	corrupt(f->st, DB_CERTS, "long", junk, sizeof(junk),
	    get_cert);
	corrupt(f->st, DB_OUTBOX, "short", junk, 10, get_sms);
	corrupt(f->st, DB_KEYS, "thumb-short", "acct00000000001", ID_LEN - 1,
	    get_key);
	corrupt(f->st, DB_KEYS, "thumb-long", "acct0000000000001", ID_LEN + 1,
	    get_key);

	/* Right size, bad content. */
	mkaccount(&a, 1);
	a.version = ACCOUNT_VERSION + 1;
	corrupt(f->st, DB_ACCOUNTS, "version", &a, sizeof(a),
	    get_account);
	mkaccount(&a, 1);
	a.version = ACCOUNT_VERSION;
	a.status = ACCT__MAX;
	corrupt(f->st, DB_ACCOUNTS, "status", &a, sizeof(a),
	    get_account);
	mkaccount(&a, 1);
	a.version = ACCOUNT_VERSION;
	memset(a.key, 'k', sizeof(a.key));
	corrupt(f->st, DB_ACCOUNTS, "unterminated", &a, sizeof(a),
	    get_account);
	mkaccount(&a, 1);
	a.version = ACCOUNT_VERSION;
	memset(a.contact, 'c', sizeof(a.contact));
	corrupt(f->st, DB_ACCOUNTS, "contact", &a, sizeof(a),
	    get_account);

	mkorder(&o, "acct000000000001", 1, NOW);
	o.version = ORDER_VERSION;
	o.chall = CHALL__MAX;
	corrupt(f->st, DB_ORDERS, "chall", &o, sizeof(o), get_order);
	mkorder(&o, "acct000000000001", 1, NOW);
	o.version = ORDER_VERSION;
	o.authz = AUTHZ__MAX;
	corrupt(f->st, DB_ORDERS, "authz", &o, sizeof(o), get_order);
	mkorder(&o, "acct000000000001", 1, NOW);
	o.version = ORDER_VERSION;
	o.status = 200;
	corrupt(f->st, DB_ORDERS, "status", &o, sizeof(o), get_order);
	mkorder(&o, "acct000000000001", 1, NOW);
	o.version = ORDER_VERSION;
	memset(o.tn, '1', sizeof(o.tn));
	corrupt(f->st, DB_ORDERS, "tn", &o, sizeof(o), get_order);

	mkcert(&c, 1, 0);
	c.version = RECORD_VERSION;
	c.derlen = sizeof(c.der) + 1;
	corrupt(f->st, DB_CERTS, "derlen", &c, sizeof(c), get_cert);

	mksms(&m, 1, OUTBOX_QUEUED, NOW);
	m.version = RECORD_VERSION;
	m.sealedlen = sizeof(m.sealed) + 1;
	corrupt(f->st, DB_OUTBOX, "sealedlen", &m, sizeof(m),
	    get_sms);
	mksms(&m, 1, OUTBOX_QUEUED, NOW);
	m.version = RECORD_VERSION;
	m.state = OUTBOX__MAX;
	corrupt(f->st, DB_OUTBOX, "state", &m, sizeof(m), get_sms);

	/* The record checks accept what the put functions write. */
	mkaccount(&a, 1);
	a.version = ACCOUNT_VERSION;
	assert_true(store_account_ok(&a));
	mkorder(&o, "acct000000000001", 1, NOW);
	o.version = ORDER_VERSION;
	assert_true(store_order_ok(&o));
	mkcert(&c, 1, 1);
	c.version = RECORD_VERSION;
	assert_true(store_cert_ok(&c));
	mksms(&m, 1, OUTBOX_DONE, NOW);
	m.version = RECORD_VERSION;
	assert_true(store_sms_ok(&m));
}

static void
test_prune(void **state)
{
	struct fx	*f = *state;
	unsigned char	 old[NONCE_RAW_LEN], young[NONCE_RAW_LEN];
	struct order	 o;
	struct sms	 m, r;
	struct seen	*s;
	long		 removed, v;
	int		 i, more;
	char		 id[ID_LEN + 1];

	memset(old, 1, sizeof(old));
	memset(young, 2, sizeof(young));
	begin(f->st);
	/* Nonces: 3 expired, 1 not. */
	for (i = 0; i < 3; i++) {
		old[0] = (unsigned char)i;
		assert_int_equal(store_nonce_use(f->st, old, sizeof(old),
		    NOW - 10 - i), STORE_OK);
	}
	assert_int_equal(store_nonce_use(f->st, young, sizeof(young),
	    NOW + 100), STORE_OK);
	/* Counters: 2 ended windows, 1 open. */
	assert_int_equal(store_count(f->st, "c1", NOW - 1, 1, &v), STORE_OK);
	assert_int_equal(store_count(f->st, "c2", NOW - 3600, 1, &v),
	    STORE_OK);
	assert_int_equal(store_count(f->st, "c3", NOW + 3600, 4, &v),
	    STORE_OK);
	/* Orders: pending and expired over a day ago (gone); valid and
	 * old (kept); expired less than a day ago (kept); fresh (kept). */
	mkorder(&o, "acct000000000001", 1, NOW - 3 * 86400);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_acct_order_add(f->st, &o), STORE_OK);
	mkorder(&o, "acct000000000001", 2, NOW - 3 * 86400);
	o.status = ORDER_INVALID;
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_acct_order_add(f->st, &o), STORE_OK);
	mkorder(&o, "acct000000000001", 3, NOW - 3 * 86400);
	o.status = ORDER_VALID;
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_acct_order_add(f->st, &o), STORE_OK);
	mkorder(&o, "acct000000000001", 4, NOW - 86400 - 3600);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_acct_order_add(f->st, &o), STORE_OK);
	mkorder(&o, "acct000000000001", 5, NOW);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_acct_order_add(f->st, &o), STORE_OK);
	/* Outbox: delivered and old (gone); queued and old (kept);
	 * delivered and recent (kept). */
	mksms(&m, 1, OUTBOX_DONE, NOW - 2 * 86400);
	assert_int_equal(store_sms_put(f->st, &m), STORE_OK);
	mksms(&m, 2, OUTBOX_QUEUED, NOW - 2 * 86400);
	assert_int_equal(store_sms_put(f->st, &m), STORE_OK);
	mksms(&m, 3, OUTBOX_FAILED, NOW - 3600);
	assert_int_equal(store_sms_put(f->st, &m), STORE_OK);
	commit(f->st);

	assert_int_equal(store_prune(f->st, NOW, &removed), STORE_OK);
	assert_int_equal(removed, 3 + 2 + 2 + 1);

	begin(f->st);
	/* Pruned nonces are forgotten; the unexpired one is not. */
	old[0] = 0;
	assert_int_equal(store_nonce_use(f->st, old, sizeof(old), NOW - 10),
	    STORE_OK);
	assert_int_equal(store_nonce_use(f->st, young, sizeof(young),
	    NOW + 100), STORE_EXISTS);
	assert_int_equal(store_count(f->st, "c3", NOW + 3600, 0, &v),
	    STORE_OK);
	assert_int_equal(v, 4);
	mkid(id, "ord", 1);
	assert_int_equal(store_order_get(f->st, id, &o), STORE_NOTFOUND);
	mkid(id, "ord", 2);
	assert_int_equal(store_order_get(f->st, id, &o), STORE_NOTFOUND);
	for (i = 3; i <= 5; i++) {
		mkid(id, "ord", i);
		assert_int_equal(store_order_get(f->st, id, &o), STORE_OK);
	}
	mksms(&m, 1, 0, 0);
	assert_int_equal(store_sms_get(f->st, m.id, &r), STORE_NOTFOUND);
	mksms(&m, 2, 0, 0);
	assert_int_equal(store_sms_get(f->st, m.id, &r), STORE_OK);
	mksms(&m, 3, 0, 0);
	assert_int_equal(store_sms_get(f->st, m.id, &r), STORE_OK);
	/* The account's list lost the pruned orders. */
	s = calloc(1, sizeof(*s));
	assert_non_null(s);
	assert_int_equal(store_acct_orders(f->st, "acct000000000001", NULL,
	    100, &more, collect, s), 3);
	free(s);
	commit(f->st);

	/* Only the expired nonce marked again above is left to prune. */
	assert_int_equal(store_prune(f->st, NOW, &removed), STORE_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(store_prune(f->st, NOW, &removed), STORE_OK);
	assert_int_equal(removed, 0);
}

static void
test_stats(void **state)
{
	struct fx	*f = *state;
	struct account	 a;
	struct order	 o;
	struct cert	 c;
	struct sms	 m;
	long		 accounts, orders[ORDER__MAX], sms[OUTBOX__MAX], certs;
	int		 i;

	assert_int_equal(store_stats(f->st, &accounts, orders, sms, &certs),
	    STORE_OK);
	assert_int_equal(accounts, 0);
	assert_int_equal(certs, 0);
	begin(f->st);
	for (i = 0; i < 4; i++) {
		mkaccount(&a, i);
		assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	}
	for (i = 0; i < 10; i++) {
		mkorder(&o, "acct000000000001", i, NOW);
		o.status = (uint8_t)(i % ORDER__MAX);
		assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	}
	for (i = 0; i < 3; i++) {
		mkcert(&c, i, i == 0);
		assert_int_equal(store_cert_put(f->st, &c), STORE_OK);
	}
	for (i = 0; i < 7; i++) {
		mksms(&m, i, i % OUTBOX__MAX, NOW);
		assert_int_equal(store_sms_put(f->st, &m), STORE_OK);
	}
	commit(f->st);
	assert_int_equal(store_stats(f->st, &accounts, orders, sms, &certs),
	    STORE_OK);
	assert_int_equal(accounts, 4);
	for (i = 0; i < ORDER__MAX; i++)
		assert_int_equal(orders[i], 2);
	assert_int_equal(sms[OUTBOX_QUEUED], 3);
	assert_int_equal(sms[OUTBOX_DONE], 2);
	assert_int_equal(sms[OUTBOX_FAILED], 2);
	assert_int_equal(certs, 3);
	/* stats leaves no transaction open. */
	begin(f->st);
	commit(f->st);
}

static void
test_backup(void **state)
{
	struct fx	*f = *state;
	struct account	 a, b;
	struct order	 o, p;
	struct store	*copy;
	char		 to[128];
	uint64_t	 v;

	mkaccount(&a, 1);
	mkorder(&o, a.id, 1, NOW);
	begin(f->st);
	assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_meta_next(f->st, "crl", &v), STORE_OK);
	assert_int_equal(store_commit(f->st, 1), STORE_OK);
	snprintf(to, sizeof(to), "%s/backup", f->dir);
	assert_int_equal(store_backup(f->st, to), STORE_OK);
	/* Changes after the backup stay out of it. */
	mkaccount(&b, 2);
	begin(f->st);
	assert_int_equal(store_account_put(f->st, &b), STORE_OK);
	commit(f->st);

	copy = store_open(to, 0);
	assert_non_null(copy);
	begin(copy);
	assert_int_equal(store_account_get(copy, a.id, &b), STORE_OK);
	a.version = ACCOUNT_VERSION;
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(store_order_get(copy, o.id, &p), STORE_OK);
	mkaccount(&b, 2);
	assert_int_equal(store_account_get(copy, b.id, &b), STORE_NOTFOUND);
	assert_int_equal(store_meta_next(copy, "crl", &v), STORE_OK);
	assert_int_equal(v, 2);
	commit(copy);
	store_close(copy);
	/* The live store is untouched by the copy's use. */
	begin(f->st);
	assert_int_equal(store_meta_next(f->st, "crl", &v), STORE_OK);
	assert_int_equal(v, 2);
	commit(f->st);
}

static void
test_reopen(void **state)
{
	struct fx	*f = *state;
	struct account	 a, b;
	struct order	 o, p;
	unsigned char	 n[NONCE_RAW_LEN];
	char		 id[ID_LEN + 1];
	long		 v;
	uint64_t	 m;

	mkaccount(&a, 3);
	mkorder(&o, a.id, 3, NOW);
	memset(n, 4, sizeof(n));
	begin(f->st);
	assert_int_equal(store_account_put(f->st, &a), STORE_OK);
	assert_int_equal(store_key_put(f->st, a.thumb, a.id), STORE_OK);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_acct_order_add(f->st, &o), STORE_OK);
	assert_int_equal(store_nonce_use(f->st, n, sizeof(n), NOW + 60),
	    STORE_OK);
	assert_int_equal(store_count(f->st, "k", NOW + 60, 2, &v), STORE_OK);
	assert_int_equal(store_meta_next(f->st, "m", &m), STORE_OK);
	commit(f->st);
	store_close(f->st);

	/* Reopen without create. */
	f->st = store_open(f->db, 0);
	assert_non_null(f->st);
	begin(f->st);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	a.version = ACCOUNT_VERSION;
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(store_key_get(f->st, a.thumb, id), STORE_OK);
	assert_string_equal(id, a.id);
	assert_int_equal(store_order_get(f->st, o.id, &p), STORE_OK);
	assert_int_equal(store_nonce_use(f->st, n, sizeof(n), NOW + 60),
	    STORE_EXISTS);
	assert_int_equal(store_count(f->st, "k", NOW + 60, 0, &v), STORE_OK);
	assert_int_equal(v, 2);
	assert_int_equal(store_meta_next(f->st, "m", &m), STORE_OK);
	assert_int_equal(m, 2);
	commit(f->st);
}

/* Run fn in a child process; its exit status or signal. */
static int
in_child(void (*fn)(const char *), const char *db)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == 0) {
		fn(db);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

static void
die_inside(const char *db)
{
	if (store_open(db, 0) == NULL)
		_exit(1);
	kill(getpid(), SIGKILL);
}

static void
open_close(const char *db)
{
	struct store	*st;

	int		 stale;

	if ((st = store_open(db, 0)) == NULL)
		_exit(1);
	stale = store_stale(st);
	store_close(st);
	_exit(stale == 0 ? 0 : 2);
}

/* A process dies inside the environment; the next opener (another
 * process: one handle per process) recovers it, and a handle opened
 * before lives on in an abandoned environment: stale. The stale handle is
 * a child's, which ends without closing it (Berkeley DB cannot free what a
 * panicked environment holds). */
static void
test_stale(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	int		 ready[2], go[2], status;
	char		 c = 0;
	pid_t		 pid;

	assert_int_equal(store_stale(f->st), 0);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	if ((pid = fork()) == 0) {
		if ((st = store_open(f->db, 0)) == NULL)
			_exit(1);
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(store_stale(st) ? 10 + c : 20 + c);
	}
	assert_true(pid > 0);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(in_child(open_close, f->db), 0);	/* no recovery */
	assert_int_equal(in_child(die_inside, f->db), -SIGKILL);
	assert_int_equal(in_child(open_close, f->db), 0);	/* recovers */
	assert_int_equal(write(go[1], &c, 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 10);	/* stale */
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	f->st = store_open(f->db, 0);
	assert_non_null(f->st);
	assert_int_equal(store_stale(f->st), 0);
}

static void
test_open_missing(void **state)
{
	struct fx	*f = *state;
	char		 path[128];

	snprintf(path, sizeof(path), "%s/absent", f->dir);
	assert_null(store_open(path, 0));
}

/* A version 1 account record (written before accounts named their
 * platform: the same fields without it) still loads, with no platform;
 * written back it becomes version 2. */
static void
test_account_v1(void **state)
{
	struct fx	*f = *state;
	struct account	 a, b;

	mkaccount(&a, 7);
	a.version = RECORD_VERSION;
	assert_true(ACCOUNT_V1_SIZE < sizeof(a));
	begin(f->st);
	assert_int_equal(store_put(f->st, DB_ACCOUNTS, a.id, strlen(a.id), &a,
	    ACCOUNT_V1_SIZE, 0), STORE_OK);
	commit(f->st);
	begin(f->st);
	memset(&b, 0xee, sizeof(b));
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	assert_int_equal(b.version, ACCOUNT_VERSION);
	assert_string_equal(b.platform, "");
	assert_string_equal(b.key, a.key);
	assert_string_equal(b.contact, a.contact);
	assert_int_equal(b.created, a.created);
	strcpy(b.platform, "acme-phones");
	assert_int_equal(store_account_put(f->st, &b), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_account_get(f->st, a.id, &b), STORE_OK);
	assert_string_equal(b.platform, "acme-phones");
	commit(f->st);
	/* A version 2 record cut to the version 1 size is corrupt. */
	b.version = ACCOUNT_VERSION;
	corrupt(f->st, DB_ACCOUNTS, "v2short", &b, ACCOUNT_V1_SIZE,
	    get_account);
}

static int
count_platform(void *arg, const struct platform *p)
{
	char	*seen = arg;

	strcat(seen, p->name);
	strcat(seen, " ");
	return 1;
}

/* Platforms: put, get, walk in name order, corrupt records refused. */
static void
test_platform(void **state)
{
	struct fx	*f = *state;
	struct platform	 p, q;
	char		 seen[128] = "";

	memset(&p, 0, sizeof(p));
	strcpy(p.name, "zeta");
	strcpy(p.shown, "Zeta Chat");
	strcpy(p.kid, "kid0000000000001");
	strcpy(p.prefixes[0], "44");
	p.nprefixes = 1;
	p.sms_hour = 10;
	begin(f->st);
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	strcpy(p.name, "alpha");
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_string_equal(q.shown, "Zeta Chat");
	assert_string_equal(q.prefixes[0], "44");
	assert_int_equal(q.sms_hour, 10);
	assert_int_equal(store_platform_get(f->st, "none", &q),
	    STORE_NOTFOUND);
	assert_int_equal(store_platforms(f->st, count_platform, seen),
	    STORE_OK);
	assert_string_equal(seen, "alpha zeta ");
	commit(f->st);
	p.nprefixes = PLATFORM_PREFIXES_MAX + 1;
	strcpy(p.name, "bad");
	corrupt(f->st, DB_PLATFORMS, "bad", &p, sizeof(p),
	    get_platform);
}

/* A platform read ahead answers as a read would: found, none, written
 * since (before its answer came), and undone with a nested transaction;
 * outside a transaction there is nothing to read ahead. */
static void
test_platform_prefetch(void **state)
{
	struct fx	*f = *state;
	struct platform	 p, q;

	memset(&p, 0, sizeof(p));
	strcpy(p.name, "zeta");
	strcpy(p.shown, "Zeta Chat");
	strcpy(p.kid, "kid0000000000001");
	strcpy(p.prefixes[0], "44");
	p.nprefixes = 1;
	p.sms_hour = 10;
	begin(f->st);
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	commit(f->st);
	assert_int_equal(store_platform_prefetch(f->st, "zeta"), STORE_ERR);
	begin(f->st);
	assert_int_equal(store_platform_prefetch(f->st, "zeta"), STORE_OK);
	assert_int_equal(store_platform_prefetch(f->st, "zeta"), STORE_OK);
	memset(&q, 0xa5, sizeof(q));
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_string_equal(q.name, "zeta");
	assert_string_equal(q.shown, "Zeta Chat");
	assert_string_equal(q.kid, "kid0000000000001");
	assert_int_equal(q.nprefixes, 1);
	assert_string_equal(q.prefixes[0], "44");
	assert_int_equal(q.sms_hour, 10);
	assert_int_equal(q.status, PLATFORM_ENABLED);
	assert_int_equal(store_platform_prefetch(f->st, "none"), STORE_OK);
	assert_int_equal(store_platform_get(f->st, "none", &q),
	    STORE_NOTFOUND);
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_int_equal(q.sms_hour, 10);
	/* Written before its answer came: the write is what is read. */
	assert_int_equal(store_platform_prefetch(f->st, "zeta"), STORE_OK);
	p.sms_hour = 20;
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_int_equal(q.sms_hour, 20);
	/* Read ahead in a nested transaction undone: as before it. */
	assert_int_equal(store_nest_begin(f->st), STORE_OK);
	p.sms_hour = 30;
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	assert_int_equal(store_platform_prefetch(f->st, "zeta"), STORE_OK);
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_int_equal(q.sms_hour, 30);
	assert_int_equal(store_nest_end(f->st, 0), STORE_OK);
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_int_equal(q.sms_hour, 20);
	assert_int_equal(store_platform_prefetch(f->st, "zeta"), STORE_OK);
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_int_equal(q.sms_hour, 20);
	commit(f->st);
	begin(f->st);
	assert_int_equal(store_platform_prefetch(f->st, "zeta"), STORE_OK);
	assert_int_equal(store_platform_get(f->st, "zeta", &q), STORE_OK);
	assert_int_equal(q.sms_hour, 20);
	commit(f->st);
}

struct pw_seen {
	char	 names[128];
	long	 n[4];
	int	 count, stop;
};

static int
pw_one(void *arg, const struct platform *p, const struct window *w)
{
	struct pw_seen	*s = arg;

	strcat(s->names, p->name);
	strcat(s->names, " ");
	s->n[s->count++] = (long)w->n[3] + (long)w->slot;
	return s->count != s->stop;
}

/* Platforms with their windows: each one's "pa:NAME/86400", zeroed when
 * there is none, in name order; the walk stops when fn says so; the
 * window is the transaction's own when it wrote it. */
static void
test_platforms_windows(void **state)
{
	struct fx	*f = *state;
	struct platform	 p;
	struct window	 w;
	struct pw_seen	 s;

	memset(&p, 0, sizeof(p));
	strcpy(p.kid, "kid0000000000001");
	memset(&w, 0, sizeof(w));
	w.expires = NOW + 86400;
	w.slot = 100;
	w.n[3] = 7;
	begin(f->st);
	strcpy(p.name, "zeta");
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	strcpy(p.name, "alpha");
	strcpy(p.kid, "kid0000000000002");
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	strcpy(p.name, "beta");
	strcpy(p.kid, "kid0000000000003");
	p.status = PLATFORM_DISABLED;
	assert_int_equal(store_platform_put(f->st, &p), STORE_OK);
	assert_int_equal(store_window_put(f->st, "pa:zeta/86400", &w),
	    STORE_OK);
	w.n[3] = 2;
	assert_int_equal(store_window_put(f->st, "pa:alpha/3600", &w),
	    STORE_OK);
	commit(f->st);

	begin(f->st);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_platforms_windows(f->st, "pa:", "/86400",
	    pw_one, &s), STORE_OK);
	assert_string_equal(s.names, "alpha beta zeta ");
	assert_int_equal(s.n[0], 0);	/* alpha's is of another window */
	assert_int_equal(s.n[1], 0);
	assert_int_equal(s.n[2], 107);
	/* Written in this transaction: seen as written. */
	w.n[3] = 4;
	w.slot = 200;
	assert_int_equal(store_window_put(f->st, "pa:beta/86400", &w),
	    STORE_OK);
	memset(&s, 0, sizeof(s));
	s.stop = 2;
	assert_int_equal(store_platforms_windows(f->st, "pa:", "/86400",
	    pw_one, &s), STORE_OK);
	assert_string_equal(s.names, "alpha beta ");
	assert_int_equal(s.n[1], 204);
	assert_int_equal(s.count, 2);
	commit(f->st);
	/* Outside a transaction too. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_platforms_windows(f->st, "pa:", "/3600",
	    pw_one, &s), STORE_OK);
	assert_int_equal(s.n[0], 102);
	assert_int_equal(s.n[2], 0);
}

/* A certificate found by its serial, then its order, the order that
 * replaces it and the orders their proofs came from: the same answers
 * as read one by one, claims refused or made from what was read, and
 * an order written since read as written. */
static void
test_serial_ahead(void **state)
{
	struct fx	*f = *state;
	struct order	 o, got;
	struct cert	 c, cg;
	char		 id[ID_LEN + 1], by[ID_LEN + 1];
	const char	*cert = "ord0000000000001";

	begin(f->st);
	mkorder(&o, "acct000000000001", 9, NOW);	/* the SMS proof */
	o.authz = AUTHZ_VALID;
	o.validated = NOW;
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	mkorder(&o, "acct000000000001", 1, NOW);	/* reused it */
	strcpy(o.proof, "ord0000000000009");
	o.status = ORDER_VALID;
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	mkorder(&o, "acct000000000001", 2, NOW);	/* replaces it */
	strcpy(o.replaces, cert);
	o.status = ORDER_INVALID;
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	mkcert(&c, 1, 0);
	assert_int_equal(store_cert_put(f->st, &c), STORE_OK);
	mkcert(&c, 3, 0);	/* a certificate nothing replaces */
	assert_int_equal(store_cert_put(f->st, &c), STORE_OK);
	mkorder(&o, "acct000000000001", 3, NOW);
	assert_int_equal(store_order_put(f->st, &o), STORE_OK);
	assert_int_equal(store_replace(f->st, cert, "ord0000000000002",
	    NULL), STORE_OK);
	commit(f->st);

	mkcert(&c, 1, 0);
	begin(f->st);
	assert_int_equal(store_serial_get(f->st, c.serial, id), STORE_OK);
	assert_string_equal(id, cert);
	assert_int_equal(store_cert_get(f->st, id, &cg), STORE_OK);
	assert_memory_equal(cg.serial, c.serial, SERIAL_LEN);
	assert_int_equal(store_order_get(f->st, id, &got), STORE_OK);
	assert_string_equal(got.proof, "ord0000000000009");
	assert_int_equal(store_order_get(f->st, got.proof, &got), STORE_OK);
	assert_int_equal(got.authz, AUTHZ_VALID);
	assert_int_equal(store_replaced_by(f->st, cert, by), STORE_OK);
	assert_string_equal(by, "ord0000000000002");
	assert_int_equal(store_order_get(f->st, by, &got), STORE_OK);
	assert_int_equal(got.status, ORDER_INVALID);
	assert_string_equal(got.replaces, cert);
	assert_int_equal(store_replace(f->st, cert, "ord0000000000004",
	    NULL), STORE_EXISTS);
	assert_int_equal(store_replace(f->st, cert, "ord0000000000004",
	    "ord0000000000007"), STORE_EXISTS);
	assert_int_equal(store_replace(f->st, cert, "ord0000000000004",
	    "ord0000000000002"), STORE_OK);
	assert_int_equal(store_replaced_by(f->st, cert, by), STORE_OK);
	assert_string_equal(by, "ord0000000000004");
	assert_int_equal(store_replace(f->st, cert, "ord0000000000005",
	    "ord0000000000002"), STORE_EXISTS);
	/* The proof's order written: read back as written. */
	assert_int_equal(store_order_get(f->st, "ord0000000000009", &got),
	    STORE_OK);
	got.authz = AUTHZ_REVOKED;
	assert_int_equal(store_order_put(f->st, &got), STORE_OK);
	assert_int_equal(store_order_get(f->st, "ord0000000000009", &got),
	    STORE_OK);
	assert_int_equal(got.authz, AUTHZ_REVOKED);
	/* A certificate nothing replaces: the first claim wins. */
	mkcert(&c, 3, 0);
	assert_int_equal(store_serial_get(f->st, c.serial, id), STORE_OK);
	assert_int_equal(store_replaced_by(f->st, id, by), STORE_NOTFOUND);
	assert_int_equal(store_replace(f->st, id, "ord0000000000006", NULL),
	    STORE_OK);
	assert_int_equal(store_replace(f->st, id, "ord0000000000008", NULL),
	    STORE_EXISTS);
	commit(f->st);

	begin(f->st);
	assert_int_equal(store_replaced_by(f->st, cert, by), STORE_OK);
	assert_string_equal(by, "ord0000000000004");
	assert_int_equal(store_replaced_by(f->st, id, by), STORE_OK);
	assert_string_equal(by, "ord0000000000006");
	/* An order read with its proof: both as stored. */
	assert_int_equal(store_order_get(f->st, cert, &got), STORE_OK);
	assert_int_equal(store_order_get(f->st, got.proof, &got), STORE_OK);
	assert_int_equal(got.authz, AUTHZ_REVOKED);
	commit(f->st);
}

/* Every engine provides every call of the contract (the PostgreSQL one
 * needs no server for this: a store whose database is down). */
static void
test_engines_complete(void **state)
{
	struct fx	*f = *state;
	struct store	*pg;

	assert_true(store_engine_complete(f->st));
	pg = store_open("postgresql:///none?host=/nonexistent/socket-dir", 0);
	assert_non_null(pg);
	assert_true(store_engine_complete(pg));
	store_close(pg);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_account),
		T(test_key),
		T(test_order),
		T(test_order_v1),
		T(test_replace),
		T(test_cert),
		T(test_revoked),
		T(test_sms),
		T(test_nonce),
		T(test_abort_commit),
		T(test_nested),
		T(test_nested_undo),
		T(test_due_peek),
		T(test_window),
		T(test_nonce_start),
		T(test_window_prefetch),
		T(test_blind_writes),
		T(test_engines_complete),
		T(test_orders_paging),
		T(test_orders_same_second),
		T(test_counters),
		T(test_meta),
		T(test_corrupt),
		T(test_prune),
		T(test_stats),
		T(test_backup),
		T(test_reopen),
		T(test_stale),
		T(test_open_missing),
		T(test_account_v1),
		T(test_platform),
		T(test_platforms_windows),
		T(test_platform_prefetch),
		T(test_serial_ahead),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}

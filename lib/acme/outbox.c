/* The SMS outbox. A message is sealed with the server secret while it
 * waits and wiped once delivered or abandoned; the code itself is never
 * stored in clear or logged.
 *
 * A message enters the retry index in the transaction that queues it,
 * due when the lease of its first send would run out: if the process
 * dies between the commit and the send, the next request of any process
 * that sends (or sms-flush) delivers it. Every change of a message's
 * next try adds an index entry at that time, so an entry taken before
 * its message is due may be dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acme.h"
#include "crypt.h"
#include "log.h"
#include "outbox.h"
#include "sms.h"

#define LEASE_MARGIN	10	/* seconds past the gateway's timeout */
#define BACKOFF_MAX	60
#define OUTBOX_RETRY_MAX 8
#define OUTBOX_TRIES	8	/* attempts of one outbox transaction */

/* Seconds a send may take before another process may try again: longer
 * than the gateway's timeout, so that no message goes out twice. */
static long
outbox_lease_time(const struct server *srv)
{
	return srv->cfg.sms_timeout_ms / 1000 + 1 + LEASE_MARGIN;
}

int
outbox_queue(struct server *srv, struct order *o, const char *text,
    time_t now, char *id)
{
	struct sms	 m;
	long		 n;

	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "%s.%u", o->id, (unsigned)o->sends);
	strcpy(m.order, o->id);
	strcpy(m.acct, o->acct);
	strcpy(m.to, o->tn);
	m.state = OUTBOX_QUEUED;
	m.created = m.next_try = now;
	m.expires = o->code_expires;
	n = crypt_seal(srv->secret, text, strlen(text), m.sealed,
	    sizeof(m.sealed));
	if (n < 0)
		return -1;
	m.sealedlen = (uint32_t)n;
	strcpy(id, m.id);
	if (store_due_add(srv->st, now + outbox_lease_time(srv), m.id) !=
	    STORE_OK)
		return -1;
	return store_sms_put(srv->st, &m) == STORE_OK ? 0 : -1;
}

/* 1 when the message's challenge still waits for it: the order, its
 * authorization and its account are live, and the code is the one this
 * message carries (a resend replaces it); 0 when not; -1 when the store
 * could not say (a failure is no reason to give the message up). */
static int
outbox_waited(struct server *srv, const struct sms *m, time_t now)
{
	struct order	 o;
	struct account	 a;
	const char	*dot = strrchr(m->id, '.');
	int		 rc;

	if ((rc = store_order_get(srv->st, m->order, &o)) == STORE_OK)
		rc = store_account_get(srv->st, o.acct, &a);
	if (rc == STORE_ERR)
		return -1;
	if (rc != STORE_OK)
		return 0;
	return o.chall == CHALL_PROCESSING && o.status == ORDER_PENDING &&
	    o.authz == AUTHZ_PENDING && o.expires > now &&
	    o.code_expires > now && a.status == ACCT_VALID && dot != NULL &&
	    strtoul(dot + 1, NULL, 10) == o.sends;
}

/* Give up a message that nobody waits for any more (in the open
 * transaction). */
static int
outbox_drop(struct server *srv, struct sms *m, const char *why)
{
	log_info("%s: %s: dropped: %s", __func__, m->id, why);
	m->state = OUTBOX_FAILED;
	snprintf(m->error, sizeof(m->error), "%s", why);
	explicit_bzero(m->sealed, sizeof(m->sealed));
	m->sealedlen = 0;
	return store_sms_put(srv->st, m);
}

/* Take the lease of a due message (and its index entry at due, when it
 * came from the index) in one transaction: 1 when there is nothing to
 * send, 0 with the message and its text, -1 on failure. */
static int
outbox_take(struct server *srv, const char *id, int64_t due, time_t now,
    struct sms *m)
{
	int	 rc;

	if (due >= 0 && store_due_del(srv->st, due, id) == STORE_ERR)
		return -1;
	rc = store_sms_get(srv->st, id, m);
	if (rc == STORE_NOTFOUND || (rc == STORE_OK &&
	    (m->state != OUTBOX_QUEUED || m->next_try > now)))
		return 1;
	if (rc != STORE_OK)
		return -1;
	if ((rc = outbox_waited(srv, m, now)) == -1)
		return -1;
	if (rc == 0)
		return outbox_drop(srv, m, "the challenge no longer waits for "
		    "it") == STORE_OK ? 1 : -1;
	m->next_try = now + outbox_lease_time(srv);
	m->attempts++;
	if (store_due_add(srv->st, m->next_try, m->id) != STORE_OK ||
	    store_sms_put(srv->st, m) != STORE_OK)
		return -1;
	return 0;
}

/* Lease a due message and open its text: 0 to send, -1 otherwise. */
static int
outbox_lease_try(struct server *srv, const char *id, int64_t due, time_t now,
    struct sms *m, char *text, size_t textsz)
{
	long	 n;
	int	 rc;

	if (store_begin(srv->st) != STORE_OK)
		return -1;
	if ((rc = outbox_take(srv, id, due, now, m)) == -1) {
		store_abort(srv->st);
		return -1;
	}
	/* Not waited for on disk: the outcome's durable commit below
	 * flushes it too, and a lease lost in a crash only means a retry. */
	if (store_commit(srv->st, 0) != STORE_OK || rc == 1)
		return -1;
	n = crypt_open(srv->secret, m->sealed, m->sealedlen, text, textsz - 1);
	if (n < 0) {
		log_err("%s: %s: the sealed text does not open", __func__, id);
		return -1;
	}
	text[n] = '\0';
	return 0;
}

/* Test hook: while the named file exists, wait between the commit that
 * queued or leased a message and its send, so that a test can kill the
 * process there. */
static void
outbox_send_hook(void)
{
	const char	*f = getenv("IDPROVER_SEND_HOOK");
	int		 i;

	for (i = 0; f != NULL && i < 300 && access(f, F_OK) == 0; i++)
		usleep(100000);
}

/* The challenge of a message the gateway refused for good. */
static void
outbox_fail_order(struct server *srv, const struct sms *m, const char *why)
{
	struct order	 o;

	if (store_order_get(srv->st, m->order, &o) != STORE_OK)
		return;
	if (o.chall != CHALL_PROCESSING)
		return;
	order_fail(&o, PROB_CONNECTION, why);
	store_order_put(srv->st, &o);
}

/* Record the outcome of one send. */
static int
outbox_record_try(struct server *srv, const char *id, time_t now, int res,
    const char *msgid, const char *err)
{
	struct sms	 m;
	long		 backoff;

	if (store_begin(srv->st) != STORE_OK)
		return -1;
	if (store_sms_get(srv->st, id, &m) != STORE_OK) {
		store_abort(srv->st);
		return -1;
	}
	snprintf(m.msgid, sizeof(m.msgid), "%s", msgid);
	snprintf(m.error, sizeof(m.error), "%s", err);
	if (res == SMS_SENT || res == SMS_PERMANENT || now >= m.expires) {
		m.state = res == SMS_SENT ? OUTBOX_DONE : OUTBOX_FAILED;
		m.sent_at = res == SMS_SENT ? now : 0;
		explicit_bzero(m.sealed, sizeof(m.sealed));
		m.sealedlen = 0;
		/* Done with: its entries of the lease and of the queueing. */
		if (store_due_del(srv->st, m.next_try, m.id) == STORE_ERR ||
		    store_due_del(srv->st, m.created + outbox_lease_time(srv),
		    m.id) == STORE_ERR) {
			store_abort(srv->st);
			return -1;
		}
	} else {
		backoff = 1L << (m.attempts < 6 ? m.attempts : 6);
		m.next_try = now + (backoff < BACKOFF_MAX ? backoff :
		    BACKOFF_MAX);
		if (store_due_add(srv->st, m.next_try, m.id) != STORE_OK) {
			store_abort(srv->st);
			return -1;
		}
	}
	if (res == SMS_PERMANENT)
		outbox_fail_order(srv, &m, "the SMS gateway refused the "
		    "number for good");
	if (store_sms_put(srv->st, &m) != STORE_OK) {
		store_abort(srv->st);
		return -1;
	}
	return store_commit(srv->st, 1) == STORE_OK ? 0 : -1;
}

/* The outbox's transactions run again after a deadlock or a lost race,
 * as serve() runs a request again: a send is not put off until its
 * lease ends, nor its outcome lost (which would send it twice), for want
 * of a lock. */
static int
outbox_again(struct server *srv, int attempt)
{
	if (attempt + 1 >= OUTBOX_TRIES || !store_retry(srv->st))
		return 0;
	usleep((useconds_t)(1000 << attempt));
	return 1;
}

static int
outbox_lease(struct server *srv, const char *id, int64_t due, time_t now,
    struct sms *m, char *text, size_t textsz)
{
	int	 i, rc;

	for (i = 0; (rc = outbox_lease_try(srv, id, due, now, m, text,
	    textsz)) == -1 && outbox_again(srv, i); i++)
		continue;
	return rc;
}

static int
outbox_record(struct server *srv, const char *id, time_t now, int res,
    const char *msgid, const char *err)
{
	int	 i, rc;

	for (i = 0; (rc = outbox_record_try(srv, id, now, res, msgid,
	    err)) == -1 && outbox_again(srv, i); i++)
		continue;
	return rc;
}

/* Send one message: from the index (due: its entry's time) or directly
 * (due < 0). */
static int
outbox_send(struct server *srv, const char *id, int64_t due, time_t now)
{
	struct sms	 m;
	char		 text[SMS_TEXT_MAX], msgid[SMS_MSGID_MAX] = "";
	char		 err[DETAIL_MAX] = "";
	int		 res;

	if (srv->gw == NULL ||
	    outbox_lease(srv, id, due, now, &m, text, sizeof(text)) == -1)
		return -1;
	outbox_send_hook();
	res = gateway_send(srv->gw, m.to, text,
	    (int)srv->cfg.sms_timeout_ms, msgid, sizeof(msgid), err,
	    sizeof(err));
	explicit_bzero(text, sizeof(text));
	if (res != SMS_SENT)
		log_warn("%s: %s: %s: %s", __func__, id, sms_results[res], err);
	if (outbox_record(srv, id, time(NULL), res, msgid, err) == -1)
		return -1;
	return res;
}

int
outbox_deliver(struct server *srv, const char *id, time_t now)
{
	return outbox_send(srv, id, -1, now);
}

int
outbox_retry(struct server *srv, time_t now, int max)
{
	char	 ids[OUTBOX_RETRY_MAX][SMS_ID_MAX];
	int64_t	 when[OUTBOX_RETRY_MAX];
	int	 i, n;

	if (srv->gw == NULL)
		return 0;
	if (max > OUTBOX_RETRY_MAX)
		max = OUTBOX_RETRY_MAX;
	/* A read outside a transaction, holding no lock past the call: each
	 * entry is taken again in its lease's transaction. */
	if ((n = store_due_peek(srv->st, now, ids, when, max)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		outbox_send(srv, ids[i], when[i], now);
	return n;
}

struct due {
	char	 ids[64][SMS_ID_MAX];
	int	 n;
	time_t	 now;
};

static int
outbox_due(void *arg, struct sms *m)
{
	struct due	*d = arg;

	if (m->next_try <= d->now && d->n < 64)
		strcpy(d->ids[d->n++], m->id);
	return d->n < 64 ? 0 : -1;
}

int
outbox_flush(struct server *srv, time_t now, int *failed)
{
	struct due	 d;
	int		 i, sent = 0, rc;

	*failed = 0;
	do {
		memset(&d, 0, sizeof(d));
		d.now = now;
		if (store_begin(srv->st) != STORE_OK)
			return -1;
		rc = store_sms_queued(srv->st, outbox_due, &d);
		store_abort(srv->st);
		if (rc != STORE_OK)
			return -1;
		for (i = 0; i < d.n; i++) {
			rc = outbox_deliver(srv, d.ids[i], now);
			if (rc == SMS_SENT)
				sent++;
			else if (rc != -1)
				(*failed)++;
		}
	} while (d.n == 64);
	return sent;
}

/* The SMS outbox. A message is sealed with the server secret while it
 * waits and wiped once delivered or abandoned; the code itself is never
 * stored in clear or logged. */
#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "crypt.h"
#include "log.h"
#include "outbox.h"
#include "sms.h"

#define LEASE		30	/* seconds a send may take before a retry */
#define BACKOFF_MAX	60
#define OUTBOX_RETRY_MAX 8

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
	return store_sms_put(srv->st, &m) == STORE_OK ? 0 : -1;
}

/* Take the lease of a due message and open its text. */
static int
outbox_lease(struct server *srv, const char *id, time_t now, struct sms *m,
    char *text, size_t textsz)
{
	long	 n;

	if (store_begin(srv->st) != STORE_OK)
		return -1;
	if (store_sms_get(srv->st, id, m) != STORE_OK ||
	    m->state != OUTBOX_QUEUED || m->next_try > now) {
		store_abort(srv->st);
		return -1;
	}
	m->next_try = now + LEASE;
	m->attempts++;
	/* Not waited for on disk: the outcome's durable commit below
	 * flushes it too, and a lease lost in a crash only means a retry. */
	if (store_sms_put(srv->st, m) != STORE_OK ||
	    store_commit(srv->st, 0) != STORE_OK)
		return -1;
	n = crypt_open(srv->secret, m->sealed, m->sealedlen, text, textsz - 1);
	if (n < 0) {
		log_err("%s: %s: the sealed text does not open", __func__, id);
		return -1;
	}
	text[n] = '\0';
	return 0;
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
outbox_record(struct server *srv, const char *id, time_t now, int res,
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
	if (store_sms_put(srv->st, &m) != STORE_OK)
		return -1;
	return store_commit(srv->st, 1) == STORE_OK ? 0 : -1;
}

int
outbox_deliver(struct server *srv, const char *id, time_t now)
{
	struct sms	 m;
	char		 text[SMS_TEXT_MAX], msgid[SMS_MSGID_MAX] = "";
	char		 err[DETAIL_MAX] = "";
	int		 res;

	if (srv->gw == NULL ||
	    outbox_lease(srv, id, now, &m, text, sizeof(text)) == -1)
		return -1;
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
outbox_retry(struct server *srv, time_t now, int max)
{
	char	 ids[OUTBOX_RETRY_MAX][SMS_ID_MAX];
	int	 i, n;

	if (max > OUTBOX_RETRY_MAX)
		max = OUTBOX_RETRY_MAX;
	if (store_begin(srv->st) != STORE_OK)
		return -1;
	if ((n = store_due_take(srv->st, now, ids, max)) < 0 ||
	    store_commit(srv->st, 0) != STORE_OK) {
		store_abort(srv->st);
		return -1;
	}
	for (i = 0; i < n; i++)
		outbox_deliver(srv, ids[i], now);
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

/* Reassigned numbers: when the operator learns that numbers
 * changed hands, the certificates and authorizations that rest on
 * proofs made before then end. And the lineage of a number's
 * certificates, for the operator. Outside request paths. */
#include <stdlib.h>
#include <string.h>

#include "acme.h"
#include "log.h"

struct pick {
	const char	(*tns)[TN_MAX + 1];
	size_t		 ntn;
	time_t		 since;
	char		(*ids)[ID_LEN + 1];
	size_t		 n, cap;
	int		 nomem;
};

static int
tn_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* An order of one of the numbers, proved before since, that still
 * holds a valid authorization or a certificate. */
static int
pick_one(void *arg, const struct order *o)
{
	struct pick	*p = arg;
	char		(*nv)[ID_LEN + 1];

	if (o->validated == 0 || (time_t)o->validated >= p->since ||
	    (o->authz != AUTHZ_VALID && o->status != ORDER_VALID) ||
	    bsearch(o->tn, p->tns, p->ntn, sizeof(p->tns[0]), tn_cmp) == NULL)
		return 0;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		if ((nv = reallocarray(p->ids, p->cap, sizeof(*nv))) == NULL) {
			p->nomem = 1;
			return -1;
		}
		p->ids = nv;
	}
	strcpy(p->ids[p->n++], o->id);
	return 0;
}

/* End what order id holds: its authorization, its certificate. */
static int
reassign_order(struct store *st, const char *id, time_t now,
    struct reassign *out)
{
	struct order	 o;
	struct cert	 c;
	int		 rc;

	if ((rc = store_order_get(st, id, &o)) != STORE_OK)
		return rc == STORE_NOTFOUND ? STORE_OK : rc;
	/* Ended below, or by the revocation of its certificate. */
	if (o.authz == AUTHZ_VALID)
		out->authzs++;
	if (o.status == ORDER_VALID &&
	    (rc = store_cert_get(st, id, &c)) == STORE_OK && !c.revoked &&
	    (time_t)c.not_after > now) {
		if ((rc = cert_revoke(st, &c, CRL_PRIVILEGE_WITHDRAWN, now)) !=
		    STORE_OK)
			return rc;
		out->certs++;
		if ((rc = store_order_get(st, id, &o)) != STORE_OK)
			return rc;
	} else if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	if (o.authz == AUTHZ_VALID) {
		o.authz = AUTHZ_REVOKED;
		if ((rc = store_order_put(st, &o)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

/* One batch in one transaction, run again after a deadlock. */
static int
reassign_batch(struct store *st, char (*ids)[ID_LEN + 1], size_t n,
    time_t now, struct reassign *out)
{
	struct reassign	 part;
	size_t		 i;
	int		 try, rc = STORE_ERR;

	for (try = 0; try < 8; try++) {
		memset(&part, 0, sizeof(part));
		if (store_begin(st) != STORE_OK)
			return STORE_ERR;
		for (i = 0, rc = STORE_OK; i < n && rc == STORE_OK; i++)
			rc = reassign_order(st, ids[i], now, &part);
		if (rc == STORE_OK && store_commit(st, 1) == STORE_OK) {
			out->certs += part.certs;
			out->authzs += part.authzs;
			return STORE_OK;
		}
		store_abort(st);
		if (!store_retry(st))
			break;
	}
	return STORE_ERR;
}

int
reassign_numbers(struct store *st, char (*tns)[TN_MAX + 1], size_t ntn,
    time_t since, time_t now, struct reassign *out)
{
	struct pick	 p;
	size_t		 i;
	int		 rc;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	qsort(tns, ntn, sizeof(tns[0]), tn_cmp);
	p.tns = (const char (*)[TN_MAX + 1])tns;
	p.ntn = ntn;
	p.since = since;
	if (store_begin(st) != STORE_OK)
		return -1;
	rc = store_orders_walk(st, pick_one, &p);
	store_abort(st);
	if (rc != STORE_OK || p.nomem) {
		log_err("%s: cannot read the orders", __func__);
		free(p.ids);
		return -1;
	}
	out->orders = (long)p.n;
	for (i = 0; i < p.n && rc == STORE_OK; i += REASSIGN_BATCH)
		rc = reassign_batch(st, p.ids + i, p.n - i < REASSIGN_BATCH ?
		    p.n - i : REASSIGN_BATCH, now, out);
	free(p.ids);
	return rc == STORE_OK ? 0 : -1;
}

struct line {
	const char	*tn;
	struct order	*v;
	size_t		 n, cap;
	int		 nomem;
};

static int
line_one(void *arg, const struct order *o)
{
	struct line	*l = arg;
	struct order	*nv;

	if (o->status != ORDER_VALID || strcmp(o->tn, l->tn) != 0)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		if ((nv = reallocarray(l->v, l->cap, sizeof(*nv))) == NULL) {
			l->nomem = 1;
			return -1;
		}
		l->v = nv;
	}
	l->v[l->n++] = *o;
	return 0;
}

static int
line_cmp(const void *a, const void *b)
{
	const struct order	*x = a, *y = b;

	return x->created < y->created ? -1 : x->created > y->created;
}

int
reassign_lineage(struct store *st, const char *tn,
    int (*fn)(void *, const struct order *, const struct cert *,
    const char *replaced_by), void *arg)
{
	struct line	 l;
	struct cert	 c;
	char		 by[ID_LEN + 1];
	size_t		 i;
	int		 rc;

	memset(&l, 0, sizeof(l));
	l.tn = tn;
	if (store_begin(st) != STORE_OK)
		return -1;
	rc = store_orders_walk(st, line_one, &l);
	if (rc == STORE_OK && !l.nomem)
		qsort(l.v, l.n, sizeof(l.v[0]), line_cmp);
	for (i = 0; rc == STORE_OK && !l.nomem && i < l.n; i++) {
		if ((rc = store_cert_get(st, l.v[i].id, &c)) != STORE_OK)
			break;
		if ((rc = store_replaced_by(st, l.v[i].id, by)) ==
		    STORE_NOTFOUND) {
			by[0] = '\0';
			rc = STORE_OK;
		}
		if (rc == STORE_OK)
			fn(arg, &l.v[i], &c, by);
	}
	store_abort(st);
	free(l.v);
	return rc == STORE_OK && !l.nomem ? (int)i : -1;
}

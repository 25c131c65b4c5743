/* The PostgreSQL engine's records of the protocol: accounts and their
 * keys, orders and the accounts' order lists, certificates, serials,
 * revocations, replacements. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pgint.h"


/* --- Accounts and keys ---------------------------------------------- */

int
pg_row_account(const PGresult *r, int i, struct account *a)
{
	memset(a, 0, sizeof(*a));
	a->version = ACCOUNT_VERSION;
	a->status = (uint8_t)r_num(r, i, 1);
	a->tos = (uint8_t)r_num(r, i, 2);
	a->created = r_num(r, i, 3);
	if (R_STR(r, i, 0, a->id) == -1 || R_STR(r, i, 4, a->thumb) == -1 ||
	    R_STR(r, i, 5, a->key) == -1 || R_STR(r, i, 6, a->contact) == -1 ||
	    R_STR(r, i, 8, a->platform) == -1 || a->status >= ACCT__MAX)
		return -1;
	return 0;
}

int
pg_account_get(struct store *st, const char *id, struct account *a)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, id);
	if ((rc = pg_one(st, S_ACCOUNT_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_account(r, 0, a) == -1)
		return pg_corrupt(st, r, __func__);
	pg_seen_set(st, S_ACCOUNT_GET, a->id, r_num(r, 0, 7));
	PQclear(r);
	return STORE_OK;
}

int
pg_account_put(struct store *st, const struct account *a)
{
	struct params	 p = { .n = 0 };
	long long	 rev = pg_seen_rev(st, S_ACCOUNT_GET, a->id);

	p_str(&p, a->id);
	p_num(&p, a->status);
	p_num(&p, a->tos);
	p_num(&p, a->created);
	p_str(&p, a->thumb);
	p_str(&p, a->key);
	p_str(&p, a->contact);
	p_str(&p, a->platform);
	if (rev < 0)
		return pg_write(st, S_ACCOUNT_INS, &p, CMD_EXEC);
	p_num(&p, rev);
	pg_seen_set(st, S_ACCOUNT_GET, a->id, rev + 1);
	return pg_write(st, S_ACCOUNT_UPD, &p, CMD_EXEC_ONE);
}

int
pg_key_get(struct store *st, const char *thumb, char *id)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, thumb);
	if ((rc = pg_one(st, S_KEY_GET, &p, &r)) != STORE_OK) {
		if (rc == STORE_NOTFOUND && st->intx &&
		    strlen(thumb) < sizeof(st->key_absent))
			strcpy(st->key_absent, thumb);
		return rc;
	}
	if (PQgetlength(r, 0, 0) != ID_LEN)
		return pg_corrupt(st, r, __func__);
	r_copy(r, 0, 0, id, ID_LEN + 1, 1, NULL);
	PQclear(r);
	return STORE_OK;
}

int
pg_key_put(struct store *st, const char *thumb, const char *id)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, thumb);
	p_str(&p, id);
	/* A key this transaction found free: the insert is queued, and a
	 * key taken since (by a transaction this one cannot see) fails it,
	 * to run again and find the key taken. */
	if (st->intx && strcmp(st->key_absent, thumb) == 0) {
		st->key_absent[0] = '\0';
		return pg_write(st, S_KEY_PUT, &p, CMD_EXEC_ONE);
	}
	rc = pg_one(st, S_KEY_PUT, &p, &r);
	PQclear(r);
	return rc == STORE_NOTFOUND ? STORE_EXISTS : rc;
}

int
pg_key_del(struct store *st, const char *thumb)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, thumb);
	rc = pg_one(st, S_KEY_DEL, &p, &r);
	PQclear(r);
	return rc;
}

/* --- Orders --------------------------------------------------------- */

/* The order in row i from column c on. */
int
pg_row_order_at(const PGresult *r, int i, int c, struct order *o)
{
	size_t	 n;

	memset(o, 0, sizeof(*o));
	o->version = ORDER_VERSION;
	o->status = (uint8_t)r_num(r, i, c + 2);
	o->authz = (uint8_t)r_num(r, i, c + 3);
	o->chall = (uint8_t)r_num(r, i, c + 4);
	o->sends = (uint8_t)r_num(r, i, c + 5);
	o->tries = (uint8_t)r_num(r, i, c + 6);
	o->error = (uint8_t)r_num(r, i, c + 7);
	o->created = r_num(r, i, c + 8);
	o->expires = r_num(r, i, c + 9);
	o->has_nb = !PQgetisnull(r, i, c + 10);
	o->not_before = r_num(r, i, c + 10);
	o->has_na = !PQgetisnull(r, i, c + 11);
	o->not_after = r_num(r, i, c + 11);
	o->authz_expires = r_num(r, i, c + 12);
	o->validated = r_num(r, i, c + 13);
	o->code_expires = r_num(r, i, c + 14);
	o->last_send = r_num(r, i, c + 15);
	if (R_STR(r, i, c, o->id) == -1 ||
	    R_STR(r, i, c + 1, o->acct) == -1 ||
	    R_STR(r, i, c + 16, o->ident) == -1 ||
	    R_STR(r, i, c + 17, o->tn) == -1 ||
	    R_STR(r, i, c + 18, o->token) == -1 ||
	    r_copy(r, i, c + 19, o->code_mac, sizeof(o->code_mac), 0,
	    &n) == -1 ||
	    R_STR(r, i, c + 20, o->detail) == -1 ||
	    R_STR(r, i, c + 22, o->profile) == -1 ||
	    R_STR(r, i, c + 23, o->replaces) == -1 ||
	    R_STR(r, i, c + 24, o->proof) == -1 || o->status >= ORDER__MAX ||
	    o->authz >= AUTHZ__MAX || o->chall >= CHALL__MAX)
		return -1;
	return 0;
}

int
pg_row_order(const PGresult *r, int i, struct order *o)
{
	return pg_row_order_at(r, i, 0, o);
}

/* Keep the order of row i (from column col on; NULL: none) as read ahead,
 * in the place of an older copy of it, else of the oldest. Its answer
 * comes in the call that asked for it: no write can come between. */
void
pg_ahead_put(struct store *st, const PGresult *r, int i, int col)
{
	struct order	 o;
	int		 k;

	if (!st->intx || PQgetisnull(r, i, col) ||
	    pg_row_order_at(r, i, col, &o) == -1)
		return;
	for (k = 0; k < st->nahead && k < PG_AHEAD_MAX; k++)
		if (strcmp(st->ahead[k].o.id, o.id) == 0)
			break;
	if (k == PG_AHEAD_MAX)
		k = st->nahead++ % PG_AHEAD_MAX;
	else if (k == st->nahead)
		st->nahead++;
	st->ahead[k].o = o;
	st->ahead[k].rev = r_num(r, i, col + 21);
}

/* Forget every order and the platform read ahead (a new transaction,
 * or a nested one undone). */
void
pg_ahead_drop(struct store *st)
{
	st->nahead = 0;
	st->repl_cert[0] = '\0';
	st->plat_state = P_NONE;
}

/* The copy of order id read ahead, or NULL. */
static struct ahead *
pg_ahead(struct store *st, const char *id)
{
	int	 k;

	if (!st->intx)
		return NULL;
	for (k = 0; k < st->nahead && k < PG_AHEAD_MAX; k++)
		if (st->ahead[k].o.id[0] != '\0' &&
		    strcmp(st->ahead[k].o.id, id) == 0)
			return &st->ahead[k];
	return NULL;
}

/* An order read ahead costs nothing; a read brings the order its proof
 * reused along (finalize reads it next). */
int
pg_order_get(struct store *st, const char *id, struct order *o)
{
	struct params	 p = { .n = 0 };
	struct ahead	*a;
	PGresult	*r;
	int		 rc;

	if ((a = pg_ahead(st, id)) != NULL) {
		*o = a->o;
		pg_seen_set(st, S_ORDER_GET, o->id, a->rev);
		return STORE_OK;
	}
	p_str(&p, id);
	if ((rc = pg_one(st, S_ORDER_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_order(r, 0, o) == -1)
		return pg_corrupt(st, r, __func__);
	pg_seen_set(st, S_ORDER_GET, o->id, r_num(r, 0, 21));
	pg_ahead_put(st, r, 0, PG_ORDER_NCOLS);
	if (st->trace && !PQgetisnull(r, 0, PG_ORDER_NCOLS))
		log_info("store: read ahead: proof");
	PQclear(r);
	return STORE_OK;
}

int
pg_order_put(struct store *st, const struct order *o)
{
	struct params	 p = { .n = 0 };
	long long	 rev = pg_seen_rev(st, S_ORDER_GET, o->id);
	struct ahead	*a = pg_ahead(st, o->id);

	if (a != NULL)
		a->o.id[0] = '\0';	/* no longer as read */

	p_str(&p, o->id);
	p_str(&p, o->acct);
	p_num(&p, o->status);
	p_num(&p, o->authz);
	p_num(&p, o->chall);
	p_num(&p, o->sends);
	p_num(&p, o->tries);
	p_num(&p, o->error);
	p_num(&p, o->created);
	p_num(&p, o->expires);
	if (o->has_nb)
		p_num(&p, o->not_before);
	else
		p_null(&p);
	if (o->has_na)
		p_num(&p, o->not_after);
	else
		p_null(&p);
	p_num(&p, o->authz_expires);
	p_num(&p, o->validated);
	p_num(&p, o->code_expires);
	p_num(&p, o->last_send);
	p_str(&p, o->ident);
	p_str(&p, o->tn);
	p_str(&p, o->token);
	p_bytes(&p, o->code_mac, sizeof(o->code_mac));
	p_str(&p, o->detail);
	p_str(&p, o->profile);
	p_str(&p, o->replaces);
	p_str(&p, o->proof);
	if (rev < 0)
		return pg_write(st, S_ORDER_INS, &p, CMD_EXEC);
	p_num(&p, rev);
	pg_seen_set(st, S_ORDER_GET, o->id, rev + 1);
	return pg_write(st, S_ORDER_UPD, &p, CMD_EXEC_ONE);
}

int
pg_acct_order_add(struct store *st, const struct order *o)
{
	struct params	 p = { .n = 0 };

	p_str(&p, o->acct);
	p_num(&p, o->created);
	p_str(&p, o->id);
	return pg_write(st, S_ACCT_ORDER_ADD, &p, CMD_EXEC);
}

int
pg_acct_orders(struct store *st, const char *acct, const char *after,
    int max, int *more, int (*fn)(void *, const struct order *), void *arg)
{
	struct params	 p = { .n = 0 };
	struct order	 o;
	PGresult	*r;
	int		 i, n = 0;

	*more = 0;
	p_str(&p, acct);
	if (after != NULL)
		p_str(&p, after);
	else
		p_null(&p);
	p_null(&p);	/* no LIMIT: fn may skip orders */
	if ((r = pg_exec(st, S_ACCT_ORDERS, &p)) == NULL)
		return STORE_ERR;
	for (i = 0; i < PQntuples(r); i++) {
		if (pg_row_order(r, i, &o) == -1)
			continue;
		if (n == max) {
			*more = 1;
			break;
		}
		n += fn(arg, &o);
	}
	PQclear(r);
	return pg_failed(st) ? STORE_ERR : n;
}

/* Every order, PG_WALK_BATCH at a time in id order (an operator's tool
 * over a large table holds one batch, not the table). */
int
pg_orders_walk(struct store *st, int (*fn)(void *, const struct order *),
    void *arg)
{
	struct params	 p;
	struct order	 o;
	char		 after[ID_LEN + 1] = "";
	PGresult	*r;
	int		 i, n, stop = 0;

	do {
		p.n = 0;
		if (after[0] != '\0')
			p_str(&p, after);
		else
			p_null(&p);
		p_num(&p, PG_WALK_BATCH);
		if ((r = pg_exec(st, S_ORDERS_WALK, &p)) == NULL)
			return STORE_ERR;
		n = PQntuples(r);
		for (i = 0; i < n && !stop; i++) {
			if (R_STR(r, i, 0, after) == -1)
				return pg_corrupt(st, r, __func__);
			if (pg_row_order(r, i, &o) == 0)
				stop = fn(arg, &o) == -1;
		}
		PQclear(r);
	} while (n == PG_WALK_BATCH && !stop);
	return pg_failed(st) ? STORE_ERR : STORE_OK;
}

/* --- Replacement (RFC 9773) ----------------------------------------- */

int
pg_replaced_by(struct store *st, const char *cert, char *order)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	if (strlen(cert) > ID_LEN)
		return STORE_NOTFOUND;
	if (st->intx && strcmp(st->repl_cert, cert) == 0) {
		strcpy(order, st->repl_by);
		return order[0] != '\0' ? STORE_OK : STORE_NOTFOUND;
	}
	p_str(&p, cert);
	if ((rc = pg_one(st, S_REPLACED_BY, &p, &r)) != STORE_OK)
		return rc;
	if (PQgetlength(r, 0, 0) != ID_LEN)
		return pg_corrupt(st, r, __func__);
	r_copy(r, 0, 0, order, ID_LEN + 1, 1, NULL);
	PQclear(r);
	return STORE_OK;
}

int
pg_acct_proof(struct store *st, const char *acct, const char *ident,
    char *id)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	p_str(&p, acct);
	p_str(&p, ident);
	p_num(&p, AUTHZ_VALID);
	/* The whole order: the caller reads it next. */
	if ((rc = pg_one(st, S_ACCT_PROOF, &p, &r)) != STORE_OK)
		return rc;
	if (PQgetlength(r, 0, 0) != ID_LEN)
		return pg_corrupt(st, r, __func__);
	r_copy(r, 0, 0, id, ID_LEN + 1, 1, NULL);
	pg_ahead_put(st, r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

/* A claim of a certificate whose replacement the transaction read (with
 * its serial): refused from what it read, or queued to go with the
 * commit; a claim made since by a transaction this one cannot see fails
 * it (a conflict, or no row), and the request runs again and finds it. */
static int
pg_replace_known(struct store *st, const struct params *p, const char *order,
    const char *prev)
{
	if (prev == NULL ? st->repl_by[0] != '\0' :
	    strcmp(st->repl_by, prev) != 0)
		return STORE_EXISTS;
	if (pg_write(st, prev == NULL ? S_REPLACE_INS : S_REPLACE_UPD, p,
	    CMD_EXEC_ONE) != STORE_OK)
		return STORE_ERR;
	strcpy(st->repl_by, order);
	return STORE_OK;
}

/* The claim is the insert (prev NULL) or the update from prev; no row
 * back is STORE_EXISTS, and the transaction goes on, as on Berkeley DB. */
int
pg_replace(struct store *st, const char *cert, const char *order,
    const char *prev)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	if (strlen(cert) > ID_LEN || strlen(order) != ID_LEN)
		return STORE_ERR;
	p_str(&p, cert);
	p_str(&p, order);
	if (prev != NULL)
		p_str(&p, prev);
	if (st->intx && strcmp(st->repl_cert, cert) == 0)
		return pg_replace_known(st, &p, order, prev);
	rc = pg_one(st, prev == NULL ? S_REPLACE_INS : S_REPLACE_UPD, &p, &r);
	PQclear(r);
	return rc == STORE_NOTFOUND ? STORE_EXISTS : rc;
}

/* --- Certificates --------------------------------------------------- */

int
pg_row_cert(const PGresult *r, int i, struct cert *c)
{
	size_t	 n, len;

	memset(c, 0, sizeof(*c));
	c->version = 1;
	c->issued = r_num(r, i, 3);
	c->not_after = r_num(r, i, 4);
	c->revoked = PQgetlength(r, i, 5) == 1 && PQgetvalue(r, i, 5)[0];
	c->reason = (int8_t)r_num(r, i, 6);
	c->revoked_at = r_num(r, i, 7);
	if (R_STR(r, i, 0, c->id) == -1 || R_STR(r, i, 1, c->acct) == -1 ||
	    r_copy(r, i, 2, c->serial, SERIAL_LEN, 0, &n) == -1 ||
	    n != SERIAL_LEN ||
	    r_copy(r, i, 8, c->der, sizeof(c->der), 0, &len) == -1)
		return -1;
	c->derlen = (uint32_t)len;
	return 0;
}

int
pg_cert_get(struct store *st, const char *id, struct cert *c)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	/* The certificate its serial's look-up read (revocation). */
	if (st->intx && st->cert_ahead && strcmp(st->cert.id, id) == 0) {
		*c = st->cert;
		return STORE_OK;
	}
	p_str(&p, id);
	if ((rc = pg_one(st, S_CERT_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_cert(r, 0, c) == -1)
		return pg_corrupt(st, r, __func__);
	pg_seen_set(st, S_CERT_GET, c->id, r_num(r, 0, 9));
	PQclear(r);
	return STORE_OK;
}

int
pg_cert_put(struct store *st, const struct cert *c)
{
	struct params	 p = { .n = 0 };
	long long	 rev = pg_seen_rev(st, S_CERT_GET, c->id);

	if (c->derlen > sizeof(c->der))
		return STORE_ERR;
	st->cert_ahead = 0;
	p_str(&p, c->id);
	p_str(&p, c->acct);
	p_bytes(&p, c->serial, SERIAL_LEN);
	p_num(&p, c->issued);
	p_num(&p, c->not_after);
	p_str(&p, c->revoked ? "true" : "false");
	p_num(&p, c->reason);
	p_num(&p, c->revoked_at);
	p_bytes(&p, c->der, c->derlen);
	if (rev < 0)
		return pg_write(st, S_CERT_INS, &p, CMD_EXEC);
	p_num(&p, rev);
	pg_seen_set(st, S_CERT_GET, c->id, rev + 1);
	return pg_write(st, S_CERT_UPD, &p, CMD_EXEC_ONE);
}

int
pg_serial_get(struct store *st, const unsigned char *serial, char *id)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	/* The whole row, and its order's with the order replacing it and
	 * the one it reused, in the same round trip: they are what a
	 * revocation and a replacing newOrder read next (kept for
	 * pg_cert_get, pg_order_get and pg_replace until the transaction
	 * writes such a row). */
	p_bytes(&p, serial, SERIAL_LEN);
	st->repl_cert[0] = '\0';
	if (st->intx && pg_queue(st, S_SERIAL_ORDER, &p, CMD_ORDER) == -1)
		return STORE_ERR;
	if ((rc = pg_one(st, S_SERIAL_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_cert(r, 0, &st->cert) == -1)
		return pg_corrupt(st, r, __func__);
	strcpy(id, st->cert.id);
	pg_seen_set(st, S_CERT_GET, st->cert.id, r_num(r, 0, 9));
	st->cert_ahead = st->intx;
	PQclear(r);
	return STORE_OK;
}

int
pg_revoked(struct store *st, int (*fn)(void *, const struct cert *),
    void *arg)
{
	struct params	 p = { .n = 0 };
	struct cert	*c;
	PGresult	*r;
	int		 i;

	if ((c = malloc(sizeof(*c))) == NULL)
		return STORE_ERR;
	if ((r = pg_exec(st, S_REVOKED, &p)) == NULL) {
		free(c);
		return STORE_ERR;
	}
	for (i = 0; i < PQntuples(r); i++)
		if (pg_row_cert(r, i, c) == 0 && fn(arg, c) == -1)
			break;
	PQclear(r);
	free(c);
	return pg_failed(st) ? STORE_ERR : STORE_OK;
}

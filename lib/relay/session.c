/* The relay's records in its own environment, apart from the CA's
 * (store.c keeps both), so that the platform's data and the CA's never
 * share a file, a lock or a recovery. Sessions are keyed by the SHA-256
 * of their cookie; records are fixed-layout, checked on read; counters
 * (store_window) and sessions expire and are pruned. */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "crypt.h"
#include "log.h"
#include "session.h"
#include "store.h"
#include "window.h"

#define SESSION_VERSION	2
/* A version 1 session: up to cert_expiry, padded as the struct. */
#define SESSION_V1_SIZE	((offsetof(struct session, cert_expiry) + 48 + \
	_Alignof(struct session) - 1) / _Alignof(struct session) * \
	_Alignof(struct session))
#define CHAIN_VERSION	1

static const char *const sdb_files[SDB__MAX] = {
	"sessions.db", "chains.db", "counters.db",
};

/* A chain record: this header, then len octets of PEM. */
struct schain {
	uint32_t	 version;
	uint32_t	 len;
};

struct store *
session_open(const char *dir)
{
	return store_open_kv(dir, sdb_files, SDB__MAX);
}

/* The database key of a session id. */
static int
session_key(const char *id, unsigned char key[SHA256_LEN])
{
	if (strlen(id) != SESSION_ID_LEN ||
	    crypt_sha256(id, SESSION_ID_LEN, key) == -1)
		return -1;
	return 0;
}

#define TERMINATED(r, m)	(memchr((r)->m, '\0', sizeof((r)->m)) != NULL)

static int
session_ok(const struct session *r)
{
	size_t	 i;

	if (r->version != SESSION_VERSION || r->state >= SESS__MAX ||
	    r->tries > CODE_TRIES || r->sends > SENDS_MAX ||
	    r->nnumbers > SESSION_NUMBERS || !TERMINATED(r, tn) ||
	    !TERMINATED(r, csrf) || strlen(r->csrf) != CSRF_LEN ||
	    !TERMINATED(r, order_url) || !TERMINATED(r, chall_url) ||
	    !TERMINATED(r, token) || !TERMINATED(r, cert_tn) ||
	    !TERMINATED(r, cert_subject) || !TERMINATED(r, cert_expiry) ||
	    !TERMINATED(r, cert_renew))
		return 0;
	for (i = 0; i < SESSION_NUMBERS; i++)
		if (!TERMINATED(r, numbers[i]))
			return 0;
	return 1;
}

int
session_get(struct store *st, const char *id, int64_t now,
    struct session *r)
{
	unsigned char	 key[SHA256_LEN];
	size_t		 got;
	int		 rc;

	if (session_key(id, key) == -1)
		return STORE_NOTFOUND;
	rc = store_kv_get(st, SDB_SESSIONS, key, sizeof(key), r,
	    sizeof(*r), &got);
	if (rc != STORE_OK)
		return rc;
	if (got == SESSION_V1_SIZE && r->version == 1) {
		memset((char *)r + got, 0, sizeof(*r) - got);
		r->version = SESSION_VERSION;
	} else if (got != sizeof(*r))
		got = 0;
	if (got == 0 || !session_ok(r)) {
		log_err("%s: corrupt session record", __func__);
		store_fail(st);
		return STORE_ERR;
	}
	return r->expires <= now ? STORE_NOTFOUND : STORE_OK;
}

int
session_put(struct store *st, const char *id, const struct session *r)
{
	unsigned char	 key[SHA256_LEN];
	struct session	 w = *r;

	w.version = SESSION_VERSION;
	if (session_key(id, key) == -1 || !session_ok(&w)) {
		log_err("%s: refusing a malformed session", __func__);
		store_fail(st);
		return STORE_ERR;
	}
	return store_kv_put(st, SDB_SESSIONS, key, sizeof(key), &w,
	    sizeof(w));
}

int
session_del(struct store *st, const char *id)
{
	unsigned char	 key[SHA256_LEN];

	if (session_key(id, key) == -1)
		return STORE_NOTFOUND;
	if (store_kv_del(st, SDB_SESSIONS, key, sizeof(key)) == STORE_ERR ||
	    store_kv_del(st, SDB_CHAINS, key, sizeof(key)) == STORE_ERR)
		return STORE_ERR;
	return STORE_OK;
}

int
session_chain_get(struct store *st, const char *id, char *pem,
    size_t pemsz)
{
	unsigned char	 key[SHA256_LEN], *buf;
	struct schain	 h;
	size_t		 got;
	int		 rc;

	if (session_key(id, key) == -1 || pemsz == 0)
		return STORE_NOTFOUND;
	if ((buf = malloc(sizeof(h) + CHAIN_PEM_MAX)) == NULL)
		return STORE_ERR;
	rc = store_kv_get(st, SDB_CHAINS, key, sizeof(key), buf,
	    sizeof(h) + CHAIN_PEM_MAX, &got);
	if (rc == STORE_OK) {
		memcpy(&h, buf, sizeof(h));
		if (got < sizeof(h) || h.version != CHAIN_VERSION ||
		    h.len != got - sizeof(h) || h.len >= pemsz ||
		    memchr(buf + sizeof(h), '\0', h.len) != NULL) {
			log_err("%s: corrupt or oversized chain", __func__);
			store_fail(st);
			rc = STORE_ERR;
		} else {
			memcpy(pem, buf + sizeof(h), h.len);
			pem[h.len] = '\0';
		}
	}
	free(buf);
	return rc;
}

int
session_chain_put(struct store *st, const char *id, const char *pem)
{
	unsigned char	 key[SHA256_LEN], *buf;
	struct schain	 h;
	size_t		 len = strlen(pem);
	int		 rc;

	if (session_key(id, key) == -1 || len > CHAIN_PEM_MAX) {
		store_fail(st);
		return STORE_ERR;
	}
	if ((buf = malloc(sizeof(h) + len)) == NULL)
		return STORE_ERR;
	h.version = CHAIN_VERSION;
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), pem, len);
	rc = store_kv_put(st, SDB_CHAINS, key, sizeof(key), buf,
	    sizeof(h) + len);
	free(buf);
	return rc;
}

/* A session past its expiry, and its chain with it. */
static int
session_due(struct store *st, const void *k, size_t klen, const void *v,
    size_t vlen, void *arg)
{
	const int64_t	*now = arg;
	struct session	 r;

	if (vlen == sizeof(r)) {
		memcpy(&r, v, sizeof(r));
		if (r.expires > *now)
			return 0;
	}
	return store_kv_del(st, SDB_CHAINS, k, klen) != STORE_ERR;
}

int
session_prune(struct store *st, int64_t now, int max, long *removed)
{
	*removed = 0;
	if (store_begin(st) != STORE_OK)
		return STORE_ERR;
	if (store_kv_prune(st, SDB_SESSIONS, max, removed, session_due,
	    &now) != STORE_OK || store_kv_prune(st, SDB_COUNTERS, max,
	    removed, store_window_expired, &now) != STORE_OK) {
		store_abort(st);
		return STORE_ERR;
	}
	return store_commit(st, 1);
}

/* The relay's store on Berkeley DB: its own transactional environment,
 * apart from the CA's (store.c), so that the platform's data and the
 * CA's never share a file, a lock or a recovery. Sessions are keyed by
 * the SHA-256 of their cookie; records are fixed-layout, checked on read;
 * counters and sessions expire and are pruned. */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "crypt.h"
#include "log.h"
#include "session.h"
#include "store.h"

#define SESSION_VERSION	2
/* A version 1 session: up to cert_expiry, padded as the struct. */
#define SESSION_V1_SIZE	((offsetof(struct session, cert_expiry) + 48 + \
	_Alignof(struct session) - 1) / _Alignof(struct session) * \
	_Alignof(struct session))
#define CHAIN_VERSION	1

enum sdb { SDB_SESSIONS, SDB_CHAINS, SDB_COUNTERS, SDB__MAX };

static const char *const sdb_files[SDB__MAX] = {
	"sessions.db", "chains.db", "counters.db",
};

/* The relay's environment, kept by store.c like the CA's. */
struct session_db {
	struct store	*st;
};

struct scounter {
	int64_t	 window_end;
	int64_t	 value;
};

/* A chain record: this header, then len octets of PEM. */
struct schain {
	uint32_t	 version;
	uint32_t	 len;
};

struct session_db *
session_open(const char *dir)
{
	struct session_db	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->st = store_open_kv(dir, sdb_files, SDB__MAX)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
session_close(struct session_db *s)
{
	if (s == NULL)
		return;
	store_close(s->st);
	free(s);
}

int
session_begin(struct session_db *s)
{
	return store_begin(s->st);
}

int
session_commit(struct session_db *s)
{
	int	 rc;

	rc = store_commit(s->st, 1);
	store_idle(s->st);
	return rc;
}

void
session_abort(struct session_db *s)
{
	store_abort(s->st);
}

int
session_retry(const struct session_db *s)
{
	return store_retry(s->st);
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
session_get(struct session_db *s, const char *id, int64_t now,
    struct session *r)
{
	unsigned char	 key[SHA256_LEN];
	size_t		 got;
	int		 rc;

	if (session_key(id, key) == -1)
		return SESSION_NOTFOUND;
	rc = store_kv_get(s->st, SDB_SESSIONS, key, sizeof(key), r,
	    sizeof(*r), &got);
	if (rc != SESSION_OK)
		return rc;
	if (got == SESSION_V1_SIZE && r->version == 1) {
		memset((char *)r + got, 0, sizeof(*r) - got);
		r->version = SESSION_VERSION;
	} else if (got != sizeof(*r))
		got = 0;
	if (got == 0 || !session_ok(r)) {
		log_err("%s: corrupt session record", __func__);
		store_fail(s->st);
		return SESSION_ERR;
	}
	return r->expires <= now ? SESSION_NOTFOUND : SESSION_OK;
}

int
session_put(struct session_db *s, const char *id, const struct session *r)
{
	unsigned char	 key[SHA256_LEN];
	struct session	 w = *r;

	w.version = SESSION_VERSION;
	if (session_key(id, key) == -1 || !session_ok(&w)) {
		log_err("%s: refusing a malformed session", __func__);
		store_fail(s->st);
		return SESSION_ERR;
	}
	return store_kv_put(s->st, SDB_SESSIONS, key, sizeof(key), &w,
	    sizeof(w));
}

int
session_chain_get(struct session_db *s, const char *id, char *pem,
    size_t pemsz)
{
	unsigned char	 key[SHA256_LEN], *buf;
	struct schain	 h;
	size_t		 got;
	int		 rc;

	if (session_key(id, key) == -1 || pemsz == 0)
		return SESSION_NOTFOUND;
	if ((buf = malloc(sizeof(h) + CHAIN_PEM_MAX)) == NULL)
		return SESSION_ERR;
	rc = store_kv_get(s->st, SDB_CHAINS, key, sizeof(key), buf,
	    sizeof(h) + CHAIN_PEM_MAX, &got);
	if (rc == SESSION_OK) {
		memcpy(&h, buf, sizeof(h));
		if (got < sizeof(h) || h.version != CHAIN_VERSION ||
		    h.len != got - sizeof(h) || h.len >= pemsz ||
		    memchr(buf + sizeof(h), '\0', h.len) != NULL) {
			log_err("%s: corrupt or oversized chain", __func__);
			store_fail(s->st);
			rc = SESSION_ERR;
		} else {
			memcpy(pem, buf + sizeof(h), h.len);
			pem[h.len] = '\0';
		}
	}
	free(buf);
	return rc;
}

int
session_chain_put(struct session_db *s, const char *id, const char *pem)
{
	unsigned char	 key[SHA256_LEN], *buf;
	struct schain	 h;
	size_t		 len = strlen(pem);
	int		 rc;

	if (session_key(id, key) == -1 || len > CHAIN_PEM_MAX) {
		store_fail(s->st);
		return SESSION_ERR;
	}
	if ((buf = malloc(sizeof(h) + len)) == NULL)
		return SESSION_ERR;
	h.version = CHAIN_VERSION;
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), pem, len);
	rc = store_kv_put(s->st, SDB_CHAINS, key, sizeof(key), buf,
	    sizeof(h) + len);
	free(buf);
	return rc;
}

int
session_count(struct session_db *s, const char *key, int64_t window_end,
    int n, long *value)
{
	struct scounter	 c;
	size_t		 got;
	int		 rc;

	rc = store_kv_get(s->st, SDB_COUNTERS, key, strlen(key), &c,
	    sizeof(c), &got);
	if (rc == SESSION_ERR)
		return rc;
	if (rc == SESSION_NOTFOUND || got != sizeof(c) ||
	    c.window_end != window_end || c.value < 0)
		c.value = 0;
	c.window_end = window_end;
	c.value += n;
	*value = (long)c.value;
	if (n == 0)
		return SESSION_OK;
	return store_kv_put(s->st, SDB_COUNTERS, key, strlen(key), &c,
	    sizeof(c));
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

/* A counter whose window has ended. */
static int
session_counter_due(struct store *st, const void *k, size_t klen,
    const void *v, size_t vlen, void *arg)
{
	const int64_t	*now = arg;
	struct scounter	 c;

	(void)st;
	(void)k;
	(void)klen;
	if (vlen != sizeof(c))
		return 1;
	memcpy(&c, v, sizeof(c));
	return c.window_end <= *now;
}

int
session_prune(struct session_db *s, int64_t now, int max, long *removed)
{
	*removed = 0;
	if (session_begin(s) != SESSION_OK)
		return SESSION_ERR;
	if (store_kv_prune(s->st, SDB_SESSIONS, max, removed, session_due,
	    &now) != STORE_OK || store_kv_prune(s->st, SDB_COUNTERS, max,
	    removed, session_counter_due, &now) != STORE_OK) {
		session_abort(s);
		return SESSION_ERR;
	}
	return session_commit(s);
}

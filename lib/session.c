/* The relay's store on Berkeley DB: its own transactional environment,
 * apart from the CA's (store.c), so that the platform's data and the
 * CA's never share a file, a lock or a recovery. Sessions are keyed by
 * the SHA-256 of their cookie; records are fixed-layout, checked on read;
 * counters and sessions expire and are pruned. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <db.h>

#include "crypt.h"
#include "log.h"
#include "session.h"

#define SESSION_VERSION	1
#define CHAIN_VERSION	1

enum sdb { SDB_SESSIONS, SDB_CHAINS, SDB_COUNTERS, SDB__MAX };

static const char *const sdb_files[SDB__MAX] = {
	"sessions.db", "chains.db", "counters.db",
};

struct session_db {
	DB_ENV	*env;
	DB	*db[SDB__MAX];
	DB_TXN	*txn;
	int	 deadlock;
	int	 failed;
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

static void
session_note(struct session_db *s, const char *fn, int rc)
{
	if (rc == DB_LOCK_DEADLOCK || rc == DB_LOCK_NOTGRANTED)
		s->deadlock = 1;
	else {
		log_err("%s: %s", fn, db_strerror(rc));
		s->failed = 1;
	}
}

static int
session_open_dbs(struct session_db *s)
{
	DB_TXN	*txn = NULL;
	int	 i = 0, rc;

	if ((rc = s->env->txn_begin(s->env, NULL, &txn, 0)) != 0)
		goto err;
	for (i = 0; i < SDB__MAX; i++) {
		if ((rc = db_create(&s->db[i], s->env, 0)) != 0 ||
		    (rc = s->db[i]->open(s->db[i], txn, sdb_files[i], NULL,
		    DB_BTREE, DB_CREATE, 0600)) != 0)
			goto err;
	}
	if ((rc = txn->commit(txn, 0)) != 0) {
		txn = NULL;
		goto err;
	}
	return 0;
err:
	log_err("%s: %s: %s", __func__, i < SDB__MAX ? sdb_files[i] : "",
	    db_strerror(rc));
	if (txn != NULL)
		txn->abort(txn);
	return -1;
}

struct session_db *
session_open(const char *dir)
{
	struct session_db	*s;
	int			 rc;
	u_int32_t		 flags = DB_INIT_TXN | DB_INIT_LOCK |
	    DB_INIT_LOG | DB_INIT_MPOOL | DB_REGISTER | DB_RECOVER | DB_CREATE;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_err("%s: mkdir %s: %s", __func__, dir, strerror(errno));
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((rc = db_env_create(&s->env, 0)) != 0)
		goto err;
	s->env->set_errfile(s->env, stderr);
	s->env->set_errpfx(s->env, "idprover-relay-store");
	s->env->set_cachesize(s->env, 0, 256 * 1024, 1);
	s->env->set_lk_detect(s->env, DB_LOCK_DEFAULT);
	s->env->set_lg_bsize(s->env, 128 * 1024);
	s->env->set_lg_max(s->env, 2 * 1024 * 1024);
	s->env->log_set_config(s->env, DB_LOG_AUTO_REMOVE, 1);
	if ((rc = s->env->open(s->env, dir, flags, 0600)) != 0)
		goto err;
	if (session_open_dbs(s) == -1) {
		session_close(s);
		return NULL;
	}
	return s;
err:
	log_err("%s: %s: %s", __func__, dir, db_strerror(rc));
	if (s->env != NULL)
		s->env->close(s->env, 0);
	free(s);
	return NULL;
}

void
session_close(struct session_db *s)
{
	int	 i;

	if (s == NULL)
		return;
	session_abort(s);
	for (i = 0; i < SDB__MAX; i++)
		if (s->db[i] != NULL)
			s->db[i]->close(s->db[i], 0);
	if (s->env != NULL) {
		s->env->txn_checkpoint(s->env, 0, 0, 0);
		s->env->close(s->env, 0);
	}
	free(s);
}

int
session_begin(struct session_db *s)
{
	int	 rc;

	s->deadlock = s->failed = 0;
	if ((rc = s->env->txn_begin(s->env, NULL, &s->txn, 0)) != 0) {
		session_note(s, __func__, rc);
		s->txn = NULL;
		return SESSION_ERR;
	}
	return SESSION_OK;
}

int
session_commit(struct session_db *s)
{
	int	 rc;

	if (s->txn == NULL)
		return SESSION_ERR;
	if (s->deadlock || s->failed) {
		session_abort(s);
		return SESSION_ERR;
	}
	rc = s->txn->commit(s->txn, 0);
	s->txn = NULL;
	if (rc != 0) {
		session_note(s, __func__, rc);
		return SESSION_ERR;
	}
	s->env->txn_checkpoint(s->env, 512, 5, 0);
	return SESSION_OK;
}

void
session_abort(struct session_db *s)
{
	if (s->txn != NULL)
		s->txn->abort(s->txn);
	s->txn = NULL;
}

int
session_retry(const struct session_db *s)
{
	return s->deadlock && !s->failed;
}

/* Get key into buf (up to size octets; *got the length). */
static int
session_dbget(struct session_db *s, enum sdb d, const void *k, size_t klen,
    void *buf, size_t size, size_t *got)
{
	DBT	 key, data;
	int	 rc;

	if (s->deadlock || s->failed)
		return SESSION_ERR;
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	key.data = (void *)k;
	key.size = (u_int32_t)klen;
	data.data = buf;
	data.ulen = (u_int32_t)size;
	data.flags = DB_DBT_USERMEM;
	rc = s->db[d]->get(s->db[d], s->txn, &key, &data,
	    s->txn != NULL ? DB_RMW : 0);
	if (rc == DB_NOTFOUND)
		return SESSION_NOTFOUND;
	if (rc == DB_BUFFER_SMALL) {
		log_err("%s: %s: record too large", __func__, sdb_files[d]);
		s->failed = 1;
		return SESSION_ERR;
	}
	if (rc != 0) {
		session_note(s, __func__, rc);
		return SESSION_ERR;
	}
	*got = data.size;
	return SESSION_OK;
}

static int
session_dbput(struct session_db *s, enum sdb d, const void *k, size_t klen,
    const void *v, size_t vlen)
{
	DBT	 key, data;
	int	 rc;

	if (s->deadlock || s->failed)
		return SESSION_ERR;
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	key.data = (void *)k;
	key.size = (u_int32_t)klen;
	data.data = (void *)v;
	data.size = (u_int32_t)vlen;
	if ((rc = s->db[d]->put(s->db[d], s->txn, &key, &data, 0)) != 0) {
		session_note(s, __func__, rc);
		return SESSION_ERR;
	}
	return SESSION_OK;
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
	    !TERMINATED(r, cert_subject) || !TERMINATED(r, cert_expiry))
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
	rc = session_dbget(s, SDB_SESSIONS, key, sizeof(key), r, sizeof(*r),
	    &got);
	if (rc != SESSION_OK)
		return rc;
	if (got != sizeof(*r) || !session_ok(r)) {
		log_err("%s: corrupt session record", __func__);
		s->failed = 1;
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
		s->failed = 1;
		return SESSION_ERR;
	}
	return session_dbput(s, SDB_SESSIONS, key, sizeof(key), &w,
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
	rc = session_dbget(s, SDB_CHAINS, key, sizeof(key), buf,
	    sizeof(h) + CHAIN_PEM_MAX, &got);
	if (rc == SESSION_OK) {
		memcpy(&h, buf, sizeof(h));
		if (got < sizeof(h) || h.version != CHAIN_VERSION ||
		    h.len != got - sizeof(h) || h.len >= pemsz ||
		    memchr(buf + sizeof(h), '\0', h.len) != NULL) {
			log_err("%s: corrupt or oversized chain", __func__);
			s->failed = 1;
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
		s->failed = 1;
		return SESSION_ERR;
	}
	if ((buf = malloc(sizeof(h) + len)) == NULL)
		return SESSION_ERR;
	h.version = CHAIN_VERSION;
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), pem, len);
	rc = session_dbput(s, SDB_CHAINS, key, sizeof(key), buf,
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

	rc = session_dbget(s, SDB_COUNTERS, key, strlen(key), &c, sizeof(c),
	    &got);
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
	return session_dbput(s, SDB_COUNTERS, key, strlen(key), &c,
	    sizeof(c));
}

/* 1 when the record of d (data, size octets) is due for removal. */
static int
session_due(enum sdb d, const DBT *data, int64_t now)
{
	struct session	 r;
	struct scounter	 c;

	if (d == SDB_SESSIONS) {
		if (data->size != sizeof(r))
			return 1;
		memcpy(&r, data->data, sizeof(r));
		return r.expires <= now;
	}
	if (data->size != sizeof(c))
		return 1;
	memcpy(&c, data->data, sizeof(c));
	return c.window_end <= now;
}

/* Walk d and remove what is due (and, for a session, its chain). */
static int
session_prune_db(struct session_db *s, enum sdb d, int64_t now, int max,
    long *removed)
{
	DBC	*c = NULL;
	DBT	 key, data;
	int	 rc;

	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	if ((rc = s->db[d]->cursor(s->db[d], s->txn, &c, 0)) != 0)
		goto err;
	while (*removed < max && (rc = c->get(c, &key, &data, DB_NEXT)) == 0) {
		if (!session_due(d, &data, now))
			continue;
		if ((rc = c->del(c, 0)) != 0)
			goto err;
		if (d == SDB_SESSIONS && (rc = s->db[SDB_CHAINS]->del(
		    s->db[SDB_CHAINS], s->txn, &key, 0)) != 0 &&
		    rc != DB_NOTFOUND)
			goto err;
		(*removed)++;
	}
	if (*removed < max && rc != DB_NOTFOUND)
		goto err;
	c->close(c);
	return SESSION_OK;
err:
	session_note(s, __func__, rc);
	if (c != NULL)
		c->close(c);
	return SESSION_ERR;
}

int
session_prune(struct session_db *s, int64_t now, int max, long *removed)
{
	*removed = 0;
	if (session_begin(s) != SESSION_OK)
		return SESSION_ERR;
	if (session_prune_db(s, SDB_SESSIONS, now, max, removed) !=
	    SESSION_OK || session_prune_db(s, SDB_COUNTERS, now, max,
	    removed) != SESSION_OK) {
		session_abort(s);
		return SESSION_ERR;
	}
	return session_commit(s);
}

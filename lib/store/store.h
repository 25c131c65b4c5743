/* The store: its records and calls, the same on every engine (Berkeley DB
 * in bdb.c, PostgreSQL in pg.c); store.c hands each call to the engine of
 * the store it is given. */
#ifndef STORE_H
#define STORE_H
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

#define STORE_OK	 0
#define STORE_NOTFOUND	 1
#define STORE_EXISTS	 2
#define STORE_ERR	-1
#define STORE_UNKNOWN	 3	/* the engine keeps no index to tell */

enum acct_status { ACCT_VALID, ACCT_DEACTIVATED, ACCT_REVOKED, ACCT__MAX };
enum order_status { ORDER_PENDING, ORDER_READY, ORDER_PROCESSING,
	ORDER_VALID, ORDER_INVALID, ORDER__MAX };
enum authz_status { AUTHZ_PENDING, AUTHZ_VALID, AUTHZ_INVALID,
	AUTHZ_DEACTIVATED, AUTHZ_EXPIRED, AUTHZ_REVOKED, AUTHZ__MAX };
enum chall_status { CHALL_PENDING, CHALL_PROCESSING, CHALL_VALID,
	CHALL_INVALID, CHALL__MAX };
enum sms_state { OUTBOX_QUEUED, OUTBOX_DONE, OUTBOX_FAILED, OUTBOX__MAX };

struct account {
	uint32_t	 version;
	uint8_t		 status;		/* enum acct_status */
	uint8_t		 tos;
	int64_t		 created;
	char		 id[ID_LEN + 1];
	char		 thumb[THUMB_LEN + 1];
	char		 key[JWK_JSON_MAX];	/* canonical JWK */
	char		 contact[CONTACT_JSON_MAX]; /* JSON array or "" */
	/* Version 2: the platform whose external account
	 * binding created the account, "" for none. A version 1 record
	 * (without it) loads with "". */
	char		 platform[PLATFORM_NAME_MAX + 1];
};

/* A platform: a party whose accounts are bound to it by
 * external account binding (RFC 8555 7.3.4), with its SMS format, its
 * limits and the prefixes its conversion guard holds. */
enum platform_status { PLATFORM_ENABLED, PLATFORM_DISABLED, PLATFORM__MAX };

/* A held prefix (until > 0), or one the operator released (until -1,
 * since: the release): the guard then counts from the sends and proofs
 * it had seen when it held it. until 0: a free slot. */
struct guard_hold {
	int64_t		 since, until;
	uint32_t	 sent, done;		/* when it was held */
	char		 prefix[GUARD_PREFIX_MAX + 1];
};

struct platform {
	uint32_t	 version;
	uint8_t		 status;		/* enum platform_status */
	uint8_t		 nhashes, nprefixes;
	int64_t		 created, rotated;
	int64_t		 sms_hour, sms_day;	/* 0: no own budget */
	char		 name[PLATFORM_NAME_MAX + 1];
	char		 shown[PLATFORM_SHOWN_MAX + 1];
	char		 origin[PLATFORM_ORIGIN_MAX + 1]; /* "" : none */
	char		 hashes[PLATFORM_HASHES_MAX][APP_HASH_LEN + 1];
	char		 prefixes[PLATFORM_PREFIXES_MAX][TN_MAX + 1];
	char		 kid[ID_LEN + 1];	/* the EAB key id */
	uint32_t	 sealedlen;		/* the HMAC key, sealed */
	unsigned char	 sealed[EAB_SEALED_MAX];
	struct guard_hold held[GUARD_HELD_MAX];
};

/* An order with its one authorization and its one challenge: the
 * profile allows exactly one identifier, so they share the order's id
 * (/order/ID, /authz/ID, /chall/ID, /cert/ID). */
struct order {
	uint32_t	 version;
	uint8_t		 status;		/* enum order_status */
	uint8_t		 authz;			/* enum authz_status */
	uint8_t		 chall;			/* enum chall_status */
	uint8_t		 sends;			/* SMS sent for the challenge */
	uint8_t		 tries;			/* failed responses */
	uint8_t		 error;			/* enum prob, 0: none */
	uint8_t		 has_nb, has_na;
	int64_t		 created, expires, not_before, not_after;
	int64_t		 authz_expires, validated;
	int64_t		 code_expires, last_send;
	char		 id[ID_LEN + 1];
	char		 acct[ID_LEN + 1];
	char		 ident[IDENT_VALUE_MAX + 1];
	char		 tn[TN_MAX + 1];
	char		 token[TOKEN_LEN + 1];
	unsigned char	 code_mac[32];		/* HMAC of the expected digest */
	char		 detail[DETAIL_MAX];	/* error detail */
	/* Version 2; a version 1 record reads with these "". */
	char		 profile[PROFILE_NAME_MAX + 1];	/* "": the default */
	char		 replaces[ID_LEN + 1];	/* the certificate (its order's
						   id) this order replaces */
	char		 proof[ID_LEN + 1];	/* the order whose valid
						   authorization this one
						   reuses; "": its own */
};

struct cert {
	uint32_t	 version;
	uint8_t		 revoked;
	int8_t		 reason;		/* -1: none */
	int64_t		 issued, not_after, revoked_at;
	char		 id[ID_LEN + 1];	/* the order's id */
	char		 acct[ID_LEN + 1];
	unsigned char	 serial[SERIAL_LEN];
	uint32_t	 derlen;
	unsigned char	 der[CERT_DER_MAX];
};

/* One SMS in the outbox; the text is sealed with the server secret and
 * wiped once the message is delivered or abandoned. */
struct sms {
	uint32_t	 version;
	uint8_t		 state;			/* enum sms_state */
	uint8_t		 attempts;
	int64_t		 created, next_try, expires, sent_at;
	char		 id[SMS_ID_MAX];	/* order id "." send number */
	char		 order[ID_LEN + 1];
	char		 acct[ID_LEN + 1];
	char		 to[TN_MAX + 1];
	uint32_t	 sealedlen;
	unsigned char	 sealed[SMS_TEXT_MAX + 64];
	char		 msgid[SMS_MSGID_MAX];
	char		 error[DETAIL_MAX];
};

struct store;

/* Open a store: where is a folder (Berkeley DB: the environment there,
 * made when create is set, recovered after a crash) or a postgresql://
 * URI (PostgreSQL: the schema version is checked unless create is set).
 * The config's "store" when set, else its db_dir. */
struct store	*store_open(const char *where, int create);
/* 1 when where names a PostgreSQL database. */
int		 store_is_uri(const char *where);
void		 store_close(struct store *);

/* One transaction at a time per store. commit: durable != 0 waits for
 * the log on disk. After a deadlock every call fails until store_abort;
 * store_retry then says whether to run the request again. */
int		 store_begin(struct store *);
int		 store_commit(struct store *, int durable);
void		 store_abort(struct store *);
int		 store_retry(const struct store *);
/* A transaction nested in the open one: store_nest_end keeps (keep != 0)
 * or undoes (keep == 0) what was written since store_nest_begin, as a
 * whole, and the open transaction goes on. store_abort undoes both. */
int		 store_nest_begin(struct store *);
int		 store_nest_end(struct store *, int keep);
/* Housekeeping between requests (checkpoints). */
void		 store_idle(struct store *);
/* After another process died inside the environment every call fails
 * with a panic; store_reopen closes and reopens (recovering) it. */
int		 store_panicked(const struct store *);
int		 store_reopen(struct store **);
/* 1 when another process has recovered the environment under this handle
 * (made its regions anew): whatever the handle waits for, such as a mutex
 * of a process that was killed, never comes. Async-signal-safe, for a
 * watchdog. */
int		 store_stale(const struct store *);
int		 store_failed(const struct store *);
/* 1 when the last call failed because the database cannot be reached
 * (answer 503 and let the client come back); the next store_begin tries
 * to reconnect. */
int		 store_unavailable(const struct store *);
/* Bring the schema up to the program's version (PostgreSQL; nothing to do
 * on Berkeley DB); *from and *to get the versions. Refuses a newer one. */
int		 store_migrate(struct store *, int *from, int *to);
int	 store_account_get(struct store *, const char *id, struct account *);
int	 store_account_put(struct store *, const struct account *);
int	 store_key_get(struct store *, const char *thumb, char *id);
int	 store_key_put(struct store *, const char *thumb, const char *id);
int	 store_key_del(struct store *, const char *thumb);

int	 store_order_get(struct store *, const char *id, struct order *);
int	 store_order_put(struct store *, const struct order *);
/* Orders of an account in creation order, from the one after `after`
 * (NULL: the first); calls fn for up to max of them. Returns the number
 * given, and sets *more when others follow. */
int	 store_acct_orders(struct store *, const char *acct, const char *after,
	    int max, int *more, int (*fn)(void *, const struct order *),
	    void *arg);
int	 store_acct_order_add(struct store *, const struct order *);
/* The id of acct's order with the latest validated time among those
 * whose authorization for ident was proven by an SMS (authz valid when
 * written, proof ""): STORE_OK, STORE_NOTFOUND when there is none, or
 * STORE_UNKNOWN when the engine keeps no such index (or has not built it
 * yet: idprover-admin migrate), and the caller walks store_acct_orders.
 * The order may have changed since (deactivated, revoked): the caller
 * checks it. */
int	 store_acct_proof(struct store *, const char *acct, const char *ident,
	    char id[ID_LEN + 1]);

/* Every order (outside request paths: the operator's tools), in no
 * particular order; fn returns -1 to stop. */
int	 store_orders_walk(struct store *, int (*fn)(void *,
	    const struct order *), void *arg);

/*
 * Replacement (RFC 9773 5): the one order that replaces a certificate,
 * both named by their ids. store_replace records that order replaces
 * cert: with prev NULL only when no order does yet, else only when prev
 * still does; STORE_EXISTS otherwise. The record is unique per
 * certificate and written in the caller's transaction, so of two
 * requests racing for one certificate, in any processes, one wins.
 * store_replaced_by gets the order that replaces cert.
 */
int	 store_replace(struct store *, const char *cert, const char *order,
	    const char *prev);
int	 store_replaced_by(struct store *, const char *cert, char *order);

int	 store_cert_get(struct store *, const char *id, struct cert *);
int	 store_cert_put(struct store *, const struct cert *);
int	 store_serial_get(struct store *, const unsigned char *serial,
	    char *id);
/* Every revoked certificate, for the CRL. */
int	 store_revoked(struct store *, int (*fn)(void *, const struct cert *),
	    void *arg);

/* Platforms: one record per platform, by name. */
int	 store_platform_get(struct store *, const char *name,
	    struct platform *);
int	 store_platform_put(struct store *, const struct platform *);
/* The platform name will be read by this transaction: an engine that
 * pipelines reads it with its next round trip and answers
 * store_platform_get from what it read (until a platform is written).
 * Nothing else changes (an engine may do nothing): STORE_OK, or
 * STORE_ERR (failed, or outside a transaction). */
int	 store_platform_prefetch(struct store *, const char *name);
/* Every platform in name order (up to PLATFORMS_MAX): fn returns 0 to
 * stop. In a transaction or outside any. */
int	 store_platforms(struct store *, int (*fn)(void *,
	    const struct platform *), void *arg);

/* Mark a nonce (raw octets) used until expires: STORE_EXISTS if it was. */
int	 store_nonce_use(struct store *, const unsigned char *, size_t,
	    int64_t expires);
/* The same in two steps, so that an engine that pipelines can send the
 * spend with the transaction's next read (the account's): start (in a
 * transaction) queues it; end with keep 1 gives its outcome (STORE_OK,
 * STORE_EXISTS, STORE_ERR), with keep 0 leaves the nonce unspent (the
 * request failed before its nonce counted). STORE_ERR from end when no
 * start came before it. */
int	 store_nonce_start(struct store *, const unsigned char *, size_t,
	    int64_t expires);
int	 store_nonce_end(struct store *, int keep);

int	 store_sms_put(struct store *, const struct sms *);
int	 store_sms_get(struct store *, const char *id, struct sms *);
/* Queued messages (outside request paths: the flush tool). */
int	 store_sms_queued(struct store *, int (*fn)(void *, struct sms *),
	    void *arg);

/* The retry index of the outbox: add a message due at when; take (and
 * remove) up to max ids due by now, oldest first. */
int	 store_due_add(struct store *, int64_t when, const char *id);
int	 store_due_take(struct store *, int64_t now, char ids[][SMS_ID_MAX],
	    int max);

/* The retry index read without removing (in a transaction or outside
 * any): up to max entries due by now, oldest first, with their times;
 * store_due_del removes one entry (STORE_NOTFOUND when there is none). */
int	 store_due_peek(struct store *, int64_t now, char ids[][SMS_ID_MAX],
	    int64_t *when, int max);
int	 store_due_del(struct store *, int64_t when, const char *id);

/* A sliding window of a rate limit: time is cut into slots, each
 * counting its events and keeping when the latest came (seconds into
 * the slot); slot j is at index j % WINDOW_SLOTS. The record lives
 * (prune) until expires. */
#define WINDOW_SLOTS	61
struct window {
	int64_t		 expires;	/* first, as in every counter record */
	int64_t		 slot;		/* the latest slot counted */
	uint32_t	 n[WINDOW_SLOTS];
	uint16_t	 last[WINDOW_SLOTS];
};
/* STORE_NOTFOUND (and *w zeroed) when there is none. */
int	 store_window_get(struct store *, const char *key, struct window *);
int	 store_window_put(struct store *, const char *key,
	    const struct window *);
/* The windows of keys[0 .. n - 1] will be read by this transaction: an
 * engine that pipelines reads them together, with its next round trip,
 * and answers store_window_get from what it read. Nothing else changes
 * (an engine may do nothing): STORE_OK, or STORE_ERR (failed). */
int	 store_window_prefetch(struct store *, const char *const *keys, int n);
/* Every platform as store_platforms gives them (name order, up to
 * PLATFORMS_MAX; fn returns 0 to stop), each with its limit window of
 * key pre NAME post (zeroed when there is none): an engine that can
 * reads both in one statement. In a transaction or outside any. */
int	 store_platforms_windows(struct store *, const char *pre,
	    const char *post, int (*fn)(void *, const struct platform *,
	    const struct window *), void *arg);

/* Add n to a counter that lives until window_end; *value gets the sum.
 * value may be NULL when the sum is not needed (n > 0): an engine that
 * pipelines then sends the add with what comes next. */
int	 store_count(struct store *, const char *key, int64_t window_end,
	    int n, long *value);
/* A named counter in metadata (CRL number ...): incremented, returned. */
int	 store_meta_next(struct store *, const char *key, uint64_t *value);
/* The same, but the new value is at least floor. */
int	 store_meta_above(struct store *, const char *key, uint64_t floor,
	    uint64_t *value);

/* Another module's environment (the relay's): n databases named by
 * files, reached by their index through the plain key-value calls. */
struct store	*store_open_kv(const char *dir, const char *const *files,
		    size_t n);
int	 store_kv_get(struct store *, int db, const void *k, size_t klen,
	    void *buf, size_t size, size_t *got);
int	 store_kv_put(struct store *, int db, const void *k, size_t klen,
	    const void *v, size_t vlen);
int	 store_kv_del(struct store *, int db, const void *k, size_t klen);
/* Remove up to max - *removed records of db that due() says are due. */
int	 store_kv_prune(struct store *, int db, long max, long *removed,
	    int (*due)(struct store *, const void *k, size_t klen,
	    const void *v, size_t vlen, void *arg), void *arg);
/* Mark the transaction failed (a record did not pass its checks). */
void	 store_fail(struct store *);

/* Maintenance, outside request paths. */
int	 store_prune(struct store *, int64_t now, long *removed);
int	 store_stats(struct store *, long *accounts, long orders[ORDER__MAX],
	    long sms[OUTBOX__MAX], long *certs);
int	 store_backup(struct store *, const char *todir);

/* 1 when the store's engine provides every call of this contract (a
 * missing one would crash the first request that makes it). */
int	 store_engine_complete(const struct store *);

/* Every record of a store, one kind at a time (copy-store). */
#define STORE_KEY_MAX	128	/* counter and meta keys */
enum store_kind { SK_ACCOUNT, SK_KEY, SK_ORDER, SK_ACCT_ORDER, SK_CERT,
	SK_NONCE, SK_SMS, SK_DUE, SK_COUNTER, SK_META, SK_WINDOW,
	SK_PLATFORM, SK_REPLACED, SK__MAX };
extern const char *const store_kinds[SK__MAX];

struct store_rec {
	enum store_kind	 kind;
	union {
		struct account	 a;
		struct order	 o;	/* also SK_ACCT_ORDER: acct, created, id */
		struct cert	 c;
		struct sms	 m;
		struct {
			char	 thumb[THUMB_LEN + 1];
			char	 id[ID_LEN + 1];
		} key;
		struct {
			unsigned char n[NONCE_RAW_LEN];
			int64_t	 expires;
		} nonce;
		struct {
			int64_t	 when;
			char	 id[SMS_ID_MAX];
		} due;
		struct {
			char	 key[STORE_KEY_MAX];
			int64_t	 window_end;
			long	 value;
			uint64_t meta;
		} ctr;			/* SK_COUNTER and SK_META */
		struct {
			char	 key[STORE_KEY_MAX];
			struct window w;
		} win;
		struct platform	 p;
		struct {
			char	 cert[ID_LEN + 1];	/* replaced */
			char	 order[ID_LEN + 1];	/* by this one */
		} repl;			/* SK_REPLACED: store_replace */
	} u;
};

/* Call fn for every record (inside a transaction of the caller's). */
int	 store_dump(struct store *, int (*fn)(void *, const struct store_rec *),
	    void *arg);
/* Write a record as dumped, replacing what is there (safe to repeat). */
int	 store_load(struct store *, const struct store_rec *);
/* SHA-256 of the fields of a record (not of its padding), so that the
 * same record read from either engine gives the same digest. */
int	 store_rec_digest(const struct store_rec *, unsigned char out[32]);

#endif

/* What the files of the PostgreSQL engine share (pg.c: the connection,
 * the pipeline and transactions, the key-value calls, the engine's table;
 * pg_sql.c: the statements; pg_records.c: accounts, orders, certificates;
 * pg_queue.c: nonces, the outbox, counters, windows; pg_platform.c:
 * platforms; pg_admin.c: prune, stats, backup, migrate, dump and load).
 * Only they include it, and only they (through pq.h) see libpq. */
#ifndef STORE_PGINT_H
#define STORE_PGINT_H
#include <stddef.h>
#include <stdint.h>

#include "pq.h"

#include "engine.h"
#include "store.h"

#define PG_PIPE_MAX	64	/* commands queued before a flush */
#define PG_SEEN_MAX	8	/* rows read by a transaction, with rev */
#define PG_COUNTERS_MAX	8	/* counters read by a transaction */
#define PG_WINDOWS_MAX	24	/* limit windows a transaction knows */
#define PG_AHEAD_MAX	4	/* orders read ahead */
#define PG_ORDER_NCOLS	25	/* the columns of an order (pg_sql.c) */
#define PG_PARAMS_MAX	32
#define PG_URI_MAX	1024
#define PG_LOCK_MIGRATE	0x69647072	/* advisory lock of migrate */

/* Defaults a URI may override: no wait past the request watchdog. */
#define PG_CONNECT_TIMEOUT	"3"
#define PG_OPTIONS	"-c statement_timeout=10000 -c lock_timeout=5000 " \
			"-c idle_in_transaction_session_timeout=60000"

enum stmt {
	S_ACCOUNT_GET, S_ACCOUNT_INS, S_ACCOUNT_UPD, S_KEY_GET, S_KEY_PUT,
	S_KEY_SET, S_KEY_DEL, S_ORDER_GET, S_ORDER_INS, S_ORDER_UPD,
	S_ACCT_ORDER_ADD, S_ACCT_ORDERS, S_CERT_GET, S_CERT_INS, S_CERT_UPD,
	S_SERIAL_GET, S_REVOKED, S_NONCE_USE, S_SMS_GET, S_SMS_PUT,
	S_SMS_QUEUED, S_DUE_ADD, S_DUE_TAKE, S_COUNT_GET, S_COUNT_ADD,
	S_COUNT_SET, S_META_ABOVE, S_META_SET, S_KV_GET, S_KV_PUT, S_KV_DEL,
	S_KV_ALL, S_PRUNE, S_STATS, S_VERSION, S_DUMP_ACCOUNTS, S_DUMP_KEYS,
	S_DUMP_ORDERS, S_DUMP_REFS, S_DUMP_CERTS, S_DUMP_NONCES, S_DUMP_SMS,
	S_DUMP_DUE, S_DUMP_COUNTERS, S_DUMP_META, S_DUMP_WINDOWS, S_DUE_PEEK,
	S_DUE_DEL, S_WINDOW_GET, S_WINDOW_PUT, S_ORDERS_WALK, S_REPLACE_INS,
	S_REPLACE_UPD, S_REPLACE_SET, S_REPLACED_BY, S_ACCT_PROOF, S_PLATFORM_GET,
	S_PLATFORM_PUT, S_PLATFORMS, S_DUMP_PLATFORMS, S_DUMP_REPLACED,
	S_NONCE_DEL, S_SERIAL_ORDER, S_PLATFORMS_WINDOWS, S__MAX
};

#define ACCOUNT_VERSION	2	/* as on Berkeley DB: with the platform */
#define ORDER_VERSION	2	/* with profile, replaces and proof */
#define PG_WALK_BATCH	256	/* orders read at a time by orders_walk */

/* What a queued command was, to read its result: CMD_NONCE, CMD_WINDOW,
 * CMD_ORDER and CMD_PLATFORM have theirs read into the store (a nonce's
 * outcome, a window, orders or a platform read ahead) when it comes. */
enum cmd { CMD_SQL, CMD_PREPARE, CMD_EXEC, CMD_EXEC_ONE, CMD_NONCE,
	CMD_WINDOW, CMD_ORDER, CMD_PLATFORM };

struct sent {
	enum cmd	 cmd;
	enum stmt	 stmt;
	int		 slot;		/* CMD_WINDOW: its entry in wins */
	unsigned	 gen;		/* ... while it has this gen */
};

/* A limit window as the transaction knows it: read ahead and not yet
 * answered, or read (or written) by it. */
enum wstate { W_PENDING, W_FOUND, W_NONE };
struct wknown {
	char		 key[STORE_KEY_MAX];
	enum wstate	 state;
	unsigned	 gen;
	struct window	 w;
};

/* An order read ahead, with its rev. */
struct ahead {
	struct order	 o;
	long long	 rev;
};

/* A row the transaction read, and its rev then. */
struct seen {
	enum stmt	 table;		/* the _GET statement */
	char		 id[ID_LEN + 1];
	long long	 rev;
};

/* A counter the transaction read: adding to it needs no answer. */
struct ctr {
	char		 key[STORE_KEY_MAX];
	int64_t		 window_end;
	long		 value;
};

struct store {
	const struct store_engine *eng;	/* first: see engine.h */
	PGconn		*conn;
	const char *const *files;	/* kv databases (the relay's) */
	size_t		 ndb;
	int		 intx;		/* between store_begin and the end */
	int		 begun;		/* BEGIN sent */
	int		 deadlock;	/* a conflict: run the request again */
	int		 failed;	/* ... or another error */
	int		 down;		/* the database cannot be reached */
	unsigned char	 prepared[S__MAX];
	struct sent	 sent[PG_PIPE_MAX];
	int		 nsent;
	struct seen	 seen[PG_SEEN_MAX];
	int		 nseen;
	struct ctr	 ctrs[PG_COUNTERS_MAX];
	int		 nctrs;
	/* A nested transaction (a savepoint): what the transaction knew of
	 * rows and counters when it began, back again when it is undone. */
	int		 nest;		/* 1: open, 2: and SAVEPOINT sent */
	struct seen	 nest_seen[PG_SEEN_MAX];
	int		 nest_nseen;
	struct ctr	 nest_ctrs[PG_COUNTERS_MAX];
	int		 nest_nctrs;
	struct wknown	 wins[PG_WINDOWS_MAX];
	int		 nwins;
	unsigned	 wgen;
	struct wknown	 nest_wins[PG_WINDOWS_MAX];
	int		 nest_nwins;
	char		 key_absent[THUMB_LEN + 1];	/* key_get found none */
	struct cert	 cert;		/* read by serial_get ... */
	int		 cert_ahead;	/* ... and not written since */
	/* Orders read with another row (a certificate's, an order's
	 * proof, the account's latest proof), each until it is written. */
	struct ahead	 ahead[PG_AHEAD_MAX];
	int		 nahead;
	/* The order that replaces certificate repl_cert ("" for none),
	 * as read with the certificate's serial ("": none known). */
	char		 repl_cert[ID_LEN + 1];
	char		 repl_by[ID_LEN + 1];
	/* A platform read ahead (store_platform_prefetch), until a
	 * platform is written: its read sent (P_SENT, with gen plat_gen),
	 * found or not; P_NONE: none known. */
	enum { P_NONE, P_SENT, P_FOUND, P_ABSENT } plat_state;
	unsigned	 plat_gen;
	struct platform	 plat;
	/* store_nonce_start's spend: 1 sent, 2 answered (nonce_rc). */
	int		 nonce_state;
	int		 nonce_rc;
	unsigned char	 nonce[NONCE_RAW_LEN];
	unsigned long	 trips;		/* round trips of this transaction */
	int		 trace;		/* IDPROVER_STORE_TRACE: log them */
	char		 uri[PG_URI_MAX];
};

/* Parameters of one statement: text, or binary for bytea. */
struct params {
	const char	*v[PG_PARAMS_MAX];
	int		 len[PG_PARAMS_MAX];
	int		 fmt[PG_PARAMS_MAX];
	char		 num[PG_PARAMS_MAX][24];
	int		 n;
};

/* The statements (pg_sql.c), and the one that dumps each kind. */
extern const char *const sqls[S__MAX];
extern const enum stmt dump_stmts[SK__MAX];
extern const struct store_engine pg_engine;

/* The newest schema this program knows (where schema.h is included). */
#define SCHEMA_VERSION	\
	(schema_steps[sizeof(schema_steps) / sizeof(schema_steps[0]) - 1].version)

#define R_STR(r, row, col, a)	r_copy(r, row, col, a, sizeof(a), 1, NULL)

void	p_bytes(struct params *p, const void *b, size_t n);
void	p_null(struct params *p);
void	p_num(struct params *p, long long v);
void	p_str(struct params *p, const char *s);
void	pg_abort(struct store *st);
uint32_t	pg_be32(const unsigned char *p);
int	pg_begin(struct store *st);
int	pg_commit(struct store *st, int durable);
int	pg_corrupt(struct store *st, PGresult *r, const char *what);
PGresult *	pg_exec(struct store *st, enum stmt s, const struct params *p);
int	pg_failed(const struct store *st);
int	pg_one(struct store *st, enum stmt s, const struct params *p,
		    PGresult **res);
int	pg_ready(struct store *st);
long long	pg_seen_rev(const struct store *st, enum stmt table,
		    const char *id);
void	pg_seen_set(struct store *st, enum stmt table, const char *id,
		    long long rev);
int	pg_write(struct store *st, enum stmt s, const struct params *p,
		    enum cmd cmd);
int	r_copy(const PGresult *r, int row, int col, void *dst, size_t size,
		    int string, size_t *len);
long long	r_num(const PGresult *r, int row, int col);
int	pg_account_get(struct store *st, const char *id, struct account *a);
int	pg_account_put(struct store *st, const struct account *a);
int	pg_acct_order_add(struct store *st, const struct order *o);
int	pg_acct_orders(struct store *st, const char *acct, const char *after,
		    int max, int *more, int (*fn)(void *,
		    const struct order *), void *arg);
int	pg_cert_get(struct store *st, const char *id, struct cert *c);
int	pg_cert_put(struct store *st, const struct cert *c);
int	pg_key_del(struct store *st, const char *thumb);
int	pg_key_get(struct store *st, const char *thumb, char *id);
int	pg_key_put(struct store *st, const char *thumb, const char *id);
int	pg_order_get(struct store *st, const char *id, struct order *o);
int	pg_order_put(struct store *st, const struct order *o);
int	pg_orders_walk(struct store *st, int (*fn)(void *,
		    const struct order *), void *arg);
int	pg_replace(struct store *st, const char *cert, const char *order,
		    const char *prev);
int	pg_replaced_by(struct store *st, const char *cert, char *order);
int	pg_revoked(struct store *st, int (*fn)(void *, const struct cert *),
		    void *arg);
int	pg_row_account(const PGresult *r, int i, struct account *a);
int	pg_row_cert(const PGresult *r, int i, struct cert *c);
int	pg_row_order(const PGresult *r, int i, struct order *o);
int	pg_row_order_at(const PGresult *r, int i, int col, struct order *o);
void	pg_ahead_put(struct store *st, const PGresult *r, int i, int col);
void	pg_ahead_drop(struct store *st);
int	pg_serial_get(struct store *st, const unsigned char *serial, char *id);
int	pg_count(struct store *st, const char *key, int64_t window_end, int n,
		    long *value);
int	pg_due_add(struct store *st, int64_t when, const char *id);
int	pg_due_del(struct store *st, int64_t when, const char *id);
int	pg_due_peek(struct store *st, int64_t now, char ids[][SMS_ID_MAX],
		    int64_t *when, int max);
int	pg_due_take(struct store *st, int64_t now, char ids[][SMS_ID_MAX],
		    int max);
int	pg_meta_above(struct store *st, const char *key, uint64_t floor,
		    uint64_t *value);
int	pg_meta_next(struct store *st, const char *key, uint64_t *value);
int	pg_nonce_use(struct store *st, const unsigned char *n, size_t len,
		    int64_t expires);
int	pg_nonce_start(struct store *st, const unsigned char *n, size_t len,
		    int64_t expires);
int	pg_nonce_end(struct store *st, int keep);
void	pg_answer(struct store *st, const struct sent *c, const PGresult *r);
void	pg_platform_answer(struct store *st, const struct sent *c,
		    const PGresult *r);
int	pg_row_sms(const PGresult *r, int i, struct sms *m);
int	pg_row_window(const PGresult *r, int i, char *key, size_t ksize,
		    struct window *w);
int	pg_sms_get(struct store *st, const char *id, struct sms *m);
int	pg_sms_put(struct store *st, const struct sms *m);
int	pg_sms_queued(struct store *st, int (*fn)(void *, struct sms *),
		    void *arg);
int	pg_window_get(struct store *st, const char *key, struct window *w);
int	pg_window_put(struct store *st, const char *key,
		    const struct window *w);
int	pg_window_prefetch(struct store *st, const char *const *keys,
		    int n);
int	pg_platform_get(struct store *st, const char *name,
		    struct platform *pl);
int	pg_platform_put(struct store *st, const struct platform *pl);
int	pg_platform_prefetch(struct store *st, const char *name);
int	pg_platforms(struct store *st, int (*fn)(void *,
		    const struct platform *), void *arg);
int	pg_platforms_windows(struct store *st, const char *pre,
		    const char *post, int (*fn)(void *,
		    const struct platform *, const struct window *),
		    void *arg);
int	pg_row_window_at(const PGresult *r, int i, int col, char *key,
		    size_t ksize, struct window *w);
int	pg_row_platform(const PGresult *r, int i, struct platform *pl);
int	pg_backup(struct store *st, const char *todir);
int	pg_dump(struct store *st, int (*fn)(void *, const struct store_rec *),
		    void *arg);
int	pg_load(struct store *st, const struct store_rec *x);
int	pg_migrate(struct store *st, int *from, int *to);
int	pg_prune(struct store *st, int64_t now, long *removed);
int	pg_stats(struct store *st, long *accounts, long orders[ORDER__MAX],
		    long sms[OUTBOX__MAX], long *certs);

int	pg_acct_proof(struct store *st, const char *acct, const char *ident,
	    char *id);

/* The pipeline (pg_pipe.c). */
void	pg_note(struct store *st, const PGresult *r, const char *what);
void	pg_notice(void *arg, const char *msg);
int	pg_send_sql(struct store *st, const char *sql);
int	pg_flush(struct store *st, PGresult **last);
int	pg_queue(struct store *st, enum stmt s, const struct params *p,
		    enum cmd cmd);

#endif

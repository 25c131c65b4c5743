/* The relay's own store: a Berkeley DB environment apart from the CA's
 * (config relay_db), holding the relay's sessions, the certificate chains
 * they obtained and per-client counters. Records are fixed-layout and
 * checked on read; one transaction per request. */
#ifndef SESSION_H
#define SESSION_H
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

#define SESSION_OK		 0
#define SESSION_NOTFOUND	 1
#define SESSION_ERR		-1

#define SESSION_COOKIE		"idp_relay"

/* Where the user is in the enrolment. */
enum sess_state {
	SESS_NUMBER,		/* asks for the number */
	SESS_CODE,		/* a code was sent: asks for it */
	SESS_READY,		/* the number is proven; finalize failed */
	SESS_DONE,		/* the certificate is issued */
	SESS__MAX
};

struct session {
	uint32_t	 version;
	uint8_t		 state;		/* enum sess_state */
	uint8_t		 tries;		/* wrong codes still allowed */
	uint8_t		 sends;		/* SMS sent for the challenge */
	uint8_t		 nnumbers;	/* entries used in numbers[] */
	uint8_t		 msg;		/* a message for the next page */
	int64_t		 msg_arg;	/* its number (minutes, tries ...) */
	int64_t		 created, expires, last_send;
	char		 tn[TN_MAX + 1];
	char		 numbers[SESSION_NUMBERS][TN_MAX + 1];
	char		 csrf[CSRF_LEN + 1];
	char		 order_url[URL_MAX];
	char		 chall_url[URL_MAX];
	char		 token[TOKEN_LEN + 1];
	char		 cert_tn[TN_MAX + 1];	/* as the certificate says */
	char		 cert_subject[128];
	char		 cert_expiry[48];
	/* Version 2: the start of the renewal window (RFC 9773); a
	 * version 1 record reads with it "". */
	char		 cert_renew[48];
};

struct session_db;

/* Open the environment in dir, creating it (mode 0700; the parent must
 * exist) and recovering after a process died mid-transaction
 * (DB_REGISTER | DB_RECOVER). NULL on failure (logged). */
struct session_db	*session_open(const char *dir);
void			 session_close(struct session_db *);

/* Transactions: one at a time per handle. After a deadlock every call
 * fails until session_abort; session_retry then says so. Commits are
 * durable. */
int	 session_begin(struct session_db *);
int	 session_commit(struct session_db *);
void	 session_abort(struct session_db *);
int	 session_retry(const struct session_db *);

/* The session of id (SESSION_ID_LEN characters), stored under the
 * SHA-256 of the id so that the database holds no usable cookie. A
 * session whose expires is at or before now is SESSION_NOTFOUND. */
int	 session_get(struct session_db *, const char *id, int64_t now,
	    struct session *);
int	 session_put(struct session_db *, const char *id,
	    const struct session *);
/* The chain obtained by a session: pem (NUL-terminated, at most
 * CHAIN_PEM_MAX octets) is copied in or out. */
int	 session_chain_get(struct session_db *, const char *id, char *pem,
	    size_t pemsz);
int	 session_chain_put(struct session_db *, const char *id,
	    const char *pem);

/* Add n to the counter key for the window ending at window_end (a
 * counter of an older window starts again from 0); *value gets the
 * sum. n == 0 only reads. */
int	 session_count(struct session_db *, const char *key,
	    int64_t window_end, int n, long *value);

/* In its own transaction: remove at most max expired sessions (with
 * their chains) and counters of past windows. *removed gets the count. */
int	 session_prune(struct session_db *, int64_t now, int max,
	    long *removed);

#endif

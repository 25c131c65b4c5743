/* The relay's own store: an environment apart from the CA's (config
 * relay_db), holding the relay's sessions, the certificate chains they
 * obtained and per-client counters (lib/store/window.h). Records are
 * fixed-layout and checked on read; serve() runs one transaction per
 * request around them. */
#ifndef SESSION_H
#define SESSION_H
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "store.h"

/* The cookie: __Host- makes the browser refuse it unless it is Secure,
 * for Path=/ and without Domain (RFC 6265bis 4.1.3.2). */
#define SESSION_COOKIE		"__Host-idp_relay"

/* The databases of the environment. */
enum sdb { SDB_SESSIONS, SDB_CHAINS, SDB_COUNTERS, SDB__MAX };

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

/* Open the environment in dir, creating it (mode 0700; the parent must
 * exist) and recovering after a process died mid-transaction. NULL on
 * failure (logged). store_close releases it. */
struct store	*session_open(const char *dir);

/* In the caller's transaction. The session of id (SESSION_ID_LEN
 * characters), stored under the SHA-256 of the id so that the database
 * holds no usable cookie. A session whose expires is at or before now is
 * STORE_NOTFOUND. Results are STORE_OK, STORE_NOTFOUND or STORE_ERR. */
int	 session_get(struct store *, const char *id, int64_t now,
	    struct session *);
int	 session_put(struct store *, const char *id, const struct session *);
/* Remove a session and its chain (a session id given up). */
int	 session_del(struct store *, const char *id);
/* The chain obtained by a session: pem (NUL-terminated, at most
 * CHAIN_PEM_MAX octets) is copied in or out. */
int	 session_chain_get(struct store *, const char *id, char *pem,
	    size_t pemsz);
int	 session_chain_put(struct store *, const char *id, const char *pem);

/* In its own transaction: remove at most max expired sessions (with
 * their chains) and counters that hold nothing any more. *removed gets
 * the count. */
int	 session_prune(struct store *, int64_t now, int max, long *removed);

#endif

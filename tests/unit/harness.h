/* The unit tests' harness for the request path: a temporary data folder
 * with a configuration, a secret, a real Berkeley DB store, optionally a
 * real CA and the file SMS gateway, accounts with real keys, and requests
 * signed with lib/client/sign.c that a handler can take directly. Every
 * helper fails the running cmocka test when its setup goes wrong. */
#ifndef HARNESS_H
#define HARNESS_H

#include <json-c/json.h>

#include "acme.h"
#include "sign.h"

#define HX_BASE		"https://acme.test/acme"

#define HX_CA		0x1	/* create a CA in the folder (srv.ca) */
#define HX_SMS		0x2	/* open the file gateway (srv.gw) */
#define HX_ACCT		0x4	/* make hx->key and its account */

struct hx {
	char		 dir[64];
	char		 conf[128];
	char		 smslog[128];
	struct server	 srv;
	time_t		 now;
	struct signer	*key;		/* HX_ACCT: the account's key */
	struct account	 acct;		/* HX_ACCT: as stored */
	char		 kid[URL_MAX * 2];
};

/* A fresh folder; conf holds extra members of the configuration file
 * ("\"tos_url\": \"...\"", or NULL). hx_free removes it all. */
struct hx	*hx_new(unsigned flags, const char *conf);
void		 hx_free(struct hx *);
/* Remove dir and everything below it (a test's temporary folder). */
void		 hx_rmtree(const char *dir);

/* Close the store (before another process opens it) and reopen it. */
void		 hx_store_close(struct hx *);
void		 hx_store_open(struct hx *);

/* Store an account for key with status; a gets the record. */
void		 hx_account(struct hx *, const struct signer *,
		    enum acct_status, struct account *a);
/* The account URL (kid) of id into buf. */
void		 hx_kid(const char *id, char *buf, size_t size);
/* A fresh nonce of this server. */
void		 hx_nonce(struct hx *, char nonce[NONCE_LEN + 1]);

/* A request for HX_BASE + path with no body. */
void		 hx_req(struct hx *, struct req *, enum method,
		    const char *path);
/* A POST of payload (NULL: POST-as-GET) signed by key for HX_BASE +
 * path with kid (NULL: the jwk embedded) and a fresh nonce. */
void		 hx_req_post(struct hx *, struct req *, const char *path,
		    const struct signer *, const char *kid,
		    const char *payload);
/* As hx_req_post, with a body given whole. */
void		 hx_req_body(struct hx *, struct req *, const char *path,
		    const char *body);
void		 hx_req_free(struct req *);

/* What serve() does with one request: a transaction around the
 * authentication (a POST, needing auth) and the handler, committed
 * unless the store failed or the handler answered serverInternal; then
 * the problem document when there is one. Returns r->prob. */
enum prob	 hx_run(struct hx *, struct req *, enum auth,
		    enum prob (*)(struct req *));
/* hx_req_post by the harness account, then hx_run with AUTH_KID. */
enum prob	 hx_post(struct hx *, struct req *, const char *path,
		    const char *payload, enum prob (*)(struct req *));

/* The response body as JSON (a new reference). */
json_object	*hx_json(const struct req *);
/* A string member of the response body, copied into buf ("" when
 * absent); dotted names reach into objects ("error.type"). */
const char	*hx_body_str(const struct req *, const char *name, char *buf,
		    size_t size);
/* A header line's value in the extra headers ("" when absent). */
const char	*hx_header(const struct req *, const char *name, char *buf,
		    size_t size);

/* Records, each read in its own transaction: STORE_OK, STORE_NOTFOUND. */
int		 hx_order_get(struct hx *, const char *id, struct order *);
int		 hx_account_get(struct hx *, const char *id, struct account *);
int		 hx_key_get(struct hx *, const char *thumb, char *id);
int		 hx_cert_get(struct hx *, const char *id, struct cert *);
int		 hx_sms_get(struct hx *, const char *id, struct sms *);
/* The TNAuthList identifier value (base64url DER) of the number tn. */
void		 hx_ident(const char *tn, char *buf, size_t size);
/* Write an order record for acct for the number tn, pending, with its
 * entry in the account's list; o gets it. */
void		 hx_order_make(struct hx *, const char *acct, const char *tn,
		    struct order *o);
void		 hx_order_put(struct hx *, const struct order *);
/* The number of lines in the SMS log, and the code of its last line. */
int		 hx_sms_lines(struct hx *);
void		 hx_sms_code(struct hx *, char code[CODE_DIGITS + 1]);

/* Run fn(arg) in a child process as a CGI program: standard input
 * reads in (may be NULL: empty), standard output is captured into out
 * (NUL-terminated, size octets at most). Returns the child's exit status
 * (fn's value). */
int		 hx_capture(int (*fn)(void *), void *arg, const char *in,
		    char *out, size_t size);

#endif

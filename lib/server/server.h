/* The request path every program shares: the process, the request and
 * its response, problems, nonces and authentication. */
#ifndef SERVER_H
#define SERVER_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "bounds.h"
#include "buf.h"
#include "config.h"
#include "problem.h"
#include "store.h"
#include "timefmt.h"

enum method { METHOD_GET, METHOD_HEAD, METHOD_POST, METHOD_OTHER };

#define M_GET	0x1
#define M_HEAD	0x2
#define M_POST	0x4

/* What a POST must be signed with (PROTOCOL.md section 4, rule 11). */
enum auth { AUTH_KID, AUTH_JWK, AUTH_EITHER };

/* What a POST carries: a JWS (application/jose+json, at most BODY_MAX,
 * authenticated before the handler), or an HTML form
 * (application/x-www-form-urlencoded, at most FORM_MAX, not
 * authenticated: the handler checks what it needs). */
enum body { BODY_JWS, BODY_FORM, BODY__MAX };

struct jws;
struct ca;
struct gateway;

/* What every request of a process shares, set up before the loop. */
struct server {
	struct config	 cfg;
	struct store	*st;
	unsigned char	 secret[32];
	struct ca	*ca;		/* programs that issue or revoke */
	struct gateway	*gw;		/* programs that send SMS */
	const char	*location;	/* header name carrying Location */
	char		 root[URL_MAX];	/* the path programs live under */
	void		*data;		/* the program's own, set by init */
};

/* One request and its response; req_free releases all of it. */
struct req {
	struct server	*srv;
	const struct config *cfg;
	struct store	*st;
	time_t		 now;
	enum method	 method;
	const char	*path;		/* after the local prefix */
	char		 url[URL_MAX * 2];
	char		*body;
	size_t		 bodysz;
	struct jws	*jws;
	struct account	 acct;		/* the signer, with AUTH_KID */
	int		 has_acct;
	/* The response. */
	int		 status;
	const char	*ctype;
	struct buf	 hdr;		/* extra header lines */
	struct buf	 out;		/* body */
	enum prob	 prob;
	char		 detail[DETAIL_MAX];
	long		 retry_after;	/* < 0: none */
	int		 remaining;	/* remainingTries, < 0: none */
	int		 durable;	/* a record changed: sync the commit */
	int		 keep;		/* commit the handler's writes even
					   though it ends in a problem */
	int		 no_index;	/* the directory: no Link rel=index */
	int		 after_commit;	/* run prog->after once committed */
	int		 no_retry;	/* the handler reached beyond the store
					 * (another server): after a deadlock
					 * the request is not run again */
	char		 sms_id[SMS_ID_MAX];
};

struct program {
	const char	*name;
	const char	*path;		/* owned path; "/x/" owns "/x/..." */
	unsigned	 methods;	/* M_* accepted */
	enum auth	 auth;
	enum prob	(*get)(struct req *);	/* GET and HEAD */
	int		 get_nostore;		/* get needs no transaction */
	enum prob	(*post)(struct req *);	/* verified JWS in req->jws */
	int		(*init)(struct server *);
	void		(*after)(struct req *);	/* after the commit */
	void		(*idle)(struct server *); /* after each answer */
	/* The rest is for programs that are not ACME resources (the relay
	 * page); left zero, a program behaves as every ACME resource does. */
	enum body	 body;		/* what a POST carries */
	/* A page for people: no Replay-Nonce and no server secret, no Link
	 * rel="index", the root itself and a query below it are passed to
	 * the handler (path NULL: every path below the root). */
	int		 page;
	/* Open the program's store (NULL: the CA's, config db_dir). */
	struct store	*(*open)(const struct config *);
	/* Render r->prob instead of a problem document (NULL: problem_write);
	 * -1 when it could not (a problem document is sent instead). */
	int		(*error)(struct req *);
};

/* Run the request loop of a program: returns the exit status. */
int		 serve(const struct program *);

/* Response helpers (resp.c). */
int		 resp_header(struct req *, const char *name, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
int		 resp_link(struct req *, const char *url, const char *rel);
int		 resp_location(struct req *, const char *url);
/* Set a JSON body (takes the reference) and the status. */
enum prob	 resp_json(struct req *, int status, json_object *);
enum prob	 resp_fail(struct req *, enum prob, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
int		 resp_send(struct req *, const char *nonce);

/* Problem documents (problem.c). */
int		 problem_write(struct req *);
json_object	*problem_object(enum prob, const char *detail);
/* The problem an ACME type names ("badNonce" or the whole URN) with the
 * HTTP status it came with (0: any); PROB_SERVER_INTERNAL when the type
 * is not one of ours. The reverse of the table, for the client side of
 * programs that call an ACME server (the relay). */
enum prob	 problem_parse(const char *type, int status);

/* Nonces (nonce.c). */
int		 nonce_new(const struct server *, time_t, char out[NONCE_LEN + 1]);
enum prob	 nonce_use(struct req *, const char *);
/* nonce_use in two steps, the spend going with the next read: start it
 * when the nonce passes its checks (1: started, 0: not, nonce_end then
 * makes nonce_use's answer); end keeps it (keep 1) or takes it back. */
int		 nonce_start(struct req *, const char *);
enum prob	 nonce_end(struct req *, const char *, int started, int keep);

/* Authentication of a POST (auth.c). */
enum prob	 auth_request(struct req *, enum auth);
/* URLs of resources. */
int		 url_of(const struct req *, char *, size_t, const char *kind,
		    const char *id);
/* The id after prefix in req->path, ending at the end or at '/'; *rest
 * gets what follows. PROB_NOT_FOUND when it is not an id. */
enum prob	 path_id(struct req *, const char *prefix, char id[ID_LEN + 1],
		    const char **rest);

#endif

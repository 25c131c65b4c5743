/* What the files of the relay share (not for programs: they include
 * relay.h): the relay of a process, one request on its way through, the
 * messages users read, and the functions of each file. */
#ifndef PAGE_H
#define PAGE_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "form.h"
#include "server.h"
#include "session.h"

struct acmec;
struct signer;
struct tmpl;

/* What the next page tells the user. */
enum msg {
	MSG_NONE,
	MSG_BAD_TN,
	MSG_BAD_CODE,
	MSG_WRONG_CODE,
	MSG_NO_TRIES,
	MSG_CODE_EXPIRED,
	MSG_RATE_LIMITED,
	MSG_RESEND_WAIT,
	MSG_RESENT,
	MSG_SENDS_MAX,
	MSG_NUMBERS,
	MSG_CLIENT_SMS,
	MSG_CLIENT_CODES,
	MSG_CLIENT_SESSIONS,
	MSG_REJECTED,
	MSG_SMS_FAILED,
	MSG_EXPIRED,
	MSG_FORM,
	MSG_UNREACHABLE,
	MSG_SERVER,
	MSG_NOT_ISSUED,
	MSG_NO_CODE_STEP,
	MSG_NOT_FOUND,
	MSG_METHOD,
	MSG_NO_CHAIN,
	MSG_CLOSED,		/* the server refuses the relay's account */
	MSG_UNAVAILABLE,
	MSG__MAX
};

/* How a step went. */
enum step {
	STEP_OK,		/* go on */
	STEP_ANSWERED,		/* stop here: the answer is set */
	STEP_FAILED,		/* an internal failure (logged) */
};

/* What a session lookup found. */
enum found { FOUND, FOUND_NONE, FOUND_FAILED };

/* How the request is answered once the session is stored. */
enum answer {
	ANSWER_REDIRECT,	/* 303 to the page (POST-redirect-GET) */
	ANSWER_PAGE,		/* the session's step */
	ANSWER_PROBLEM,		/* a page with only a message */
};

/* The paths of the relay, below its root. */
enum route { ROUTE_NONE, ROUTE_PAGE, ROUTE_CHAIN, ROUTE_CSS, ROUTE__MAX };

/* The relay of a process, set up before the request loop. */
struct relay {
	const struct config	*cfg;
	struct tmpl		*page;
	char			*css;
	size_t			 csslen;
	struct signer		*key;
	struct acmec		*acme;		/* on first use */
	const char		*cafile;	/* NULL: system trust */
	char			 base[URL_MAX];	/* path of the page */
	char			 issued[PATH_LEN];
	time_t			 last_prune;
};

/* One request (one attempt of it) on its way through. */
struct rctx {
	struct relay	*rl;
	struct req	*r;
	const char	*cookie;	/* the Cookie header, or NULL */
	const char	*fetch_site;	/* Sec-Fetch-Site, or NULL */
	char		 client[FWD_VALUE_MAX];	/* counted under this */
	char		 id[SESSION_ID_LEN + 1];
	int		 has_session;
	int		 new_session;	/* send Set-Cookie */
	int		 dirty;		/* store the session */
	int		 rotate;	/* give the session a new id */
	struct session	 s;
	char		*chain;		/* to store with the session */
	/* The answer. */
	enum answer	 answer;
	int		 status;
	enum msg	 msg;
	long		 arg;
};

/* page.c: messages and rendering. */
void		 page_msg(struct rctx *, enum msg, long);
long		 page_minutes(long seconds);
enum prob	 page_answer(struct rctx *);
enum prob	 page_finish(struct rctx *, int status, const char *ctype,
		    const char *extra, const void *body, size_t len);
void		 page_problem(struct rctx *, int status, enum msg, long);

/* visit.c: the visitor: its address, its session, its limits. */
void		 visit_start(struct rctx *, struct relay *, struct req *);
enum found	 visit_find(struct rctx *);
enum step	 visit_new(struct rctx *);
enum step	 visit_limit(struct rctx *, const char *kind, long max,
		    enum msg);
enum prob	 visit_save(struct rctx *);
void		 visit_forget(struct session *);
const char	*visit_masked(const char *tn, char *out, size_t outsz);
void		 visit_end(struct rctx *);

/* flow.c: the ACME steps behind the forms. */
enum step	 flow_start(struct rctx *, struct form *);
enum step	 flow_code(struct rctx *, struct form *);
enum step	 flow_resend(struct rctx *, struct form *);
enum step	 flow_restart(struct rctx *, struct form *);

/* issued.c: the issued key and chain, handed to the platform. */
int		 issued_keep(const char *dir, const struct signer *key,
		    const char *tn, const char *pem, time_t now,
		    char *stem, size_t stemsz);

#endif

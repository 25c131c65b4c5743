/* The platform relay (DESIGN.md "The platform relay"): the phone-sized
 * page where an end user enrols a number. It drives the ACME flow with
 * the platform's account key (lib/client/acmec.h) and keeps its sessions in its
 * own store (lib/relay/session.h). Plain HTML forms, POST-redirect-GET, no
 * script. cgi-bin/relay.c reads the request and writes the response;
 * everything in between is here. */
#ifndef RELAY_H
#define RELAY_H
#include <stddef.h>

#include "server.h"

struct relay;

/* What the web server told us about one request (CGI meta-variables,
 * RFC 3875 4.1), borrowed for the length of relay_handle. */
struct relay_req {
	const char	*method;	/* REQUEST_METHOD */
	const char	*uri;		/* REQUEST_URI */
	const char	*cookie;	/* HTTP_COOKIE */
	const char	*ctype;		/* CONTENT_TYPE */
	const char	*clen;		/* CONTENT_LENGTH */
	const char	*remote;	/* REMOTE_ADDR */
	const char	*fetch_site;	/* HTTP_SEC_FETCH_SITE */
	const char	*body;		/* NULL when none was read */
	size_t		 bodylen;
};

/* The response: head is the complete CGI header block ("Status: ..."
 * through the empty line), body what follows. relay_resp_free. */
struct relay_resp {
	int		 status;
	struct buf	 head;
	struct buf	 body;
};

/* Set up before the request loop: templates (config templates),
 * the store (relay_db), the account key (relay_key, created on first
 * use). The ACME server is contacted on the first request that needs
 * it, not here. NULL on failure (logged). */
struct relay	*relay_open(const struct config *);
void		 relay_close(struct relay *);

/* How many body octets to read for a request: CONTENT_LENGTH of a POST
 * when it is a well-formed number from 1 to FORM_MAX, else 0 (the body
 * is then refused by relay_handle without being read). */
size_t		 relay_body_len(const char *method, const char *clen);

/* Answer one request. Always fills the response, if only with an error
 * page. */
void		 relay_handle(struct relay *, const struct relay_req *,
		    struct relay_resp *);
void		 relay_resp_free(struct relay_resp *);

/* Housekeeping between requests (expired sessions and counters). */
void		 relay_idle(struct relay *);

#endif

/* The platform relay (DESIGN.md "The platform relay"): the phone-sized
 * page where an end user enrols a number. It drives the ACME flow with
 * the platform's account key (lib/client/acmec.h) and keeps its sessions
 * in its own store (lib/relay/session.h). Plain HTML forms, POST-redirect-
 * GET, no script. It runs on serve() like every program: these are the
 * hooks of its program table (cgi-bin/relay.c). */
#ifndef RELAY_H
#define RELAY_H

#include "server.h"

struct relay;

/* The relay's store (config relay_db, its folder made on first use):
 * the program's open hook. NULL on failure (logged). */
struct store	*relay_open(const struct config *);

/* Set up before the request loop: the root (the path of relay_url,
 * "/relay" by default), templates (config templates), the account key
 * (relay_key, created on first use) and the issued folder beside it.
 * The ACME server is contacted on the first request that needs it, not
 * here. 0, or -1 (logged). */
int		 relay_init(struct server *);
/* Release what relay_init set up. */
void		 relay_free(struct relay *);

/* GET and HEAD: the page (its session's step), /chain.pem (the chain the
 * session obtained) and /relay.css. */
enum prob	 relay_get(struct req *);
/* POST of the page's forms: checks, the action, a redirect to the page. */
enum prob	 relay_post(struct req *);
/* Render a problem serve() found as a page: 0, or -1. */
int		 relay_error(struct req *);
/* Housekeeping between requests (expired sessions and counters). */
void		 relay_idle(struct server *);

#endif

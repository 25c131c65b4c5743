/* relay: the platform's code-entry page (lib/relay/relay.c), mounted at /relay.
 * Its form posts are not JWS requests, so it runs its own loop on
 * lib/server/fcgi.h rather than serve(). */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fcgi.h"
#include "log.h"
#include "relay.h"

/* Read the body the request announces, when relay_body_len allows one. */
static char *
read_body(struct relay_req *rq)
{
	size_t	 n = relay_body_len(rq->method, rq->clen);
	char	*body;

	if (n == 0 || (body = malloc(n)) == NULL)
		return NULL;
	if (fcgi_read(body, n) != (ssize_t)n) {
		free(body);
		return NULL;
	}
	rq->body = body;
	rq->bodylen = n;
	return body;
}

int
main(void)
{
	struct config		 cfg;
	struct relay		*rl;
	struct relay_req	 rq;
	struct relay_resp	 rs;
	char			 err[256], *body;

	umask(077);
	log_set_name("relay");
	if (config_load(&cfg, NULL, err, sizeof(err)) == -1) {
		log_err("configuration: %s", err);
		return 1;
	}
	if ((rl = relay_open(&cfg)) == NULL)
		return 1;
	while (fcgi_accept() == 0) {
		memset(&rq, 0, sizeof(rq));
		rq.method = fcgi_param("REQUEST_METHOD");
		rq.uri = fcgi_param("REQUEST_URI");
		rq.cookie = fcgi_param("HTTP_COOKIE");
		rq.ctype = fcgi_param("CONTENT_TYPE");
		rq.clen = fcgi_param("CONTENT_LENGTH");
		rq.remote = fcgi_param("REMOTE_ADDR");
		rq.fetch_site = fcgi_param("HTTP_SEC_FETCH_SITE");
		body = read_body(&rq);
		relay_handle(rl, &rq, &rs);
		fcgi_write(rs.head.p, rs.head.len);
		if (rs.body.len > 0)
			fcgi_write(rs.body.p, rs.body.len);
		fcgi_finish();
		if (body != NULL)
			explicit_bzero(body, rq.bodylen);
		free(body);
		relay_resp_free(&rs);
		relay_idle(rl);
	}
	relay_close(rl);
	return 0;
}

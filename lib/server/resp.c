/* Responses: status, the common headers (PROTOCOL.md 2.1) and bodies. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "fcgi.h"
#include "log.h"

/* Reason phrases of the statuses we answer with. */
static const struct {
	int		 code;
	const char	*text;
} statuses[] = {
	{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
	{ 302, "Found" }, { 303, "See Other" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 413, "Content Too Large" }, { 415, "Unsupported Media Type" },
	{ 429, "Too Many Requests" }, { 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
};

int
resp_header(struct req *r, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n, rc;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	/* Values come from our own URLs; refuse line breaks all the same. */
	rc = strpbrk(s, "\r\n") != NULL ? -1 :
	    buf_printf(&r->hdr, "%s: %s\r\n", name, s);
	free(s);
	return rc;
}

int
resp_link(struct req *r, const char *url, const char *rel)
{
	return resp_header(r, "Link", "<%s>;rel=\"%s\"", url, rel);
}

int
resp_location(struct req *r, const char *url)
{
	return resp_header(r, r->srv->location, "%s", url);
}

enum prob
resp_json(struct req *r, int status, json_object *o)
{
	const char	*s;
	size_t		 len;

	if (o == NULL)
		return PROB_SERVER_INTERNAL;
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	r->out.len = 0;
	if (s == NULL || buf_add(&r->out, s, len) == -1) {
		json_object_put(o);
		return PROB_SERVER_INTERNAL;
	}
	json_object_put(o);
	r->status = status;
	r->ctype = "application/json";
	return PROB_NONE;
}

enum prob
resp_fail(struct req *r, enum prob p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	return p;
}

static const char *
resp_reason(int code)
{
	size_t	 i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == code)
			return statuses[i].text;
	return "Unknown";
}

/* Write status, headers and body. nonce may be NULL. */
int
resp_send(struct req *r, const char *nonce)
{
	struct buf	 h = { NULL, 0, 0 };
	char		 dir[URL_MAX + 16];
	int		 rc;

	snprintf(dir, sizeof(dir), "%s/directory", r->cfg->base_url);
	buf_printf(&h, "Status: %d %s\r\n", r->status, resp_reason(r->status));
	if (r->ctype != NULL)
		buf_printf(&h, "Content-Type: %s\r\n", r->ctype);
	buf_printf(&h, "Content-Length: %zu\r\n", r->out.len);
	if (nonce != NULL)
		buf_printf(&h, "Replay-Nonce: %s\r\n", nonce);
	if (!r->no_index)
		buf_printf(&h, "Link: <%s>;rel=\"index\"\r\n", dir);
	if (r->retry_after >= 0)
		buf_printf(&h, "Retry-After: %ld\r\n", r->retry_after);
	if (r->hdr.len > 0)
		buf_add(&h, r->hdr.p, r->hdr.len);
	if (buf_add(&h, "\r\n", 2) == -1) {
		buf_free(&h);
		return -1;
	}
	rc = fcgi_write(h.p, h.len);
	if (rc == 0 && r->out.len > 0 && r->method != METHOD_HEAD)
		rc = fcgi_write(r->out.p, r->out.len);
	buf_free(&h);
	return rc;
}

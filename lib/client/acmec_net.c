/* The client's transport over libcurl: requests, the response headers
 * and body it keeps, nonces, signed POSTs with one badNonce retry, and
 * problem documents (RFC 9457). The only file that includes the libcurl
 * header for the client side besides acmecint.h. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "acmec.h"
#include "acmecint.h"
#include "b64url.h"
#include "bounds.h"
#include "crypt.h"
#include "json.h"
#include "log.h"
#include "sign.h"
#include "tnauthlist.h"


static const char *const methods[ACMEC__MAX] = { "GET", "HEAD", "POST" };

/*
 * Problems and errors.
 */

void
acmec_prob_reset(struct acmec_problem *p)
{
	memset(p, 0, sizeof(*p));
	p->remaining = -1;
	p->retry_after = -1;
}

/* Replace control characters: server text ends up on a terminal. */
void
acmec_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* A failure that is not a problem document: status 0. Returns -1. */
int
acmec_error(struct acmec *c, const char *fmt, ...)
{
	va_list	 ap;

	acmec_prob_reset(&c->prob);
	va_start(ap, fmt);
	vsnprintf(c->prob.detail, sizeof(c->prob.detail), fmt, ap);
	va_end(ap);
	acmec_clean(c->prob.detail);
	return -1;
}

/* Fill the problem from the error object o (RFC 9457). */
void
acmec_prob_from(struct acmec_problem *p, json_object *o)
{
	const char	*type, *detail;
	size_t		 plen = strlen(ACME_ERR_PREFIX);
	int64_t		 n;

	if ((type = json_get_str(o, "type")) != NULL)
		snprintf(p->type, sizeof(p->type), "%s",
		    strncmp(type, ACME_ERR_PREFIX, plen) == 0 ? type + plen :
		    type);
	if ((detail = json_get_strn(o, "detail", JSON_CTRL, NULL)) != NULL)
		snprintf(p->detail, sizeof(p->detail), "%s", detail);
	if (json_get_int(o, "remainingTries", 0, INT_MAX, &n) == 1)
		p->remaining = (int)n;
	acmec_clean(p->type);
	acmec_clean(p->detail);
}

/* The last response is an error: parse its problem document. -1. */
int
acmec_refused(struct acmec *c)
{
	struct acmec_problem	*p = &c->prob;
	json_object		*o = NULL;

	acmec_prob_reset(p);
	p->status = (int)c->resp.status;
	p->retry_after = c->resp.retry_after;
	if (c->resp.len > 0)
		o = json_parse_object(c->resp.body, c->resp.len);
	if (o != NULL)
		acmec_prob_from(p, o);
	if (p->detail[0] == '\0')
		snprintf(p->detail, sizeof(p->detail), "the server answered "
		    "HTTP %d", p->status);
	json_object_put(o);
	return -1;
}

/*
 * Response parsing.
 */

static void
acmec_resp_headers_reset(struct acmec_resp *r)
{
	r->ctype[0] = '\0';
	r->nonce[0] = '\0';
	r->location[0] = '\0';
	r->retry_after = -1;
	r->nlinks = 0;
}

static void
acmec_resp_reset(struct acmec_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = r->cap = 0;
	r->status = 0;
	r->toolarge = r->nomem = 0;
	acmec_resp_headers_reset(r);
}

/* Retry-After: delay-seconds or an HTTP-date (RFC 9110 10.2.3). */
static long
acmec_retry_after(const char *v)
{
	char	*end;
	long	 n;
	time_t	 t;

	if (*v >= '0' && *v <= '9') {
		errno = 0;
		n = strtol(v, &end, 10);
		if (*end != '\0' || errno == ERANGE)
			return -1;
		return n > 86400 ? 86400 : n;
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	t -= time(NULL);
	return t < 0 ? 0 : t > 86400 ? 86400 : (long)t;
}

/* The rel parameter in the link-params p (up to end) into rel. */
static int
resp_link_rel(const char *p, const char *end, char *rel, size_t relsz)
{
	size_t	 n;

	for (; p < end; p++) {
		if (strncasecmp(p, "rel=", 4) != 0 ||
		    (p[-1] != ';' && p[-1] != ' ' && p[-1] != '\t'))
			continue;
		p += 4;
		if (*p == '"')
			p++;
		n = strcspn(p, "\";, \t");
		if (p + n > end || n == 0 || n >= relsz)
			return -1;
		memcpy(rel, p, n);
		rel[n] = '\0';
		return 0;
	}
	return -1;
}

/* Link: <url>;rel="up", <url>;rel="index" (RFC 8288). */
static void
resp_link(struct acmec_resp *r, const char *v)
{
	struct acmec_link	*l;
	const char		*lt, *gt, *end;
	size_t			 ulen;

	while ((lt = strchr(v, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL) {
		if ((end = strchr(gt, ',')) == NULL)
			end = gt + strlen(gt);
		ulen = (size_t)(gt - lt - 1);
		l = &r->links[r->nlinks];
		if (r->nlinks < ACMEC_LINKS_MAX && ulen < sizeof(l->url) &&
		    resp_link_rel(gt + 1, end, l->rel, sizeof(l->rel)) == 0) {
			memcpy(l->url, lt + 1, ulen);
			l->url[ulen] = '\0';
			r->nlinks++;
		}
		v = end;
	}
}

static void
acmec_header(struct acmec_resp *r, const char *name, const char *v)
{
	size_t	 n = strlen(v);

	if (strcasecmp(name, "Replay-Nonce") == 0) {
		if (n > 0 && n < sizeof(r->nonce) &&
		    strspn(v, B64URL_CHARS) == n)
			memcpy(r->nonce, v, n + 1);
	} else if (strcasecmp(name, "Location") == 0) {
		if (n < sizeof(r->location))
			memcpy(r->location, v, n + 1);
	} else if (strcasecmp(name, "Retry-After") == 0)
		r->retry_after = acmec_retry_after(v);
	else if (strcasecmp(name, "Link") == 0)
		resp_link(r, v);
}

/* libcurl's header callback: one header line per call. */
size_t
acmec_on_header(char *p, size_t size, size_t n, void *arg)
{
	struct acmec_resp	*r = arg;
	size_t			 len = size * n, e;
	char			 line[ACMEC_HEADER_MAX], *v;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue): start over. */
		acmec_resp_headers_reset(r);
		return len;
	}
	if (len >= sizeof(line))
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if ((v = strchr(line, ':')) == NULL)
		return len;
	*v++ = '\0';
	v += strspn(v, " \t");
	for (e = strlen(v); e > 0 && (v[e - 1] == ' ' || v[e - 1] == '\t');
	    e--)
		v[e - 1] = '\0';
	acmec_header(r, line, v);
	return len;
}

/* libcurl's write callback: collect at most ACMEC_BODY_MAX octets. */
size_t
acmec_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct acmec_resp	*r = arg;
	size_t			 len = size * n, cap;
	char			*nb;

	if (len > ACMEC_BODY_MAX - r->len) {
		r->toolarge = 1;
		return 0;
	}
	if (r->len + len + 1 > r->cap) {
		cap = r->cap ? r->cap : 4096;
		while (cap < r->len + len + 1)
			cap *= 2;
		if ((nb = realloc(r->body, cap)) == NULL) {
			r->nomem = 1;
			return 0;
		}
		r->body = nb;
		r->cap = cap;
	}
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

/*
 * Transport.
 */

/* HTTPS only, but for http://127.0.0.1 (tests); no spaces or controls. */
int
acmec_url_ok(const char *url)
{
	size_t	 i;

	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return 0;
	if (i >= URL_MAX)
		return 0;
	if (strncasecmp(url, "https://", 8) == 0)
		return url[8] != '\0';
	if (strncmp(url, "http://127.0.0.1", 16) == 0)
		return url[16] == ':' || url[16] == '/' || url[16] == '\0';
	return 0;
}

/* Set the per-request options: method, URL, headers, body. */
static int
acmec_request_opts(struct acmec *c, enum acmec_method m, const char *url,
    const char *body)
{
	CURL	*h = c->curl;

	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOBODY, m == ACMEC_HEAD ? 1L : 0L) !=
	    CURLE_OK || curl_easy_setopt(h, CURLOPT_HTTPHEADER,
	    m == ACMEC_POST ? c->jose : NULL) != CURLE_OK)
		return -1;
	if (m != ACMEC_POST)
		return 0;
	if (curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
	    (long)strlen(body)) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body) != CURLE_OK)
		return -1;
	return 0;
}

/* Note the content type (media type only, lower case). */
static void
acmec_ctype(struct acmec *c)
{
	char	*ct = NULL;
	size_t	 i;

	if (curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &ct) !=
	    CURLE_OK || ct == NULL)
		return;
	for (i = 0; ct[i] != '\0' && ct[i] != ';' && ct[i] != ' ' &&
	    i + 1 < sizeof(c->resp.ctype); i++)
		c->resp.ctype[i] = (char)tolower((unsigned char)ct[i]);
	c->resp.ctype[i] = '\0';
}

/*
 * One request on the client's handle (connections are kept alive). Any
 * Replay-Nonce in the answer is cached for the next request. Returns 0
 * when an HTTP response arrived (any status), -1 on transport failure.
 */
int
acmec_perform(struct acmec *c, enum acmec_method m, const char *url,
    const char *body)
{
	struct acmec_resp	*r = &c->resp;
	CURLcode		 rc;
	long			 status = 0;

	acmec_resp_reset(r);
	if (!acmec_url_ok(url))
		return acmec_error(c, "refusing \"%.100s\": not an https URL",
		    url);
	c->curlerr[0] = '\0';
	if (acmec_request_opts(c, m, url, body) == -1) {
		log_err("%s: curl_easy_setopt failed", __func__);
		return acmec_error(c, "internal error");
	}
	rc = curl_easy_perform(c->curl);
	if (r->nomem) {
		log_err("%s: out of memory", __func__);
		return acmec_error(c, "out of memory");
	}
	if (r->toolarge)
		return acmec_error(c, "%s %.100s: the answer is larger than "
		    "%d octets", methods[m], url, ACMEC_BODY_MAX);
	if (rc != CURLE_OK)
		return acmec_error(c, "%s %.100s: %s", methods[m], url,
		    c->curlerr[0] != '\0' ? c->curlerr :
		    curl_easy_strerror(rc));
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	r->status = status;
	acmec_ctype(c);
	if (r->nonce[0] != '\0')
		memcpy(c->nonce, r->nonce, sizeof(c->nonce));
	return 0;
}

/* HEAD newNonce (RFC 8555 7.2). */
static int
acmec_fresh_nonce(struct acmec *c)
{
	if (acmec_perform(c, ACMEC_HEAD, c->dir.nonce, NULL) == -1)
		return -1;
	if (c->resp.status != 200 && c->resp.status != 204)
		return acmec_refused(c);
	if (c->nonce[0] == '\0')
		return acmec_error(c, "newNonce answered without a "
		    "Replay-Nonce");
	return 0;
}

/*
 * POST a JWS of payload to url signed by key, with kid or (kid NULL) the
 * embedded jwk; retried once with the fresh nonce on badNonce (RFC 8555
 * 6.5). Returns 0 on a 2xx answer, else -1 with the problem filled.
 */
int
acmec_signed(struct acmec *c, const char *url, const char *payload,
    const struct signer *key, const char *kid)
{
	char	*jws;
	int	 try, rc;

	for (try = 0; try < 2; try++) {
		if (c->nonce[0] == '\0' && acmec_fresh_nonce(c) == -1)
			return -1;
		jws = signer_jws(key, url, c->nonce, kid, payload);
		c->nonce[0] = '\0';
		if (jws == NULL)
			return acmec_error(c, "cannot sign the request");
		rc = acmec_perform(c, ACMEC_POST, url, jws);
		free(jws);
		if (rc == -1)
			return -1;
		if (c->resp.status >= 200 && c->resp.status < 300)
			return 0;
		acmec_refused(c);
		if (strcmp(c->prob.type, "badNonce") != 0)
			return -1;
	}
	return -1;
}

/* The body as a JSON object into *out (NULL when empty). */
int
acmec_json(struct acmec *c, json_object **out)
{
	*out = NULL;
	if (c->resp.len == 0)
		return 0;
	if ((*out = json_parse_object(c->resp.body, c->resp.len)) == NULL)
		return acmec_error(c, "the server's answer is not a JSON "
		    "object");
	return 0;
}

/* Copy a string into a caller's buffer; -1 (problem set) if too long. */
int
acmec_copy(struct acmec *c, char *dst, size_t dstsz, const char *src)
{
	if (dst == NULL || dstsz == 0)
		return 0;
	if (strlen(src) >= dstsz) {
		dst[0] = '\0';
		return acmec_error(c, "a URL or token in the answer is too "
		    "long");
	}
	strcpy(dst, src);
	return 0;
}

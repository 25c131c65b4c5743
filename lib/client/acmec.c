/* An ACME client (RFC 8555) over libcurl: the directory, nonces, signed
 * requests with one badNonce retry, problem documents (RFC 9457), and
 * the TNAuthList order with its sms-link-00 challenge (PROTOCOL.md 8.2).
 * The only file that includes the libcurl header for the client side. */
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
#include "b64url.h"
#include "bounds.h"
#include "crypt.h"
#include "json.h"
#include "log.h"
#include "sign.h"
#include "tnauthlist.h"

#ifndef ACMEC_BODY_MAX
#define ACMEC_BODY_MAX		(1024 * 1024)	/* response body cap */
#endif
#ifndef ACMEC_NONCE_MAX
#define ACMEC_NONCE_MAX		256	/* longest Replay-Nonce we keep */
#endif
#ifndef ACMEC_POLL_MAX
#define ACMEC_POLL_MAX		120	/* seconds spent polling an order */
#endif
#ifndef ACMEC_WAIT_MAX
#define ACMEC_WAIT_MAX		10	/* longest single Retry-After wait */
#endif
#ifndef ACMEC_LINKS_MAX
#define ACMEC_LINKS_MAX		8	/* Link header values kept */
#endif
#ifndef ACMEC_HEADER_MAX
#define ACMEC_HEADER_MAX	2048	/* a response header line we read */
#endif
#define ACMEC_TIMEOUT		60L	/* seconds per request */
#define ACMEC_CONNECT_TIMEOUT	15L
#define ACMEC_DIGEST_INPUT	512	/* code || token || "." || thumb */
#define ACMEC_AGENT		"idprover-acmec/1"
#define ACME_ERR_PREFIX		"urn:ietf:params:acme:error:"
#define B64URL_CHARS		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn" \
				"opqrstuvwxyz0123456789-_"

enum acmec_method { ACMEC_GET, ACMEC_HEAD, ACMEC_POST, ACMEC__MAX };

static const char *const methods[ACMEC__MAX] = { "GET", "HEAD", "POST" };

/* The resources of the directory (RFC 8555 7.1.1) we use. */
struct acmec_dir {
	char	 nonce[URL_MAX];
	char	 account[URL_MAX];
	char	 order[URL_MAX];
	char	 revoke[URL_MAX];
	char	 keychange[URL_MAX];
	char	 terms[URL_MAX];
};

static const struct {
	const char	*name;
	size_t		 off;
	int		 required;
} dirfields[] = {
	{ "newNonce", offsetof(struct acmec_dir, nonce), 1 },
	{ "newAccount", offsetof(struct acmec_dir, account), 1 },
	{ "newOrder", offsetof(struct acmec_dir, order), 1 },
	{ "revokeCert", offsetof(struct acmec_dir, revoke), 0 },
	{ "keyChange", offsetof(struct acmec_dir, keychange), 0 },
};

struct acmec_link {
	char	 rel[32];
	char	 url[URL_MAX];
};

/* The last response: status, the headers we use and the body. */
struct acmec_resp {
	long			 status;
	char			*body;		/* NUL-terminated */
	size_t			 len;
	size_t			 cap;
	int			 toolarge;
	int			 nomem;
	char			 ctype[128];	/* lower case, no parameters */
	char			 nonce[ACMEC_NONCE_MAX];
	char			 location[URL_MAX];
	long			 retry_after;
	struct acmec_link	 links[ACMEC_LINKS_MAX];
	size_t			 nlinks;
};

struct acmec {
	CURL			*curl;
	int			 global;	/* curl_global_init done */
	struct curl_slist	*jose;		/* POST request headers */
	struct signer		*key;		/* borrowed */
	char			 kid[URL_MAX];
	char			 nonce[ACMEC_NONCE_MAX];
	struct acmec_dir	 dir;
	struct acmec_resp	 resp;
	struct acmec_problem	 prob;
	char			 curlerr[CURL_ERROR_SIZE];
};

static int	acmec_error(struct acmec *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Problems and errors.
 */

static void
acmec_prob_reset(struct acmec_problem *p)
{
	memset(p, 0, sizeof(*p));
	p->remaining = -1;
	p->retry_after = -1;
}

/* Replace control characters: server text ends up on a terminal. */
static void
acmec_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* A failure that is not a problem document: status 0. Returns -1. */
static int __attribute__((format(printf, 2, 3)))
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
static void
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
static int
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
static size_t
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
static size_t
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
static int
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
static int
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
static int
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
static int
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
static int
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

/*
 * JSON payloads.
 */

/* Add v under k to o; puts v on failure. NULL v (allocation) fails. */
static int
jadd(json_object *o, const char *k, json_object *v)
{
	if (o == NULL || v == NULL || json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static int
jpush(json_object *a, json_object *v)
{
	if (a == NULL || v == NULL || json_object_array_add(a, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* Compact text of o, malloc'd; NULL on failure. */
static char *
jtext(json_object *o)
{
	const char	*s;

	if (o == NULL || (s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) == NULL)
		return NULL;
	return strdup(s);
}

/* base64url of len octets, malloc'd. */
static char *
acmec_b64(const unsigned char *p, size_t len)
{
	char	*out;
	size_t	 n = B64URL_LEN(len) + 1;

	if ((out = malloc(n)) == NULL)
		return NULL;
	if (b64url_encode(p, len, out, n) == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * Setup.
 */

static int
acmec_setup(struct acmec *c, const char *cafile)
{
	CURL	*h;

	if ((h = c->curl = curl_easy_init()) == NULL ||
	    (c->jose = curl_slist_append(NULL,
	    "Content-Type: application/jose+json")) == NULL ||
	    curl_slist_append(c->jose, "Expect:") == NULL)
		return -1;
	if (curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, ACMEC_AGENT) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    ACMEC_CONNECT_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT, ACMEC_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curlerr) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, acmec_on_body) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->resp) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, acmec_on_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, &c->resp) != CURLE_OK)
		return -1;
	if (cafile != NULL &&
	    curl_easy_setopt(h, CURLOPT_CAINFO, cafile) != CURLE_OK)
		return -1;
	return 0;
}

/* GET the directory and keep the URLs we use (RFC 8555 7.1.1). */
static int
acmec_directory(struct acmec *c, const char *url)
{
	json_object	*o = NULL, *meta;
	const char	*v;
	size_t		 i;
	int		 rc = -1;

	if (acmec_perform(c, ACMEC_GET, url, NULL) == -1)
		return -1;
	if (c->resp.status != 200)
		return acmec_refused(c);
	if (acmec_json(c, &o) == -1 || o == NULL)
		return acmec_error(c, "the directory is not a JSON object");
	for (i = 0; i < sizeof(dirfields) / sizeof(dirfields[0]); i++) {
		if ((v = json_get_str(o, dirfields[i].name)) == NULL) {
			if (!dirfields[i].required)
				continue;
			acmec_error(c, "the directory has no %s",
			    dirfields[i].name);
			goto out;
		}
		if (!acmec_url_ok(v)) {
			acmec_error(c, "the directory's %s is not an https "
			    "URL", dirfields[i].name);
			goto out;
		}
		strcpy((char *)&c->dir + dirfields[i].off, v);
	}
	if ((meta = json_get_obj(o, "meta")) != NULL &&
	    (v = json_get_str(meta, "termsOfService")) != NULL &&
	    strlen(v) < sizeof(c->dir.terms)) {
		strcpy(c->dir.terms, v);
		acmec_clean(c->dir.terms);
	}
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

struct acmec *
acmec_new(const char *directory_url, const char *cafile, struct signer *key,
    char *err, size_t errsz)
{
	struct acmec	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	c->key = key;
	acmec_prob_reset(&c->prob);
	c->resp.retry_after = -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errsz, "libcurl does not initialise");
		free(c);
		return NULL;
	}
	c->global = 1;
	if (acmec_setup(c, cafile) == -1) {
		log_err("%s: libcurl setup failed", __func__);
		snprintf(err, errsz, "libcurl setup failed");
		acmec_free(c);
		return NULL;
	}
	if (acmec_directory(c, directory_url) == -1) {
		snprintf(err, errsz, "directory %s: %s", directory_url,
		    c->prob.detail);
		acmec_free(c);
		return NULL;
	}
	return c;
}

void
acmec_free(struct acmec *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->jose);
	free(c->resp.body);
	if (c->global)
		curl_global_cleanup();
	free(c);
}

const struct acmec_problem *
acmec_problem(const struct acmec *c)
{
	return &c->prob;
}

int
acmec_status(const struct acmec *c)
{
	return (int)c->resp.status;
}

const char *
acmec_terms(const struct acmec *c)
{
	return c->dir.terms[0] != '\0' ? c->dir.terms : NULL;
}

const char *
acmec_link(const struct acmec *c, const char *rel)
{
	size_t	 i;

	for (i = 0; i < c->resp.nlinks; i++)
		if (strcmp(c->resp.links[i].rel, rel) == 0)
			return c->resp.links[i].url;
	return NULL;
}

void
acmec_set_kid(struct acmec *c, const char *url)
{
	snprintf(c->kid, sizeof(c->kid), "%s", url);
}

/*
 * Requests.
 */

int
acmec_account(struct acmec *c, const char *contact, int only_existing,
    char *url, size_t urlsz)
{
	json_object	*p, *a = NULL;
	char		*txt = NULL;
	int		 rc = -1, bad = 0;

	p = json_object_new_object();
	if (contact != NULL) {
		a = json_object_new_array();
		if (jadd(p, "contact", a) == -1)
			a = NULL;
		bad |= jpush(a, json_object_new_string(contact));
	}
	if (c->dir.terms[0] != '\0')
		bad |= jadd(p, "termsOfServiceAgreed",
		    json_object_new_boolean(1));
	if (only_existing)
		bad |= jadd(p, "onlyReturnExisting",
		    json_object_new_boolean(1));
	if (!bad)
		txt = jtext(p);
	json_object_put(p);
	if (txt == NULL)
		return acmec_error(c, "out of memory");
	if (acmec_signed(c, c->dir.account, txt, c->key, NULL) == -1)
		goto out;
	if ((c->resp.status != 200 && c->resp.status != 201) ||
	    !acmec_url_ok(c->resp.location)) {
		acmec_error(c, "newAccount answered %ld without an account "
		    "URL", c->resp.status);
		goto out;
	}
	snprintf(c->kid, sizeof(c->kid), "%s", c->resp.location);
	rc = acmec_copy(c, url, urlsz, c->kid);
out:
	free(txt);
	return rc;
}

int
acmec_post(struct acmec *c, const char *url, const char *payload,
    json_object **out, char *location, size_t locsz)
{
	if (out != NULL)
		*out = NULL;
	if (location != NULL && locsz > 0)
		location[0] = '\0';
	if (c->kid[0] == '\0')
		return acmec_error(c, "no account URL to sign with");
	if (acmec_signed(c, url, payload, c->key, c->kid) == -1)
		return -1;
	if (location != NULL &&
	    acmec_copy(c, location, locsz, c->resp.location) == -1)
		return -1;
	return out == NULL ? 0 : acmec_json(c, out);
}

int
acmec_order(struct acmec *c, const char *tn, json_object **order,
    char *url, size_t urlsz)
{
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	size_t		 len = sizeof(der);
	char		 value[IDENT_VALUE_MAX + 1], txt[IDENT_VALUE_MAX + 64];
	int		 rc;

	*order = NULL;
	if (tnauthlist_encode(tn, der, &len) == -1 ||
	    b64url_encode(der, len, value, sizeof(value)) == 0)
		return acmec_error(c, "not a number of 1 to %d digits: "
		    "%.20s", TN_MAX, tn);
	/* The value is base64url: nothing to escape. */
	snprintf(txt, sizeof(txt), "{\"identifiers\":[{\"type\":"
	    "\"TNAuthList\",\"value\":\"%s\"}]}", value);
	rc = acmec_post(c, c->dir.order, txt, order, url, urlsz);
	if (rc == 0 && (c->resp.status != 201 || *order == NULL ||
	    (url != NULL && urlsz > 0 && !acmec_url_ok(url)))) {
		json_object_put(*order);
		*order = NULL;
		return acmec_error(c, "newOrder answered %ld without an "
		    "order and its URL", c->resp.status);
	}
	return rc;
}

/* The sms-link-00 challenge of the authorization az. */
static int
acmec_find_challenge(struct acmec *c, json_object *az, char *url,
    size_t urlsz, char *token, size_t tokensz)
{
	json_object	*arr, *ch;
	const char	*type, *u, *t;
	size_t		 i, n;

	if ((arr = json_get_arr(az, "challenges")) == NULL)
		return acmec_error(c, "the authorization has no challenges");
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		ch = json_object_array_get_idx(arr, i);
		if ((type = json_get_str(ch, "type")) == NULL ||
		    strcmp(type, "sms-link-00") != 0)
			continue;
		u = json_get_str(ch, "url");
		t = json_get_str(ch, "token");
		if (u == NULL || !acmec_url_ok(u) || t == NULL ||
		    !b64url_valid(t, strlen(t)))
			return acmec_error(c, "the sms-link-00 challenge lacks "
			    "a valid url or token");
		if (acmec_copy(c, url, urlsz, u) == -1 ||
		    acmec_copy(c, token, tokensz, t) == -1)
			return -1;
		return 0;
	}
	return acmec_error(c, "the authorization offers no sms-link-00 "
	    "challenge");
}

int
acmec_challenge(struct acmec *c, json_object *order, char *url,
    size_t urlsz, char *token, size_t tokensz)
{
	json_object	*arr, *az = NULL;
	const char	*azurl = NULL;
	int		 rc;

	if ((arr = json_get_arr(order, "authorizations")) != NULL &&
	    json_object_array_length(arr) == 1 &&
	    json_object_is_type(json_object_array_get_idx(arr, 0),
	    json_type_string))
		azurl = json_object_get_string(json_object_array_get_idx(arr,
		    0));
	if (azurl == NULL)
		return acmec_error(c, "the order does not list exactly one "
		    "authorization");
	if (acmec_post(c, azurl, "", &az, NULL, 0) == -1)
		return -1;
	rc = az == NULL ? acmec_error(c, "the authorization is empty") :
	    acmec_find_challenge(c, az, url, urlsz, token, tokensz);
	json_object_put(az);
	return rc;
}

int
acmec_ready(struct acmec *c, const char *chall_url, json_object **out)
{
	return acmec_post(c, chall_url, "{}", out, NULL, 0);
}

int
acmec_answer(struct acmec *c, const char *chall_url, const char *token,
    const char *code, json_object **out)
{
	char	 digest[THUMB_LEN + 1], payload[THUMB_LEN + 32];
	int	 rc;

	*out = NULL;
	if (acmec_digest(code, token, signer_thumb(c->key), digest) == -1)
		return acmec_error(c, "cannot compute the response digest");
	snprintf(payload, sizeof(payload), "{\"keyAuthorization\":\"%s\"}",
	    digest);
	rc = acmec_post(c, chall_url, payload, out, NULL, 0);
	explicit_bzero(digest, sizeof(digest));
	explicit_bzero(payload, sizeof(payload));
	return rc;
}

int
acmec_digest(const char *code, const char *token, const char *thumb,
    char out[44])
{
	char		 ka[ACMEC_DIGEST_INPUT];
	unsigned char	 h[SHA256_LEN];
	int		 n, rc = -1;

	out[0] = '\0';
	n = snprintf(ka, sizeof(ka), "%s%s.%s", code, token, thumb);
	if (n > 0 && (size_t)n < sizeof(ka) &&
	    crypt_sha256(ka, (size_t)n, h) == 0 &&
	    b64url_encode(h, sizeof(h), out, 44) == THUMB_LEN)
		rc = 0;
	explicit_bzero(ka, sizeof(ka));
	explicit_bzero(h, sizeof(h));
	return rc;
}

/* An order that ended other than valid; its error becomes the problem. */
static int
acmec_order_failed(struct acmec *c, json_object *o, const char *status)
{
	json_object	*err;
	int64_t		 st;

	if (strcmp(status, "invalid") != 0 ||
	    (err = json_get_obj(o, "error")) == NULL)
		return acmec_error(c, "the order is %.20s after finalize",
		    status);
	acmec_prob_reset(&c->prob);
	acmec_prob_from(&c->prob, err);
	c->prob.status = json_get_int(err, "status", 400, 599, &st) == 1 ?
	    (int)st : 400;
	if (c->prob.detail[0] == '\0')
		snprintf(c->prob.detail, sizeof(c->prob.detail), "the order "
		    "is invalid");
	return -1;
}

/*
 * Poll the order at url while it is "processing" (RFC 8555 7.4), waiting
 * as Retry-After says, for at most ACMEC_POLL_MAX seconds in all. *o is
 * the order, replaced on each poll; it must end "valid".
 */
static int
acmec_poll(struct acmec *c, const char *url, json_object **o)
{
	const char	*st;
	long		 waited = 0, w;

	for (;;) {
		if (*o == NULL || (st = json_get_str(*o, "status")) == NULL)
			return acmec_error(c, "the order has no status");
		if (strcmp(st, "processing") != 0)
			break;
		if (url[0] == '\0')
			return acmec_error(c, "the order is processing and "
			    "finalize gave no order URL to poll");
		w = c->resp.retry_after;
		w = w < 1 ? 1 : w > ACMEC_WAIT_MAX ? ACMEC_WAIT_MAX : w;
		if (waited + w > ACMEC_POLL_MAX)
			return acmec_error(c, "the order is still processing "
			    "after %ld s", waited);
		sleep((unsigned int)w);
		waited += w;
		json_object_put(*o);
		if (acmec_post(c, url, "", o, NULL, 0) == -1)
			return -1;
	}
	return strcmp(st, "valid") == 0 ? 0 : acmec_order_failed(c, *o, st);
}

int
acmec_finalize(struct acmec *c, json_object *order, const unsigned char *csr,
    size_t csrlen, json_object **out)
{
	json_object	*o = NULL;
	const char	*fin;
	char		*b64, *txt = NULL, loc[URL_MAX];
	int		 rc = -1;

	*out = NULL;
	if ((fin = json_get_str(order, "finalize")) == NULL)
		return acmec_error(c, "the order has no finalize URL");
	if (csrlen == 0 || csrlen > CSR_DER_MAX)
		return acmec_error(c, "the CSR is empty or larger than %d "
		    "octets", CSR_DER_MAX);
	if ((b64 = acmec_b64(csr, csrlen)) == NULL ||
	    asprintf(&txt, "{\"csr\":\"%s\"}", b64) == -1) {
		free(b64);
		return acmec_error(c, "out of memory");
	}
	if (acmec_post(c, fin, txt, &o, loc, sizeof(loc)) == 0 &&
	    acmec_poll(c, loc, &o) == 0) {
		*out = o;
		o = NULL;
		rc = 0;
	}
	json_object_put(o);
	free(b64);
	free(txt);
	return rc;
}

int
acmec_cert(struct acmec *c, const char *cert_url, char **pem)
{
	struct acmec_resp	*r = &c->resp;

	*pem = NULL;
	if (acmec_post(c, cert_url, "", NULL, NULL, 0) == -1)
		return -1;
	if (strcmp(r->ctype, "application/pem-certificate-chain") != 0)
		return acmec_error(c, "the certificate URL answered \"%s\", "
		    "not a PEM chain", r->ctype);
	if (r->len == 0 || strlen(r->body) != r->len ||
	    strncmp(r->body, "-----BEGIN CERTIFICATE-----", 27) != 0)
		return acmec_error(c, "the certificate chain is not PEM");
	*pem = r->body;
	r->body = NULL;
	r->len = r->cap = 0;
	return 0;
}

int
acmec_revoke(struct acmec *c, const unsigned char *der, size_t len,
    int reason, struct signer *certkey)
{
	char		*b64, *txt = NULL;
	int		 rc = -1, n;

	if (c->dir.revoke[0] == '\0')
		return acmec_error(c, "the directory has no revokeCert");
	if (certkey == NULL && c->kid[0] == '\0')
		return acmec_error(c, "no account URL to sign with");
	if (len == 0 || len > CERT_DER_MAX || (b64 = acmec_b64(der, len)) ==
	    NULL)
		return acmec_error(c, "no certificate or one too large");
	n = reason >= 0 ?
	    asprintf(&txt, "{\"certificate\":\"%s\",\"reason\":%d}", b64,
	    reason) : asprintf(&txt, "{\"certificate\":\"%s\"}", b64);
	if (n == -1) {
		txt = NULL;
		acmec_error(c, "out of memory");
		goto out;
	}
	rc = certkey != NULL ?
	    acmec_signed(c, c->dir.revoke, txt, certkey, NULL) :
	    acmec_signed(c, c->dir.revoke, txt, c->key, c->kid);
out:
	free(b64);
	free(txt);
	return rc;
}

int
acmec_key_change(struct acmec *c, struct signer *newkey)
{
	json_object	*p, *old;
	char		*inner = NULL, *txt = NULL;
	const char	*canon = signer_jwk(c->key);
	int		 rc = -1, bad;

	if (c->dir.keychange[0] == '\0')
		return acmec_error(c, "the directory has no keyChange");
	if (c->kid[0] == '\0')
		return acmec_error(c, "no account URL to sign with");
	/* RFC 8555 7.3.5: {"account": kid, "oldKey": the current JWK}. */
	p = json_object_new_object();
	old = json_parse_object(canon, strlen(canon));
	bad = jadd(p, "account", json_object_new_string(c->kid)) |
	    jadd(p, "oldKey", old);
	if (!bad)
		txt = jtext(p);
	json_object_put(p);
	if (txt == NULL)
		return acmec_error(c, "out of memory");
	/* The inner JWS: the new key's jwk, the same url, no nonce. */
	if ((inner = signer_jws(newkey, c->dir.keychange, NULL, NULL,
	    txt)) == NULL) {
		acmec_error(c, "cannot sign with the new key");
		goto out;
	}
	if (acmec_signed(c, c->dir.keychange, inner, c->key, c->kid) == -1)
		goto out;
	c->key = newkey;
	rc = 0;
out:
	free(inner);
	free(txt);
	return rc;
}

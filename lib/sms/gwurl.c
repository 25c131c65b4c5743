/* Gateway URLs (sms.h gateway_open): strict parsing of file, smpp,
 * http(s) and exec URLs and of the HTTP body template. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "log.h"
#include "pct.h"
#include "sms.h"
#include "transport.h"


#define SMPP_PORT_DEFAULT	"2775"

#define CONF_FIELD(f)		sizeof(((struct smpp_conf *)0)->f)
_Static_assert(CONF_FIELD(host) == SMPP_HOST_MAX + 1, "smpp_conf.host");
_Static_assert(CONF_FIELD(system_id) == SMPP_SYSTEM_ID_MAX + 1,
    "smpp_conf.system_id");
_Static_assert(CONF_FIELD(password) == SMPP_PASSWORD_MAX + 1,
    "smpp_conf.password");
_Static_assert(CONF_FIELD(source_addr) == SMPP_ADDR_MAX + 1,
    "smpp_conf.source_addr");

const char *const gw_schemes[GW__MAX] = {
	"file",		/* GW_FILE */
	"smpp",		/* GW_SMPP */
	"http",		/* GW_HTTP */
	"exec",		/* GW_EXEC */
};

/* pct_decode a URL field named name, with a reason. Length or -1. */
static int
url_field(const char *name, const char *s, size_t len, char *out,
    size_t outsz, char *err, size_t errsz)
{
	enum pct	 rc;
	size_t		 n;

	rc = pct_decode(s, len, out, outsz, PCT_NOCTL, &n);
	if (rc == PCT_LONG)
		sms_err(err, errsz, "%s over %zu characters", name, outsz - 1);
	else if (rc != PCT_OK)
		sms_err(err, errsz, "bad escape or control character in %s",
		    name);
	return rc != PCT_OK ? -1 : (int)n;
}

/* Whether s is a number in [lo, hi] without sign or leading junk. */
static int
parse_uint(const char *s, size_t len, long lo, long hi, long *v)
{
	size_t	 i;
	long	 n = 0;

	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		n = n * 10 + (s[i] - '0');
	}
	if (n < lo || n > hi)
		return 0;
	*v = n;
	return 1;
}

/* isalnum(3) for ASCII only, whatever the locale. */
int
ascii_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* Whether c may appear in a host name or IPv4 literal. */
static int
host_char(int c)
{
	return ascii_alnum(c) || c == '-' || c == '.' || c == '_';
}

/*
 * Check the host[:port] part of an authority (len characters) and copy
 * the host into host and the port into port (default if absent).
 * Returns 0 or -1 with err set.
 */
static int
parse_hostport(const char *s, size_t len, char *host, size_t hostsz,
    char *port, size_t portsz, const char *defport, char *err, size_t errsz)
{
	const char	*h = s, *colon = NULL;
	size_t		 hl, i;
	long		 v;

	if (len > 0 && s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++)
			if (pct_hex(s[i]) < 0 && s[i] != ':' &&
			    s[i] != '.')
				goto bad;
		if (i == len || i == 1)
			goto bad;
		h = s + 1;
		hl = i - 1;
		if (i + 1 < len && s[i + 1] != ':')
			goto bad;
		colon = i + 1 < len ? s + i + 1 : NULL;
	} else {
		for (i = 0; i < len && s[i] != ':'; i++)
			if (!host_char((unsigned char)s[i]))
				goto bad;
		hl = i;
		colon = i < len ? s + i : NULL;
	}
	if (hl == 0 || hl >= hostsz || hl > SMPP_HOST_MAX) {
		sms_err(err, errsz, "missing or overlong host");
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon == NULL) {
		snprintf(port, portsz, "%s", defport);
		return 0;
	}
	if (!parse_uint(colon + 1, (size_t)(s + len - colon - 1), 1, 65535,
	    &v)) {
		sms_err(err, errsz, "bad port");
		return -1;
	}
	snprintf(port, portsz, "%ld", v);
	return 0;
bad:
	sms_err(err, errsz, "bad host");
	return -1;
}

/* Store the user info "id[:pw]" (len characters) of an SMPP URL. */
static int
smpp_userinfo(struct smpp_conf *c, const char *s, size_t len, char *err,
    size_t errsz)
{
	const char	*colon;
	size_t		 idlen;

	colon = memchr(s, ':', len);
	idlen = colon != NULL ? (size_t)(colon - s) : len;
	if (idlen == 0) {
		sms_err(err, errsz, "missing system_id");
		return -1;
	}
	if (url_field("system_id", s, idlen, c->system_id,
	    sizeof(c->system_id), err, errsz) == -1)
		return -1;
	if (colon == NULL) {
		c->password[0] = '\0';
		return 0;
	}
	if (url_field("password", colon + 1, len - idlen - 1, c->password,
	    sizeof(c->password), err, errsz) == -1)
		return -1;
	return 0;
}

/* Whether npi is one of the SMPP 3.4 numbering plan values. */
static int
npi_valid(long npi)
{
	static const long	 npis[] = { 0, 1, 3, 4, 6, 8, 9, 10, 14, 18 };
	size_t			 i;

	for (i = 0; i < sizeof(npis) / sizeof(npis[0]); i++)
		if (npis[i] == npi)
			return 1;
	return 0;
}

/* Store one "key=value" query parameter (len characters). */
static int
smpp_param(struct smpp_conf *c, const char *s, size_t len, unsigned *seen,
    char *err, size_t errsz)
{
	static const char *const keys[] = {
		"source_addr", "source_ton", "source_npi"
	};
	const char	*eq;
	size_t		 kl, i, vl;
	long		 v;

	if ((eq = memchr(s, '=', len)) == NULL)
		goto bad;
	kl = (size_t)(eq - s);
	vl = len - kl - 1;
	for (i = 0; i < 3; i++)
		if (strlen(keys[i]) == kl && memcmp(keys[i], s, kl) == 0)
			break;
	if (i == 3 || (*seen & (1u << i)))
		goto bad;
	*seen |= 1u << i;
	if (i == 0)
		return url_field("source_addr", eq + 1, vl, c->source_addr,
		    sizeof(c->source_addr), err, errsz) == -1 ? -1 : 0;
	if (i == 1 && parse_uint(eq + 1, vl, 0, 6, &v)) {
		c->source_ton = (int)v;
		return 0;
	}
	if (i == 2 && parse_uint(eq + 1, vl, 0, 18, &v) && npi_valid(v)) {
		c->source_npi = (int)v;
		return 0;
	}
bad:
	sms_err(err, errsz, "bad or repeated query parameter");
	return -1;
}

/* Parse the query of an SMPP URL (len characters, without the '?'). */
static int
smpp_query(struct smpp_conf *c, const char *s, size_t len, unsigned *seen,
    char *err, size_t errsz)
{
	const char	*amp, *end = s + len;

	if (len == 0)
		return 0;
	for (;;) {
		amp = memchr(s, '&', (size_t)(end - s));
		if (amp == NULL)
			amp = end;
		if (smpp_param(c, s, (size_t)(amp - s), seen, err, errsz) == -1)
			return -1;
		if (amp == end)
			return 0;
		s = amp + 1;
	}
}

/*
 * Default TON/NPI for a sender not given them (PROTOCOL 10.3):
 * alphanumeric 5/0, short code (up to 8 digits) 3/0, number 1/1.
 */
static void
smpp_defaults(struct smpp_conf *c, unsigned seen)
{
	size_t	 len = strlen(c->source_addr);
	int	 ton = 0, npi = 0;

	if (len > 0 && strspn(c->source_addr, "0123456789") != len)
		ton = 5;
	else if (len > 0 && len <= 8)
		ton = 3;
	else if (len > 8) {
		ton = 1;
		npi = 1;
	}
	if (!(seen & 2u))
		c->source_ton = ton;
	if (!(seen & 4u))
		c->source_npi = npi;
}

/* Whether s is printable ASCII (SMPP C-Octet Strings). */
static int
ascii_print(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Check the credentials and the sender against its TON. */
static int
smpp_check(const struct smpp_conf *c, char *err, size_t errsz)
{
	size_t	 len = strlen(c->source_addr);

	if (!ascii_print(c->system_id) || !ascii_print(c->password) ||
	    !ascii_print(c->source_addr)) {
		sms_err(err, errsz, "non-ASCII system_id, password or "
		    "source_addr");
		return -1;
	}

	if (c->source_ton == 5 && len > SMPP_ALNUM_MAX) {
		sms_err(err, errsz, "alphanumeric source_addr over %d "
		    "characters", SMPP_ALNUM_MAX);
		return -1;
	}
	if (c->source_ton == 1 &&
	    strspn(c->source_addr, "0123456789") != len) {
		sms_err(err, errsz, "international source_addr not digits");
		return -1;
	}
	return 0;
}

/* Parse what follows "smpp://". */
static int
parse_smpp(struct smpp_conf *c, const char *s, char *err, size_t errsz)
{
	size_t		 alen;
	const char	*at, *p;
	unsigned	 seen = 0;

	memset(c, 0, sizeof(*c));
	alen = strcspn(s, "/?#");
	for (at = NULL, p = s; p < s + alen; p++)
		if (*p == '@')
			at = p;
	if (at == NULL) {
		sms_err(err, errsz, "missing system_id");
		return -1;
	}
	if (smpp_userinfo(c, s, (size_t)(at - s), err, errsz) == -1 ||
	    parse_hostport(at + 1, (size_t)(s + alen - at - 1), c->host,
	    sizeof(c->host), c->port, sizeof(c->port), SMPP_PORT_DEFAULT,
	    err, errsz) == -1)
		return -1;
	p = s + alen;
	if (*p == '/')
		p++;
	if (*p == '?') {
		if (strchr(p, '#') != NULL || smpp_query(c, p + 1,
		    strlen(p + 1), &seen, err, errsz) == -1)
			goto bad;
	} else if (*p != '\0')
		goto bad;
	smpp_defaults(c, seen);
	return smpp_check(c, err, errsz);
bad:
	if (err != NULL && errsz > 0 && err[0] == '\0')
		sms_err(err, errsz, "unexpected path, query or fragment");
	return -1;
}

/* Parse what follows "file:" or "exec:": "///abs/path" only. */
static int
parse_path(struct gateway *gw, const char *s, char *err, size_t errsz)
{
	char	 buf[PATH_MAX];
	int	 n;

	if (strncmp(s, "///", 3) != 0) {
		sms_err(err, errsz, "need an absolute path (scheme:///path)");
		return -1;
	}
	s += 2;
	if (strpbrk(s, "?#") != NULL) {
		sms_err(err, errsz, "query or fragment in path");
		return -1;
	}
	if ((n = url_field("path", s, strlen(s), buf, sizeof(buf), err,
	    errsz)) == -1)
		return -1;
	if (n <= 1 || buf[n - 1] == '/') {
		sms_err(err, errsz, "path names a directory");
		return -1;
	}
	if ((gw->path = strdup(buf)) == NULL) {
		log_err("%s: strdup: %s", __func__, strerror(errno));
		sms_err(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

/* Whether a template holds only printable ASCII. */
static int
tmpl_clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Check an http(s) URL template and the optional body template. */
static int
parse_http(struct gateway *gw, const char *url, const char *body,
    char *err, size_t errsz)
{
	const char	*s, *at, *p;
	char		 host[256], port[6];
	size_t		 alen;
	int		 tls;

	if (!tmpl_clean(url) || (body != NULL && (strlen(body) >
	    SMS_URL_MAX || !tmpl_clean(body)))) {
		sms_err(err, errsz, "control characters or spaces in template");
		return -1;
	}
	tls = url[4] == 's' || url[4] == 'S';
	s = url + (tls ? 8 : 7);
	alen = strcspn(s, "/?#");
	for (at = NULL, p = s; p < s + alen; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		alen -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	if (parse_hostport(s, alen, host, sizeof(host), port, sizeof(port),
	    tls ? "443" : "80", err, errsz) == -1)
		return -1;
	if ((strstr(url, "{to}") == NULL &&
	    (body == NULL || strstr(body, "{to}") == NULL)) ||
	    (strstr(url, "{text}") == NULL &&
	    (body == NULL || strstr(body, "{text}") == NULL))) {
		sms_err(err, errsz, "template lacks {to} or {text}");
		return -1;
	}
	gw->url = strdup(url);
	gw->body = body != NULL ? strdup(body) : NULL;
	if (gw->url == NULL || (body != NULL && gw->body == NULL)) {
		log_err("%s: strdup: %s", __func__, strerror(errno));
		sms_err(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Parse url (and the http body template) into gw without side effects:
 * no file is opened and nothing is connected. Returns 0 or -1 with err
 * set; gw may hold allocations either way (gw_free).
 */
int
gw_parse(struct gateway *gw, const char *url, const char *body, char *err,
    size_t errsz)
{
	gw->fd = -1;
	if (url == NULL || strlen(url) > SMS_URL_MAX) {
		sms_err(err, errsz, "missing or overlong URL");
		return -1;
	}
	if (body != NULL && strncasecmp(url, "http", 4) != 0) {
		sms_err(err, errsz, "a body is only for http(s)");
		return -1;
	}
	if (strncasecmp(url, "file:", 5) == 0) {
		gw->scheme = GW_FILE;
		return parse_path(gw, url + 5, err, errsz);
	}
	if (strncasecmp(url, "exec:", 5) == 0) {
		gw->scheme = GW_EXEC;
		return parse_path(gw, url + 5, err, errsz);
	}
	if (strncasecmp(url, "smpp://", 7) == 0) {
		gw->scheme = GW_SMPP;
		return parse_smpp(&gw->smpp, url + 7, err, errsz);
	}
	if (strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0) {
		gw->scheme = GW_HTTP;
		return parse_http(gw, url, body, err, errsz);
	}
	sms_err(err, errsz, "unknown scheme");
	return -1;
}

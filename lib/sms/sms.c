/* SMS gateways: URL parsing, the file transport, text fitting/encoding. */
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

#define SMPP_PORT_DEFAULT	"2775"
#define GSM_ESC			0x1b
#define GSM_NONE		0xffff	/* table slot without a character */

#define CONF_FIELD(f)		sizeof(((struct smpp_conf *)0)->f)
_Static_assert(CONF_FIELD(host) == SMPP_HOST_MAX + 1, "smpp_conf.host");
_Static_assert(CONF_FIELD(system_id) == SMPP_SYSTEM_ID_MAX + 1,
    "smpp_conf.system_id");
_Static_assert(CONF_FIELD(password) == SMPP_PASSWORD_MAX + 1,
    "smpp_conf.password");
_Static_assert(CONF_FIELD(source_addr) == SMPP_ADDR_MAX + 1,
    "smpp_conf.source_addr");

enum gw_scheme {
	GW_FILE,
	GW_SMPP,
	GW_HTTP,
	GW_EXEC,
	GW__MAX
};

static const char *const gw_schemes[GW__MAX] = {
	"file",		/* GW_FILE */
	"smpp",		/* GW_SMPP */
	"http",		/* GW_HTTP */
	"exec",		/* GW_EXEC */
};

const char *const sms_results[SMS__MAX] = {
	"sent",		/* SMS_SENT */
	"transient",	/* SMS_TRANSIENT */
	"permanent",	/* SMS_PERMANENT */
};

struct gateway {
	enum gw_scheme		 scheme;
	char			*path;		/* file, exec */
	int			 fd;		/* file */
	struct smpp_conf	 smpp;
	struct sms_smpp		*sp;
	char			*url;		/* http template */
	char			*body;		/* http body template or NULL */
	struct sms_http		*hp;
};

/* GSM 03.38 default alphabet: Unicode code point of each septet. */
static const uint16_t gsm_basic[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, GSM_NONE, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/* GSM 03.38 extension table (sent as ESC + code), PROTOCOL 8.3. */
static const struct {
	uint16_t	 cp;
	uint8_t		 code;
} gsm_ext[] = {
	{ 0x005e, 0x14 },	/* ^ */
	{ 0x007b, 0x28 },	/* { */
	{ 0x007d, 0x29 },	/* } */
	{ 0x005c, 0x2f },	/* \ */
	{ 0x005b, 0x3c },	/* [ */
	{ 0x007e, 0x3d },	/* ~ */
	{ 0x005d, 0x3e },	/* ] */
	{ 0x007c, 0x40 },	/* | */
	{ 0x20ac, 0x65 },	/* euro sign */
};

/* Format a failure reason into err; err may be NULL. */
void
sms_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Milliseconds on the monotonic clock, for deadlines. */
long long
sms_clock_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Decode one UTF-8 sequence at *p into *cp and advance *p. Refuses
 * overlong forms, surrogates and values above U+10FFFF.
 * Returns 1 for a character, 0 at the NUL, -1 when invalid.
 */
static int
utf8_next(const unsigned char **p, uint32_t *cp)
{
	const unsigned char	*s = *p;
	uint32_t		 c, min;
	int			 n, i;

	if (s[0] == '\0')
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		*p = s + 1;
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		n = 1;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 2;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 3;
	else
		return -1;
	c = s[0] & (0x3f >> n);
	min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	*p = s + n + 1;
	return 1;
}

/*
 * Look a code point up in the GSM 03.38 tables. Returns 1 (basic table)
 * or 2 (extension table, *code follows ESC) and sets *code; 0 if absent.
 */
static int
gsm_lookup(uint32_t cp, uint8_t *code)
{
	size_t	 i;

	for (i = 0; i < sizeof(gsm_basic) / sizeof(gsm_basic[0]); i++)
		if (gsm_basic[i] == cp) {
			*code = (uint8_t)i;
			return 1;
		}
	for (i = 0; i < sizeof(gsm_ext) / sizeof(gsm_ext[0]); i++)
		if (gsm_ext[i].cp == cp) {
			*code = gsm_ext[i].code;
			return 2;
		}
	return 0;
}

/* One SMS without concatenation (PROTOCOL 8.3); see sms.h. */
int
sms_fits(const char *utf8, int *ucs2)
{
	const unsigned char	*p = (const unsigned char *)utf8;
	uint32_t		 cp;
	uint8_t			 code;
	size_t			 septets = 0, units = 0;
	int			 rc, w, gsm = 1, bmp = 1;

	if (utf8 == NULL)
		return 0;
	while ((rc = utf8_next(&p, &cp)) == 1) {
		if ((w = gsm_lookup(cp, &code)) == 0)
			gsm = 0;
		septets += (size_t)w;
		if (cp > 0xffff)
			bmp = 0;
		units++;
	}
	if (rc == -1)
		return 0;
	if (gsm && septets <= 160) {
		if (ucs2 != NULL)
			*ucs2 = 0;
		return 1;
	}
	if (bmp && units <= 70) {
		if (ucs2 != NULL)
			*ucs2 = 1;
		return 1;
	}
	return 0;
}

/* Append the GSM octets of cp to out at *len. 0 or -1. */
static int
gsm_put(uint32_t cp, unsigned char *out, size_t outsz, size_t *len)
{
	uint8_t	 code;
	int	 w;

	if ((w = gsm_lookup(cp, &code)) == 0 || *len + (size_t)w > outsz)
		return -1;
	if (w == 2)
		out[(*len)++] = GSM_ESC;
	out[(*len)++] = code;
	return 0;
}

/* Append cp as UCS-2 big-endian to out at *len. 0 or -1. */
static int
ucs2_put(uint32_t cp, unsigned char *out, size_t outsz, size_t *len)
{
	if (cp > 0xffff || *len + 2 > outsz)
		return -1;
	out[(*len)++] = (unsigned char)(cp >> 8);
	out[(*len)++] = (unsigned char)(cp & 0xff);
	return 0;
}

/* The octets of short_message (PROTOCOL 10.3); see sms.h. */
int
sms_encode(const char *utf8, int ucs2, unsigned char *out, size_t outsz)
{
	const unsigned char	*p = (const unsigned char *)utf8;
	uint32_t		 cp;
	size_t			 len = 0;
	int			 rc;

	while ((rc = utf8_next(&p, &cp)) == 1) {
		if (ucs2)
			rc = ucs2_put(cp, out, outsz, &len);
		else
			rc = gsm_put(cp, out, outsz, &len);
		if (rc == -1)
			break;
	}
	if (rc != 0 || len > INT_MAX) {
		log_err("%s: text cannot be encoded", __func__);
		return -1;
	}
	return (int)len;
}

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
static int
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
static int
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

/* Free what gw holds, not gw itself. */
static void
gw_free(struct gateway *gw)
{
	if (gw->fd != -1)
		close(gw->fd);
	gw->fd = -1;
	sms_smpp_free(gw->sp);
	gw->sp = NULL;
	sms_http_free(gw->hp);
	gw->hp = NULL;
	free(gw->path);
	gw->path = NULL;
	free(gw->url);
	gw->url = NULL;
	free(gw->body);
	gw->body = NULL;
}

/* Check that an exec program is an executable regular file. */
static int
exec_check(const char *path, char *err, size_t errsz)
{
	struct stat	 st;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    access(path, X_OK) == -1) {
		log_err("%s: %s: not an executable file", __func__, path);
		sms_err(err, errsz, "program is not an executable file");
		return -1;
	}
	return 0;
}

/* Open the file, create the transport or check the program. */
static int
gw_start(struct gateway *gw, char *err, size_t errsz)
{
	switch (gw->scheme) {
	case GW_FILE:
		gw->fd = open(gw->path, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0600);
		if (gw->fd == -1) {
			log_err("%s: %s: %s", __func__, gw->path,
			    strerror(errno));
			sms_err(err, errsz, "cannot open file: %s",
			    strerror(errno));
			return -1;
		}
		return 0;
	case GW_SMPP:
		if ((gw->sp = sms_smpp_new(&gw->smpp)) == NULL) {
			sms_err(err, errsz, "out of memory");
			return -1;
		}
		return 0;
	case GW_HTTP:
		return (gw->hp = sms_http_new(err, errsz)) == NULL ? -1 : 0;
	case GW_EXEC:
		return exec_check(gw->path, err, errsz);
	default:
		return -1;
	}
}

/*
 * Parse url (and the http body template), then open the file, set up
 * libcurl or check the program; SMPP connects on the first send.
 * Returns the gateway (caller frees with gateway_close) or NULL with a
 * reason in err.
 */
struct gateway *
gateway_open2(const char *url, const char *http_body, char *err,
    size_t errsz)
{
	struct gateway	*gw;

	sms_err(err, errsz, "%s", "");
	if ((gw = calloc(1, sizeof(*gw))) == NULL) {
		log_err("%s: calloc: %s", __func__, strerror(errno));
		sms_err(err, errsz, "out of memory");
		return NULL;
	}
	if (gw_parse(gw, url, http_body, err, errsz) == -1 ||
	    gw_start(gw, err, errsz) == -1) {
		gw_free(gw);
		free(gw);
		return NULL;
	}
	return gw;
}

/* gateway_open2 without a body template. */
struct gateway *
gateway_open(const char *url, char *err, size_t errsz)
{
	return gateway_open2(url, NULL, err, errsz);
}

/* Unbind (SMPP), close and free; accepts NULL. */
void
gateway_close(struct gateway *gw)
{
	if (gw == NULL)
		return;
	gw_free(gw);
	free(gw);
}

/* The transport name, borrowed from a static table. */
const char *
gateway_scheme(const struct gateway *gw)
{
	if (gw == NULL || gw->scheme >= GW__MAX)
		return "";
	return gw_schemes[gw->scheme];
}

/*
 * Copy tmpl to out, replacing {to} and {text} by their percent-encoded
 * values (form: space as '+'). Returns 0, or -1 if out is too small.
 */
static int
tmpl_subst(const char *tmpl, const char *to, const char *text, int form,
    char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*v;
	size_t			 n = 0;

	for (; *tmpl != '\0'; tmpl++) {
		v = NULL;
		if (strncmp(tmpl, "{to}", 4) == 0) {
			v = (const unsigned char *)to;
			tmpl += 3;
		} else if (strncmp(tmpl, "{text}", 6) == 0) {
			v = (const unsigned char *)text;
			tmpl += 5;
		}
		if (v == NULL) {
			if (n + 1 >= outsz)
				return -1;
			out[n++] = *tmpl;
			continue;
		}
		for (; *v != '\0'; v++) {
			if (n + 3 >= outsz)
				return -1;
			if (ascii_alnum(*v) || strchr("-._~", *v) != NULL)
				out[n++] = (char)*v;
			else if (form && *v == ' ')
				out[n++] = '+';
			else {
				out[n++] = '%';
				out[n++] = hex[*v >> 4];
				out[n++] = hex[*v & 15];
			}
		}
	}
	if (n >= outsz)
		return -1;
	out[n] = '\0';
	return 0;
}

/* Append s to out at *n as the body of a JSON string. 0 or -1. */
static int
json_escape(const char *s, char *out, size_t outsz, size_t *n)
{
	const unsigned char	*p = (const unsigned char *)s;
	int			 w;

	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			w = snprintf(out + *n, outsz - *n, "\\%c", *p);
		else if (*p == '\n')
			w = snprintf(out + *n, outsz - *n, "\\n");
		else if (*p == '\r')
			w = snprintf(out + *n, outsz - *n, "\\r");
		else if (*p == '\t')
			w = snprintf(out + *n, outsz - *n, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			w = snprintf(out + *n, outsz - *n, "\\u%04x", *p);
		else
			w = snprintf(out + *n, outsz - *n, "%c", *p);
		if (w < 0 || (size_t)w >= outsz - *n)
			return -1;
		*n += (size_t)w;
	}
	return 0;
}

/* Format one file gateway line, newline included. Length or -1. */
static int
json_line(char *out, size_t outsz, time_t t, const char *to,
    const char *text)
{
	struct tm	 tm;
	char		 ts[32];
	size_t		 n;
	int		 w;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	w = snprintf(out, outsz, "{\"time\": \"%s\", \"to\": \"%s\", "
	    "\"text\": \"", ts, to);
	if (w < 0 || (size_t)w >= outsz)
		return -1;
	n = (size_t)w;
	if (json_escape(text, out, outsz, &n) == -1)
		return -1;
	w = snprintf(out + n, outsz - n, "\"}\n");
	if (w < 0 || (size_t)w >= outsz - n || n + (size_t)w > INT_MAX)
		return -1;
	return (int)(n + (size_t)w);
}

/* Append one line to the file with a single write(2). */
static enum sms_result
file_send(struct gateway *gw, const char *to, const char *text, char *err,
    size_t errsz)
{
	char		 line[128 + TN_MAX + 6 * SMS_TEXT_MAX];
	enum sms_result	 rc = SMS_TRANSIENT;
	ssize_t		 w;
	int		 len;

	if ((len = json_line(line, sizeof(line), time(NULL), to, text)) < 0) {
		log_err("%s: line too long", __func__);
		sms_err(err, errsz, "line too long");
		goto out;
	}
	if ((w = write(gw->fd, line, (size_t)len)) != len) {
		log_err("%s: %s: %s", __func__, gw->path,
		    w == -1 ? strerror(errno) : "short write");
		sms_err(err, errsz, "write failed");
		goto out;
	}
	rc = SMS_SENT;
out:
	explicit_bzero(line, sizeof(line));
	return rc;
}

/* Substitute the templates and make the request. */
static enum sms_result
http_send(struct gateway *gw, const char *to, const char *text,
    int timeout_ms, char *err, size_t errsz)
{
	char		*url, *body = NULL;
	enum sms_result	 rc = SMS_TRANSIENT;

	url = malloc(SMS_HTTP_MAX);
	if (gw->body != NULL)
		body = malloc(SMS_HTTP_MAX);
	if (url == NULL || (gw->body != NULL && body == NULL)) {
		log_err("%s: malloc: %s", __func__, strerror(errno));
		sms_err(err, errsz, "out of memory");
		goto out;
	}
	if (tmpl_subst(gw->url, to, text, 0, url, SMS_HTTP_MAX) == -1 ||
	    (body != NULL && tmpl_subst(gw->body, to, text, 1, body,
	    SMS_HTTP_MAX) == -1)) {
		log_err("%s: request over %d octets", __func__, SMS_HTTP_MAX);
		sms_err(err, errsz, "request too long");
		rc = SMS_PERMANENT;
		goto out;
	}
	rc = sms_http_send(gw->hp, url, body, timeout_ms, err, errsz);
out:
	if (url != NULL)
		explicit_bzero(url, SMS_HTTP_MAX);
	if (body != NULL)
		explicit_bzero(body, SMS_HTTP_MAX);
	free(url);
	free(body);
	return rc;
}

/* Whether to is 1 to TN_MAX digits. */
static int
valid_to(const char *to)
{
	size_t	 len;

	if (to == NULL)
		return 0;
	len = strlen(to);
	return len > 0 && len <= TN_MAX && strspn(to, "0123456789") == len;
}

/*
 * Check the number and the text, then hand them to the transport.
 * A number or text that can never be sent is SMS_PERMANENT.
 */
enum sms_result
gateway_send(struct gateway *gw, const char *to, const char *text,
    int timeout_ms, char *msgid, size_t msgidsz, char *err, size_t errsz)
{
	if (msgid != NULL && msgidsz > 0)
		msgid[0] = '\0';
	sms_err(err, errsz, "%s", "");
	if (gw == NULL) {
		log_err("%s: no gateway", __func__);
		sms_err(err, errsz, "no gateway");
		return SMS_TRANSIENT;
	}
	if (!valid_to(to)) {
		log_err("%s: destination is not 1 to %d digits", __func__,
		    TN_MAX);
		sms_err(err, errsz, "bad destination number");
		return SMS_PERMANENT;
	}
	if (text == NULL || strlen(text) > SMS_TEXT_MAX ||
	    !sms_fits(text, NULL)) {
		log_err("%s: text does not fit one SMS", __func__);
		sms_err(err, errsz, "text does not fit one SMS");
		return SMS_PERMANENT;
	}
	if (timeout_ms <= 0)
		timeout_ms = SMS_TIMEOUT_MS;
	switch (gw->scheme) {
	case GW_FILE:
		return file_send(gw, to, text, err, errsz);
	case GW_SMPP:
		return sms_smpp_send(gw->sp, to, text, timeout_ms, msgid,
		    msgidsz, err, errsz);
	case GW_HTTP:
		return http_send(gw, to, text, timeout_ms, err, errsz);
	case GW_EXEC:
		return sms_exec_send(gw->path, to, text, timeout_ms, msgid,
		    msgidsz, err, errsz);
	default:
		return SMS_TRANSIENT;
	}
}

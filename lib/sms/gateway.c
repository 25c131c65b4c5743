/* Gateways: open, send (checking number and text first), close; the
 * file transport and the HTTP templates. */
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


/* Free what gw holds, not gw itself. */
void
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
gateway_open(const char *url, const char *http_body, char *err,
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
int
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
int
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

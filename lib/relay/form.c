/* The relay's forms: strict application/x-www-form-urlencoded parsing
 * (WHATWG URL "application/x-www-form-urlencoded", made strict) against
 * a closed table of keys, each with its own validator; and the session
 * cookie (RFC 6265 5.4). */
#include <string.h>

#include "b64url.h"
#include "form.h"
#include "pct.h"


static int	form_tn(const char *, size_t, struct form *);
static int	form_code(const char *, size_t, struct form *);
static int	form_csrf(const char *, size_t, struct form *);
static int	form_action(const char *, size_t, struct form *);

static const struct {
	const char	*key;
	int		(*valid)(const char *, size_t, struct form *);
} fields[FORM__MAX] = {
	[FORM_TN] = { "tn", form_tn },
	[FORM_CODE] = { "code", form_code },
	[FORM_CSRF] = { "csrf", form_csrf },
	[FORM_ACTION] = { "action", form_action },
};

static const char *const actions[ACTION__MAX] = {
	[ACTION_NONE] = "",
	[ACTION_START] = "start",
	[ACTION_CODE] = "code",
	[ACTION_RESEND] = "resend",
	[ACTION_RESTART] = "restart",
};

static const char *const errs[FORM_ERR__MAX] = {
	[FORM_OK] = "ok",
	[FORM_TOO_LARGE] = "body too large",
	[FORM_SYNTAX] = "not application/x-www-form-urlencoded",
	[FORM_ESCAPE] = "bad percent escape",
	[FORM_UNKNOWN_KEY] = "unknown key",
	[FORM_DUPLICATE] = "duplicate key",
	[FORM_INVALID] = "invalid value",
};

const char *
form_err_str(enum form_err e)
{
	return e < FORM_ERR__MAX ? errs[e] : "?";
}

/* Copy the digits of v (spaces dropped) to out; max digits at most.
 * Returns the count, or -1 on any other character or too many. */
static int
form_digits(const char *v, size_t len, char *out, size_t max)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++) {
		if (v[i] == ' ')
			continue;
		if (v[i] < '0' || v[i] > '9' || n == max)
			return -1;
		out[n++] = v[i];
	}
	out[n] = '\0';
	return (int)n;
}

static int
form_tn(const char *v, size_t len, struct form *f)
{
	size_t	 i = 0;

	while (i < len && v[i] == ' ')
		i++;
	if (i < len && v[i] == '+')
		i++;
	if (form_digits(v + i, len - i, f->tn, TN_MAX) < 1) {
		f->tn[0] = '\0';
		return -1;
	}
	return 0;
}

static int
form_code(const char *v, size_t len, struct form *f)
{
	if (form_digits(v, len, f->code, CODE_DIGITS) != CODE_DIGITS) {
		explicit_bzero(f->code, sizeof(f->code));
		return -1;
	}
	return 0;
}

static int
form_csrf(const char *v, size_t len, struct form *f)
{
	if (len != CSRF_LEN || !b64url_valid(v, len))
		return -1;
	memcpy(f->csrf, v, len);
	f->csrf[len] = '\0';
	return 0;
}

static int
form_action(const char *v, size_t len, struct form *f)
{
	int	 a;

	for (a = ACTION_NONE + 1; a < ACTION__MAX; a++)
		if (strlen(actions[a]) == len && memcmp(actions[a], v, len) ==
		    0) {
			f->action = (enum form_action)a;
			return 0;
		}
	return -1;
}

/* One key=value pair (len octets, no '&'). */
static enum form_err
form_pair(const char *p, size_t len, struct form *f, unsigned *seen)
{
	char		 k[FORM_KEY_MAX + 1], v[FORM_VALUE_MAX + 1];
	const char	*eq;
	size_t		 klen, vlen, i;
	int		 rc;
	enum form_err	 e = FORM_OK;

	if ((eq = memchr(p, '=', len)) == NULL || eq == p ||
	    memchr(eq + 1, '=', len - (size_t)(eq + 1 - p)) != NULL)
		return FORM_SYNTAX;
	rc = pct_decode(p, (size_t)(eq - p), k, sizeof(k), PCT_FORM, &klen);
	if (rc == PCT_ESCAPE || rc == PCT_RAW)
		return rc == PCT_ESCAPE ? FORM_ESCAPE : FORM_SYNTAX;
	for (i = 0; i < FORM__MAX; i++)
		if (rc == PCT_OK && strcmp(fields[i].key, k) == 0)
			break;
	if (i == FORM__MAX)
		return FORM_UNKNOWN_KEY;
	if (*seen & FORM_BIT(i))
		return FORM_DUPLICATE;
	*seen |= FORM_BIT(i);
	rc = pct_decode(eq + 1, len - (size_t)(eq + 1 - p), v, sizeof(v),
	    PCT_FORM, &vlen);
	if (rc == PCT_ESCAPE || rc == PCT_RAW)
		e = rc == PCT_ESCAPE ? FORM_ESCAPE : FORM_SYNTAX;
	else if (rc == PCT_OK && fields[i].valid(v, vlen, f) == 0)
		f->present |= FORM_BIT(i);
	else
		f->invalid |= FORM_BIT(i);
	explicit_bzero(v, sizeof(v));
	return e;
}

enum form_err
form_parse(const char *body, size_t len, struct form *f)
{
	const char	*amp;
	size_t		 i = 0, plen;
	unsigned	 seen = 0;
	enum form_err	 e = FORM_OK;

	memset(f, 0, sizeof(*f));
	if (len > FORM_MAX)
		return FORM_TOO_LARGE;
	while (i < len && e == FORM_OK) {
		amp = memchr(body + i, '&', len - i);
		plen = amp != NULL ? (size_t)(amp - (body + i)) : len - i;
		if (plen == 0 || (amp != NULL && i + plen + 1 == len))
			e = FORM_SYNTAX;	/* "&&", leading or trailing '&' */
		else
			e = form_pair(body + i, plen, f, &seen);
		i += plen + 1;
	}
	if (e != FORM_OK) {
		explicit_bzero(f, sizeof(*f));
		return e;
	}
	return f->invalid != 0 ? FORM_INVALID : FORM_OK;
}

/* Trim spaces and tabs around s[0..*len). */
static const char *
form_trim(const char *s, size_t *len)
{
	while (*len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

int
form_cookie(const char *header, const char *name, char id[SESSION_ID_LEN + 1])
{
	const char	*p, *semi, *eq, *n, *v;
	size_t		 seg, nlen, vlen;
	int		 found = 0;

	id[0] = '\0';
	if (header == NULL)
		return 0;
	if (strnlen(header, COOKIE_MAX + 1) > COOKIE_MAX)
		return -1;
	for (p = header; *p != '\0'; p += seg + (semi != NULL)) {
		semi = strchr(p, ';');
		seg = semi != NULL ? (size_t)(semi - p) : strlen(p);
		if ((eq = memchr(p, '=', seg)) == NULL)
			continue;
		nlen = (size_t)(eq - p);
		n = form_trim(p, &nlen);
		if (nlen != strlen(name) || memcmp(n, name, nlen) != 0)
			continue;
		vlen = seg - (size_t)(eq + 1 - p);
		v = form_trim(eq + 1, &vlen);
		if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
			v++;
			vlen -= 2;
		}
		if (found || vlen != SESSION_ID_LEN || !b64url_valid(v, vlen)) {
			id[0] = '\0';
			return -1;
		}
		memcpy(id, v, vlen);
		id[vlen] = '\0';
		found = 1;
	}
	return found;
}

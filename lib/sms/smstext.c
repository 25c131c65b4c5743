/* Rendering of the SMS text. Substitution is single-pass: a value that
 * itself holds a placeholder is not expanded again, except {link},
 * whose own {code} is the documented exception. */
#include <stdio.h>
#include <string.h>

#include "bounds.h"
#include "config.h"
#include "sms.h"
#include "smstext.h"

/* Append s to out at *n; -1 when it does not fit. */
static int
smstext_put(char *out, size_t outsz, size_t *n, const char *s, size_t len)
{
	if (*n + len >= outsz)
		return -1;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return 0;
}

/* Expand tmpl with the values; {link} is expanded recursively once. */
static int
smstext_expand(const struct config *c, const char *shown, const char *tmpl,
    const char *code, int depth, char *out, size_t outsz, size_t *n)
{
	char		 minutes[16];
	const char	*p, *e;

	snprintf(minutes, sizeof(minutes), "%d", CODE_LIFETIME / 60);
	for (p = tmpl; *p != '\0'; p = e) {
		if (*p != '{' || (e = strchr(p, '}')) == NULL) {
			e = p + 1;
			if (smstext_put(out, outsz, n, p, 1) == -1)
				return -1;
			continue;
		}
		e++;
		if (strncmp(p, "{code}", 6) == 0 && e - p == 6) {
			if (smstext_put(out, outsz, n, code, strlen(code)))
				return -1;
		} else if (strncmp(p, "{platform}", 10) == 0 && e - p == 10) {
			if (smstext_put(out, outsz, n, shown, strlen(shown)))
				return -1;
		} else if (strncmp(p, "{minutes}", 9) == 0 && e - p == 9) {
			if (smstext_put(out, outsz, n, minutes,
			    strlen(minutes)))
				return -1;
		} else if (strncmp(p, "{link}", 6) == 0 && e - p == 6) {
			if (depth == 0 && smstext_expand(c, shown, c->sms_link,
			    code, 1, out, outsz, n) == -1)
				return -1;
		} else if (smstext_put(out, outsz, n, p, (size_t)(e - p)))
			return -1;
	}
	return 0;
}

/* The lines after the text: app hashes, then the WebOTP line, which
 * the WebOTP format wants last. */
static int
smstext_tail(const struct smsfmt *f, const char *origin, const char *code,
    char *out, size_t outsz, size_t *n)
{
	size_t	 i;
	int	 sep = 0;

	for (i = 0; f != NULL && i < 3; i++) {
		if (f->hashes[i] == NULL || f->hashes[i][0] == '\0')
			continue;
		if (smstext_put(out, outsz, n, sep ? " " : "\n\n",
		    sep ? 1 : 2) == -1 || smstext_put(out, outsz, n,
		    f->hashes[i], strlen(f->hashes[i])) == -1)
			return -1;
		sep = 1;
	}
	if (origin[0] == '\0')
		return 0;
	if (smstext_put(out, outsz, n, sep ? "\n@" : "\n\n@", sep ? 2 : 3) ||
	    smstext_put(out, outsz, n, origin, strlen(origin)) == -1 ||
	    smstext_put(out, outsz, n, " #", 2) == -1 ||
	    smstext_put(out, outsz, n, code, strlen(code)) == -1)
		return -1;
	return 0;
}

int
smstext_render_for(const struct config *c, const struct smsfmt *f,
    const char *code, char *out, size_t outsz)
{
	const char	*shown = c->sms_platform, *origin = c->sms_webotp_host;
	size_t		 n = 0;

	if (f != NULL && f->shown != NULL && f->shown[0] != '\0')
		shown = f->shown;
	if (f != NULL && f->origin != NULL && f->origin[0] != '\0')
		origin = f->origin;
	out[0] = '\0';
	if (smstext_expand(c, shown, c->sms_template, code, 0, out, outsz,
	    &n) == -1)
		return -1;
	/* A trailing {link} line left empty is dropped. */
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	return smstext_tail(f, origin, code, out, outsz, &n);
}

int
smstext_render(const struct config *c, const char *code, char *out,
    size_t outsz)
{
	return smstext_render_for(c, NULL, code, out, outsz);
}

int
smstext_origin_ok(const char *s)
{
	size_t	 len = strlen(s), label = 0, i;

	if (len == 0 || len > 253 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != len)
		return 0;
	for (i = 0; i <= len; i++) {
		if (s[i] != '.' && s[i] != '\0') {
			if (++label > 63)
				return 0;
			continue;
		}
		if (label == 0 || s[i - 1] == '-' || s[i - label] == '-')
			return 0;
		label = 0;
	}
	return 1;
}

int
smstext_hash_ok(const char *s)
{
	return strlen(s) == APP_HASH_LEN && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/") == APP_HASH_LEN;
}

int
smstext_check_for(const struct config *c, const struct smsfmt *f, char *err,
    size_t errsz)
{
	char	 text[SMS_TEXT_MAX];
	int	 ucs2;

	if (smstext_render_for(c, f, "000000", text, sizeof(text)) == -1) {
		snprintf(err, errsz, "sms_template: the text is longer than "
		    "%d octets", SMS_TEXT_MAX - 1);
		return -1;
	}
	if (!sms_fits(text, &ucs2)) {
		snprintf(err, errsz, "sms_template: the text does not fit one "
		    "SMS (160 GSM-7 or 70 UCS-2 characters)");
		return -1;
	}
	return 0;
}

int
smstext_check(const struct config *c, char *err, size_t errsz)
{
	return smstext_check_for(c, NULL, err, errsz);
}

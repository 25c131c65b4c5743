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
smstext_expand(const struct config *c, const char *tmpl, const char *code,
    int depth, char *out, size_t outsz, size_t *n)
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
			if (smstext_put(out, outsz, n, c->sms_platform,
			    strlen(c->sms_platform)))
				return -1;
		} else if (strncmp(p, "{minutes}", 9) == 0 && e - p == 9) {
			if (smstext_put(out, outsz, n, minutes,
			    strlen(minutes)))
				return -1;
		} else if (strncmp(p, "{link}", 6) == 0 && e - p == 6) {
			if (depth == 0 && smstext_expand(c, c->sms_link, code,
			    1, out, outsz, n) == -1)
				return -1;
		} else if (smstext_put(out, outsz, n, p, (size_t)(e - p)))
			return -1;
	}
	return 0;
}

int
smstext_render(const struct config *c, const char *code, char *out,
    size_t outsz)
{
	size_t	 n = 0;

	out[0] = '\0';
	if (smstext_expand(c, c->sms_template, code, 0, out, outsz, &n) == -1)
		return -1;
	/* A trailing {link} line left empty is dropped. */
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	if (c->sms_webotp_host[0] != '\0') {
		if (smstext_put(out, outsz, &n, "\n\n@", 3) == -1 ||
		    smstext_put(out, outsz, &n, c->sms_webotp_host,
		    strlen(c->sms_webotp_host)) == -1 ||
		    smstext_put(out, outsz, &n, " #", 2) == -1 ||
		    smstext_put(out, outsz, &n, code, strlen(code)) == -1)
			return -1;
	}
	return 0;
}

int
smstext_check(const struct config *c, char *err, size_t errsz)
{
	char	 text[SMS_TEXT_MAX];
	int	 ucs2;

	if (smstext_render(c, "000000", text, sizeof(text)) == -1) {
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

/* Small helpers shared by the resources: URLs, ids, times. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "acme.h"
#include "b64url.h"

int
url_of(const struct req *r, char *buf, size_t size, const char *kind,
    const char *id)
{
	int	 n;

	n = snprintf(buf, size, "%s/%s%s%s", r->cfg->base_url, kind,
	    id != NULL ? "/" : "", id != NULL ? id : "");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

enum prob
path_id(struct req *r, const char *prefix, char id[ID_LEN + 1],
    const char **rest)
{
	size_t		 plen = strlen(prefix);
	const char	*p;

	if (strncmp(r->path, prefix, plen) != 0)
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	p = r->path + plen;
	if (strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") != ID_LEN || (p[ID_LEN] != '\0' &&
	    p[ID_LEN] != '/'))
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	memcpy(id, p, ID_LEN);
	id[ID_LEN] = '\0';
	*rest = p + ID_LEN;
	return PROB_NONE;
}

int
time_fmt(time_t t, char *buf, size_t size)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long
time_days(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
time_parse(const char *s, time_t *out)
{
	int	 y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0, sign = 0;
	size_t	 len = strlen(s), i;

	if (len < 20 || len > 35 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n",
	    &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't'))
		return -1;
	i = 19;
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			;
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0')
		sign = 0;
	else if ((s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 &&
	    sscanf(s + i + 1, "%2d:%2d", &oh, &om) == 2 && s[i + 3] == ':')
		sign = s[i] == '+' ? 1 : -1;
	else
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || oh > 23 || om > 59 || y < 1970 || y > 9999)
		return -1;
	*out = (time_t)time_days(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec - sign * (oh * 3600 + om * 60);
	return 0;
}

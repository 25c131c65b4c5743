/* RFC 3339 times: UTC, second precision, strictly parsed. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

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

/* The number of n digits at s, or -1 when one is not a digit. */
static int
time_num(const char *s, int n)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + s[i] - '0';
	}
	return v;
}

static int
time_mdays(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* The zone after the seconds (and fraction): *off gets its offset in
 * seconds. -1 when malformed. */
static int
time_zone(const char *z, long *off)
{
	int	 oh, om;

	*off = 0;
	if ((z[0] == 'Z' || z[0] == 'z') && z[1] == '\0')
		return 0;
	if ((z[0] != '+' && z[0] != '-') || strlen(z) != 6 || z[3] != ':' ||
	    (oh = time_num(z + 1, 2)) < 0 || (om = time_num(z + 4, 2)) < 0 ||
	    oh > 23 || om > 59)
		return -1;
	*off = (z[0] == '+' ? 1 : -1) * (long)(oh * 3600 + om * 60);
	return 0;
}

int
time_parse(const char *s, time_t *out)
{
	int		 y, mo, d, h, mi, sec;
	size_t		 i = 19;
	long		 off;

	if (strlen(s) < 20 || strlen(s) > 40 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	if ((y = time_num(s, 4)) < 1970 || (mo = time_num(s + 5, 2)) < 1 ||
	    mo > 12 || (d = time_num(s + 8, 2)) < 1 ||
	    d > time_mdays(y, mo) || (h = time_num(s + 11, 2)) < 0 ||
	    h > 23 || (mi = time_num(s + 14, 2)) < 0 || mi > 59 ||
	    (sec = time_num(s + 17, 2)) < 0 || sec > 60)
		return -1;
	if (s[i] == '.') {
		if (s[++i] < '0' || s[i] > '9')
			return -1;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (time_zone(s + i, &off) == -1)
		return -1;
	*out = (time_t)time_days(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec - off;
	return 0;
}

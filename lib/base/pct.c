/* Percent-decoding (RFC 3986 2.1), for URLs and HTML form bodies. */
#include "pct.h"

int
pct_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One decoded octet at in[*i] (advancing *i past an escape), or -1 with
 * *err set. */
static int
pct_one(const char *in, size_t len, size_t *i, unsigned flags,
    enum pct *err)
{
	int	 c = (unsigned char)in[*i], hi, lo;

	if (c == '%') {
		if (len - *i < 3 || (hi = pct_hex(in[*i + 1])) < 0 ||
		    (lo = pct_hex(in[*i + 2])) < 0 ||
		    ((flags & PCT_FORM) && hi == 0 && lo == 0)) {
			*err = PCT_ESCAPE;
			return -1;
		}
		*i += 2;
		c = hi << 4 | lo;
	} else if ((flags & PCT_FORM) && c == '+')
		c = ' ';
	else if ((flags & PCT_FORM) && (c < 0x21 || c > 0x7e)) {
		*err = PCT_RAW;
		return -1;
	}
	if ((flags & PCT_NOCTL) && (c < 0x20 || c == 0x7f)) {
		*err = PCT_CTL;
		return -1;
	}
	return c;
}

enum pct
pct_decode(const char *in, size_t len, char *out, size_t outsz,
    unsigned flags, size_t *outlen)
{
	enum pct	 rc = PCT_OK;
	size_t		 i, n = 0;
	int		 c;

	*outlen = 0;
	if (outsz == 0)
		return PCT_LONG;
	for (i = 0; i < len; i++) {
		if ((c = pct_one(in, len, &i, flags, &rc)) == -1)
			break;
		if (n + 1 < outsz)
			out[n++] = (char)c;
		else
			rc = PCT_LONG;
	}
	out[n] = '\0';
	*outlen = n;
	return rc;
}

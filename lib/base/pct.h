/* Percent-decoding (RFC 3986 2.1), for URLs and HTML form bodies. */
#ifndef PCT_H
#define PCT_H
#include <stddef.h>

enum pct {
	PCT_OK = 0,
	PCT_ESCAPE,	/* a bad %XX, or %00 in a form */
	PCT_RAW,	/* a form octet that must have been escaped */
	PCT_CTL,	/* a control character, raw or escaped */
	PCT_LONG,	/* did not fit in out */
	PCT__MAX
};

#define PCT_FORM	0x1	/* '+' is a space; raw octets visible ASCII */
#define PCT_NOCTL	0x2	/* refuse control characters */

/* Decode len octets of in into out (outsz octets with the NUL; *outlen
 * gets the decoded length). The whole input is checked even when the
 * result does not fit, so a bad escape wins over PCT_LONG; out is then
 * the truncated result. */
enum pct	 pct_decode(const char *in, size_t len, char *out,
		    size_t outsz, unsigned flags, size_t *outlen);
/* The value of a hexadecimal digit, or -1. */
int		 pct_hex(int c);

#endif

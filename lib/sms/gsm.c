/* GSM 03.38 and UCS-2: whether a text fits one SMS, and its octets. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "sms.h"
#include "transport.h"

#define GSM_ESC			0x1b
#define GSM_NONE		0xffff	/* table slot without a character */

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

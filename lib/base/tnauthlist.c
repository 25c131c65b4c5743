/* TNAuthList (RFC 8226) decode and encode through libtasn1, with the
 * project profile of PROTOCOL.md 7.4: one telephone number of 1-15 digits,
 * strict DER. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtasn1.h>

#include "asn.h"
#include "b64url.h"
#include "bounds.h"
#include "log.h"
#include "problem.h"
#include "tnauthlist.h"

#define TN_TYPE		"TN-Module-2016.TNAuthorizationList"

/* Generated from tnauthlist.asn into tnauthlist_tab.c. */
extern const asn1_static_node tnauthlist_asn1_tab[];

static struct asn_module tn_module = { tnauthlist_asn1_tab, NULL };

static enum prob	 tn_fail(enum prob, char *, size_t, char *,
			    const char *, ...)
			    __attribute__((format(printf, 5, 6)));

/* Empty tn, write the client-safe detail, return p. */
static enum prob
tn_fail(enum prob p, char *detail, size_t detailsz, char *tn,
    const char *fmt, ...)
{
	va_list	 ap;

	tn[0] = '\0';
	if (detail != NULL && detailsz > 0) {
		va_start(ap, fmt);
		vsnprintf(detail, detailsz, fmt, ap);
		va_end(ap);
	}
	return p;
}

/* Copy the value at path in from to the same path in to; buf (bufsz
 * octets) is scratch space. 1 copied, 0 absent or empty INTEGER, -1
 * internal failure. */
static int
tn_copy_value(asn1_node from, asn1_node to, const char *src,
    const char *dst, int integer, unsigned char *buf, int bufsz)
{
	const void	*v = buf;
	int		 len = bufsz, rc;

	if (asn1_read_value(from, src, buf, &len) != ASN1_SUCCESS)
		return 0;
	if (len == 0) {
		if (integer)
			return 0;
		v = "";		/* length 0 means a NUL-terminated string */
	}
	if ((rc = asn1_write_value(to, dst, v, len)) != ASN1_SUCCESS) {
		log_err("%s: asn1_write_value %s: %s", __func__, dst,
		    asn1_strerror(rc));
		return -1;
	}
	return 1;
}

/* Append entry i of from to to, value by value. 1 done, 0 entry not
 * readable, -1 internal failure. */
static int
tn_copy_entry(asn1_node from, asn1_node to, int i, unsigned char *buf,
    int bufsz)
{
	char	 path[48], alt[16], dst[32];
	int	 len = sizeof(alt) - 1, rc;

	snprintf(path, sizeof(path), "?%d", i);
	if (asn1_read_value(from, path, alt, &len) != ASN1_SUCCESS || len <= 0)
		return 0;
	alt[len] = '\0';
	if ((rc = asn1_write_value(to, "", "NEW", 1)) != ASN1_SUCCESS ||
	    (rc = asn1_write_value(to, "?LAST", alt, 1)) != ASN1_SUCCESS) {
		log_err("%s: asn1_write_value: %s", __func__,
		    asn1_strerror(rc));
		return -1;
	}
	if (strcmp(alt, "range") != 0) {
		snprintf(path, sizeof(path), "?%d.%s", i, alt);
		snprintf(dst, sizeof(dst), "?LAST.%s", alt);
		return tn_copy_value(from, to, path, dst, 0, buf, bufsz);
	}
	snprintf(path, sizeof(path), "?%d.range.start", i);
	if ((rc = tn_copy_value(from, to, path, "?LAST.range.start", 0, buf,
	    bufsz)) != 1)
		return rc;
	snprintf(path, sizeof(path), "?%d.range.count", i);
	return tn_copy_value(from, to, path, "?LAST.range.count", 1, buf,
	    bufsz);
}

/* Whether the DER encoding of a structure built afresh from the values
 * of node is der itself. libtasn1 keeps string length octets as they
 * were received, so encoding node again would not show a long-form
 * length. 1 yes, 0 no, -1 internal failure. */
static int
tn_canonical(asn1_node node, const unsigned char *der, int len)
{
	asn1_node	 copy = NULL;
	unsigned char	*buf = NULL;
	int		 i, n, rc, blen, ret = -1;

	if ((buf = malloc((size_t)len)) == NULL) {
		log_err("%s: malloc", __func__);
		goto out;
	}
	if ((copy = asn_element(&tn_module, TN_TYPE)) == NULL)
		goto out;
	if (asn1_number_of_elements(node, "", &n) != ASN1_SUCCESS)
		n = 0;
	for (i = 1; i <= n; i++)
		if ((ret = tn_copy_entry(node, copy, i, buf, len)) != 1)
			goto out;
	blen = len;
	rc = asn1_der_coding(copy, "", buf, &blen, NULL);
	if (rc == ASN1_MEM_ERROR)
		ret = 0;
	else if (rc != ASN1_SUCCESS) {
		log_err("%s: asn1_der_coding: %s", __func__, asn1_strerror(rc));
		ret = -1;
	} else
		ret = blen == len && memcmp(buf, der, (size_t)len) == 0;
out:
	asn1_delete_structure(&copy);
	free(buf);
	return ret;
}

/* Whether der decodes into node as DER, with nothing left over, and is
 * the encoding its values would have. 1 yes, 0 no, -1 internal failure. */
static int
tn_decode_strict(asn1_node *node, const unsigned char *der, size_t len)
{
	int	 used, rc;

	if (len == 0 || len > INT_MAX)
		return 0;
	used = (int)len;
	rc = asn1_der_decoding2(node, der, &used, ASN1_DECODE_FLAG_STRICT_DER,
	    NULL);
	if (rc != ASN1_SUCCESS || (size_t)used != len)
		return 0;
	return tn_canonical(*node, der, used);
}

/* Apply the profile to the number read from the single entry. */
static enum prob
tn_check_number(asn1_node node, char tn[TN_MAX + 1], char *detail,
    size_t detailsz)
{
	int	 len, rc, i;

	len = TN_MAX;
	rc = asn1_read_value(node, "?1.one", tn, &len);
	if (rc == ASN1_MEM_ERROR)
		return tn_fail(PROB_REJECTED_IDENTIFIER, detail, detailsz, tn,
		    "the telephone number has more than %d digits", TN_MAX);
	if (rc != ASN1_SUCCESS)
		return tn_fail(PROB_MALFORMED, detail, detailsz, tn,
		    "TNAuthList could not be decoded");
	if (len <= 0)
		return tn_fail(PROB_REJECTED_IDENTIFIER, detail, detailsz, tn,
		    "the telephone number is empty");
	for (i = 0; i < len; i++) {
		if (tn[i] == '#' || tn[i] == '*')
			return tn_fail(PROB_REJECTED_IDENTIFIER, detail,
			    detailsz, tn, "the telephone number contains "
			    "'#' or '*' and cannot receive SMS");
		if (tn[i] < '0' || tn[i] > '9')
			return tn_fail(PROB_REJECTED_IDENTIFIER, detail,
			    detailsz, tn, "the telephone number may hold "
			    "only the digits 0-9");
	}
	tn[len] = '\0';
	/* E.164: the country code comes first, and none starts with 0; the
	 * shortest numbers in use (country code included) have 7 digits.
	 * So each number has one spelling, and one per-number budget. */
	if (tn[0] == '0')
		return tn_fail(PROB_REJECTED_IDENTIFIER, detail, detailsz, tn,
		    "the telephone number must be E.164, starting with its "
		    "country code, which never starts with 0");
	if (len < TN_MIN)
		return tn_fail(PROB_REJECTED_IDENTIFIER, detail, detailsz, tn,
		    "the telephone number has fewer than %d digits", TN_MIN);
	return PROB_NONE;
}

/* Apply the profile to a decoded TNAuthorizationList. */
static enum prob
tn_check(asn1_node node, char tn[TN_MAX + 1], char *detail, size_t detailsz)
{
	char	 alt[16];
	int	 n, len, rc;

	if (asn1_number_of_elements(node, "", &n) != ASN1_SUCCESS)
		n = 0;
	if (n == 0)
		return tn_fail(PROB_REJECTED_IDENTIFIER, detail, detailsz, tn,
		    "TNAuthList holds no entries; exactly one telephone "
		    "number is accepted");
	if (n > 1)
		return tn_fail(PROB_REJECTED_IDENTIFIER, detail, detailsz, tn,
		    "TNAuthList holds %d entries; exactly one telephone "
		    "number is accepted", n);
	len = sizeof(alt);
	rc = asn1_read_value(node, "?1", alt, &len);
	if (rc != ASN1_SUCCESS || len <= 0 || (size_t)len >= sizeof(alt))
		return tn_fail(PROB_MALFORMED, detail, detailsz, tn,
		    "TNAuthList could not be decoded");
	alt[len] = '\0';
	if (strcmp(alt, "spc") == 0)
		return tn_fail(PROB_REJECTED_IDENTIFIER, detail, detailsz, tn,
		    "TNAuthList holds a service provider code; only a "
		    "single telephone number is accepted");
	if (strcmp(alt, "range") == 0)
		return tn_fail(PROB_REJECTED_IDENTIFIER, detail, detailsz, tn,
		    "TNAuthList holds a telephone number range; only a "
		    "single telephone number is accepted");
	return tn_check_number(node, tn, detail, detailsz);
}

enum prob
tnauthlist_parse(const unsigned char *der, size_t len, char tn[TN_MAX + 1],
    char *detail, size_t detailsz)
{
	asn1_node	 node;
	enum prob	 p;
	int		 rc;

	if ((node = asn_element(&tn_module, TN_TYPE)) == NULL)
		return tn_fail(PROB_SERVER_INTERNAL, detail, detailsz, tn,
		    "internal error");
	rc = tn_decode_strict(&node, der, len);
	if (rc == -1)
		p = tn_fail(PROB_SERVER_INTERNAL, detail, detailsz, tn,
		    "internal error");
	else if (rc == 0)
		p = tn_fail(PROB_MALFORMED, detail, detailsz, tn,
		    "TNAuthList is not a DER TNAuthorizationList");
	else
		p = tn_check(node, tn, detail, detailsz);
	asn1_delete_structure(&node);
	return p;
}

enum prob
tnauthlist_ident_parse(const char *value, size_t len, unsigned char *der,
    size_t *derlen, char tn[TN_MAX + 1], char *detail, size_t detailsz)
{
	size_t		 cap = *derlen;
	ssize_t		 n;
	enum prob	 p;

	*derlen = 0;
	if (len == 0)
		return tn_fail(PROB_MALFORMED, detail, detailsz, tn,
		    "the TNAuthList identifier value is empty");
	if (len > IDENT_VALUE_MAX || len / 4 * 3 + (len % 4) * 3 / 4 > cap)
		return tn_fail(PROB_MALFORMED, detail, detailsz, tn,
		    "the TNAuthList identifier value is too long");
	if ((n = b64url_decode(value, len, der, cap)) <= 0)
		return tn_fail(PROB_MALFORMED, detail, detailsz, tn,
		    "the TNAuthList identifier value is not base64url "
		    "without padding");
	p = tnauthlist_parse(der, (size_t)n, tn, detail, detailsz);
	if (p == PROB_NONE)
		*derlen = (size_t)n;
	return p;
}

/* Whether tn is 1 to TN_MAX digits. */
static int
tn_valid(const char *tn)
{
	size_t	 i;

	for (i = 0; tn[i] != '\0'; i++)
		if (i >= TN_MAX || tn[i] < '0' || tn[i] > '9')
			return 0;
	return i > 0;
}

int
tnauthlist_encode(const char *tn, unsigned char *der, size_t *derlen)
{
	asn1_node	 node = NULL;
	int		 len, rc, ret = -1;

	if (!tn_valid(tn)) {
		log_err("%s: not a telephone number of 1-%d digits",
		    __func__, TN_MAX);
		return -1;
	}
	if ((node = asn_element(&tn_module, TN_TYPE)) == NULL)
		return -1;
	if ((rc = asn1_write_value(node, "", "NEW", 1)) != ASN1_SUCCESS ||
	    (rc = asn1_write_value(node, "?LAST", "one", 1)) != ASN1_SUCCESS ||
	    (rc = asn1_write_value(node, "?LAST.one", tn, (int)strlen(tn))) !=
	    ASN1_SUCCESS) {
		log_err("%s: asn1_write_value: %s", __func__,
		    asn1_strerror(rc));
		goto out;
	}
	len = *derlen > INT_MAX ? INT_MAX : (int)*derlen;
	if ((rc = asn1_der_coding(node, "", der, &len, NULL)) !=
	    ASN1_SUCCESS) {
		log_err("%s: asn1_der_coding: %s", __func__,
		    asn1_strerror(rc));
		goto out;
	}
	*derlen = (size_t)len;
	ret = 0;
out:
	asn1_delete_structure(&node);
	return ret;
}

int
tnauthlist_prefix_allowed(const char *tn, const char *const *prefixes,
    size_t n)
{
	size_t	 i, plen;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (prefixes[i] == NULL || (plen = strlen(prefixes[i])) == 0)
			continue;
		if (strncmp(tn, prefixes[i], plen) == 0)
			return 1;
	}
	return 0;
}

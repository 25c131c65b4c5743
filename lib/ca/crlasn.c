/* CRL rewriting through libtasn1: adds reasonCode entry extensions
 * (RFC 5280 5.3.1) to a CRL that GnuTLS built, and puts the new
 * signature in. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtasn1.h>

#include "asn.h"
#include "bounds.h"
#include "crlasn.h"
#include "log.h"
#include "x509.h"

#define CRL_LIST	"Idprover-CRL.CertificateList"
#define CRL_TBS		"Idprover-CRL.TBSCertList"
#define CRL_REASON	"Idprover-CRL.CRLReason"
#define OID_REASON	"2.5.29.21"	/* id-ce-cRLReasons */
#define LAST		"revokedCertificates.?LAST"
#define LAST_EXT	LAST ".crlEntryExtensions"

/* Generated from crlasn.asn into crlasn_tab.c. */
extern const asn1_static_node crlasn_asn1_tab[];

static struct asn_module crl_module = { crlasn_asn1_tab, NULL };

/* Decode der (len octets) as type; NULL (logged) on failure. */
static asn1_node
crl_decode(const char *type, const unsigned char *der, size_t len)
{
	asn1_node	 node;
	char		 err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	int		 rc, used;

	if (len > INT_MAX) {
		log_err("%s: %zu octets", __func__, len);
		return NULL;
	}
	if ((node = asn_element(&crl_module, type)) == NULL)
		return NULL;
	used = (int)len;
	err[0] = '\0';
	rc = asn1_der_decoding2(&node, der, &used, ASN1_DECODE_FLAG_STRICT_DER,
	    err);
	if (rc != ASN1_SUCCESS || (size_t)used != len) {
		log_err("%s: %s: %s %s", __func__, type, asn1_strerror(rc),
		    err);
		asn1_delete_structure(&node);
		return NULL;
	}
	return node;
}

/* DER of node into *out (malloc'd, *outlen octets). 0, or -1 (logged). */
static int
crl_encode(asn1_node node, unsigned char **out, size_t *outlen)
{
	unsigned char	*buf = NULL;
	int		 len = 0, rc;

	*out = NULL;
	rc = asn1_der_coding(node, "", NULL, &len, NULL);
	if (rc != ASN1_MEM_ERROR || len <= 0) {
		log_err("%s: asn1_der_coding: %s", __func__, asn1_strerror(rc));
		return -1;
	}
	if ((buf = malloc((size_t)len)) == NULL) {
		log_err("%s: malloc", __func__);
		return -1;
	}
	if ((rc = asn1_der_coding(node, "", buf, &len, NULL)) !=
	    ASN1_SUCCESS) {
		log_err("%s: asn1_der_coding: %s", __func__, asn1_strerror(rc));
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = (size_t)len;
	return 0;
}

/* DER of the CRLReason reason into buf (*len octets in and out). */
static int
crl_reason_der(int reason, unsigned char *buf, int *len)
{
	asn1_node	 node;
	unsigned char	 v;
	int		 rc, ret = -1;

	if (reason < 0 || reason > 10 || reason == 7) {
		log_err("%s: %d is not a CRLReason", __func__, reason);
		return -1;
	}
	if ((node = asn_element(&crl_module, CRL_REASON)) == NULL)
		return -1;
	v = (unsigned char)reason;
	if ((rc = asn1_write_value(node, "", &v, 1)) != ASN1_SUCCESS ||
	    (rc = asn1_der_coding(node, "", buf, len, NULL)) != ASN1_SUCCESS)
		log_err("%s: %s", __func__, asn1_strerror(rc));
	else
		ret = 0;
	asn1_delete_structure(&node);
	return ret;
}

/* asn1_write_value, logged. 0, or -1. */
static int
crl_write(asn1_node node, const char *path, const void *value, int len)
{
	int	 rc;

	if ((rc = asn1_write_value(node, path, value, len)) != ASN1_SUCCESS) {
		log_err("%s: %s: %s", __func__, path, asn1_strerror(rc));
		return -1;
	}
	return 0;
}

/* Give the last revoked entry of tbs a non-critical reasonCode extension
 * when reason >= 0, and no extensions otherwise. */
static int
crl_last_reason(asn1_node tbs, int reason)
{
	unsigned char	 val[8];
	int		 vlen = sizeof(val);

	if (reason < 0)
		return crl_write(tbs, LAST_EXT, NULL, 0);
	if (crl_reason_der(reason, val, &vlen) == -1 ||
	    crl_write(tbs, LAST_EXT, "NEW", 1) == -1 ||
	    crl_write(tbs, LAST_EXT ".?LAST.extnID", OID_REASON, 1) == -1 ||
	    crl_write(tbs, LAST_EXT ".?LAST.critical", "FALSE", 1) == -1 ||
	    crl_write(tbs, LAST_EXT ".?LAST.extnValue", val, vlen) == -1)
		return -1;
	return 0;
}

/* Read the value at "revokedCertificates.?i.<what>" into buf (*len
 * octets in and out, NUL-terminated). */
static int
crl_entry_read(asn1_node tbs, int i, const char *what, char *buf, int *len)
{
	char	 path[96];
	int	 rc;

	snprintf(path, sizeof(path), "revokedCertificates.?%d.%s", i, what);
	(*len)--;
	if ((rc = asn1_read_value(tbs, path, buf, len)) != ASN1_SUCCESS) {
		log_err("%s: asn1_read_value %s: %s", __func__, path,
		    asn1_strerror(rc));
		return -1;
	}
	buf[*len] = '\0';
	return 0;
}

/* Append a copy of revoked entry i (from 1) of tbs, with the reason. An
 * entry that libtasn1 decoded has lost its absent optional fields, so
 * the extensions cannot be added to it in place. */
static int
crl_entry_copy(asn1_node tbs, int i, int reason)
{
	char	 serial[SERIAL_LEN + 8], choice[16], when[32], path[64];
	int	 slen = sizeof(serial), clen = sizeof(choice);
	int	 wlen = sizeof(when);

	if (crl_entry_read(tbs, i, "userCertificate", serial, &slen) == -1 ||
	    crl_entry_read(tbs, i, "revocationDate", choice, &clen) == -1)
		return -1;
	snprintf(path, sizeof(path), "revocationDate.%s", choice);
	if (crl_entry_read(tbs, i, path, when, &wlen) == -1)
		return -1;
	snprintf(path, sizeof(path), LAST ".revocationDate.%s", choice);
	if (crl_write(tbs, "revokedCertificates", "NEW", 1) == -1 ||
	    crl_write(tbs, LAST ".userCertificate", serial, slen) == -1 ||
	    crl_write(tbs, LAST ".revocationDate", choice, 1) == -1 ||
	    crl_write(tbs, path, when, wlen) == -1)
		return -1;
	return crl_last_reason(tbs, reason);
}

/* Whether revoked entry i (from 1) of tbs has the serial number s. */
static int
crl_entry_is(asn1_node tbs, int i, const unsigned char s[SERIAL_LEN])
{
	unsigned char	 v[SERIAL_LEN + 8];
	char		 path[64];
	size_t		 a = 0, b = 0, vlen;
	int		 len = sizeof(v);

	snprintf(path, sizeof(path), "revokedCertificates.?%d."
	    "userCertificate", i);
	if (asn1_read_value(tbs, path, v, &len) != ASN1_SUCCESS)
		return 0;
	vlen = (size_t)len;
	while (a < vlen && v[a] == 0)
		a++;
	while (b < SERIAL_LEN && s[b] == 0)
		b++;
	return vlen - a == SERIAL_LEN - b &&
	    memcmp(v + a, s + b, SERIAL_LEN - b) == 0;
}

int
crlasn_add_reasons(const unsigned char *crl, size_t crllen,
    const struct revoked *r, size_t n, unsigned char **tbs, size_t *tbslen)
{
	asn1_node	 list = NULL, node = NULL;
	char		 path[48];
	int		 start, end, rc, count, i, ret = -1;

	*tbs = NULL;
	if ((list = crl_decode(CRL_LIST, crl, crllen)) == NULL)
		goto out;
	rc = asn1_der_decoding_startEnd(list, crl, (int)crllen, "tbsCertList",
	    &start, &end);
	if (rc != ASN1_SUCCESS) {
		log_err("%s: asn1_der_decoding_startEnd: %s", __func__,
		    asn1_strerror(rc));
		goto out;
	}
	node = crl_decode(CRL_TBS, crl + start, (size_t)(end - start + 1));
	if (node == NULL)
		goto out;
	if (asn1_number_of_elements(node, "revokedCertificates", &count) !=
	    ASN1_SUCCESS)
		count = 0;
	if (n > INT_MAX || count != (int)n) {
		log_err("%s: %d entries, expected %zu", __func__, count, n);
		goto out;
	}
	for (i = 1; i <= count; i++) {
		if (!crl_entry_is(node, i, r[i - 1].serial)) {
			log_err("%s: entry %d is not the serial given", __func__,
			    i);
			goto out;
		}
		if (crl_entry_copy(node, i, r[i - 1].reason) == -1)
			goto out;
	}
	for (i = 1; i <= count; i++) {
		snprintf(path, sizeof(path), "revokedCertificates.?%d", i);
		if ((rc = asn1_delete_element(node, path)) != ASN1_SUCCESS) {
			log_err("%s: asn1_delete_element: %s", __func__,
			    asn1_strerror(rc));
			goto out;
		}
	}
	ret = crl_encode(node, tbs, tbslen);
out:
	asn1_delete_structure(&node);
	asn1_delete_structure(&list);
	return ret;
}

int
crlasn_resign(const unsigned char *crl, size_t crllen,
    const unsigned char *tbs, size_t tbslen, const unsigned char *sig,
    size_t siglen, unsigned char **out, size_t *outlen)
{
	asn1_node	 list;
	int		 ret = -1;

	*out = NULL;
	if (tbslen > INT_MAX || siglen > INT_MAX / 8) {
		log_err("%s: too long", __func__);
		return -1;
	}
	if ((list = crl_decode(CRL_LIST, crl, crllen)) == NULL)
		return -1;
	if (crl_write(list, "tbsCertList", tbs, (int)tbslen) == 0 &&
	    crl_write(list, "signature", sig, (int)siglen * 8) == 0)
		ret = crl_encode(list, out, outlen);
	asn1_delete_structure(&list);
	return ret;
}

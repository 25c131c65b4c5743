/* Revocation lookups and CRLs (RFC 5280 5). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "bounds.h"
#include "crlasn.h"
#include "caint.h"
#include "file.h"
#include "jwk.h"
#include "log.h"
#include "problem.h"
#include "tnauthlist.h"
#include "x509.h"



/*
 * Revocation.
 */

/* Serial of crt, left-padded; 0 when it cannot be one of ours. */
static int
cert_serial(gnutls_x509_crt_t crt, unsigned char serial[SERIAL_LEN])
{
	unsigned char	 buf[64];
	size_t		 sz = sizeof(buf), skip = 0;

	if (gnutls_x509_crt_get_serial(crt, buf, &sz) < 0)
		return 0;
	while (skip < sz && buf[skip] == 0)
		skip++;
	if (sz - skip > SERIAL_LEN || sz == skip)
		return 0;
	memset(serial, 0, SERIAL_LEN);
	memcpy(serial + SERIAL_LEN - (sz - skip), buf + skip, sz - skip);
	return 1;
}

/* Whether crt was issued by the CA: signature, issuer, not a CA. */
static int
cert_ours(struct ca *ca, gnutls_x509_crt_t crt)
{
	unsigned int	 status, crit;

	if (gnutls_x509_crt_verify(crt, &ca->crt, 1,
	    GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
	    GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS, &status) < 0 ||
	    status != 0)
		return 0;
	if (gnutls_x509_crt_get_ca_status(crt, &crit) > 0 ||
	    gnutls_x509_crt_equals(crt, ca->crt))
		return 0;
	return 1;
}

/* Serial and thumbprint of a certificate the CA issued. */
static enum prob
cert_ids(gnutls_x509_crt_t crt, unsigned char serial[SERIAL_LEN],
    char thumb[THUMB_LEN + 1])
{
	gnutls_pubkey_t	 pub = NULL;
	unsigned char	 pt[POINT_LEN];
	enum prob	 p = PROB_SERVER_INTERNAL;
	int		 rc;

	if (!cert_serial(crt, serial))
		return PROB_NOT_FOUND;
	if ((rc = gnutls_pubkey_init(&pub)) < 0 ||
	    (rc = gnutls_pubkey_import_x509(pub, crt, 0)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	if ((rc = ec_point(pub, pt)) == 0)
		p = PROB_NOT_FOUND;
	else if (rc == 1 && point_thumb(pt, thumb) == 0)
		p = PROB_NONE;
out:
	gnutls_pubkey_deinit(pub);
	return p;
}

enum prob
ca_cert_check(struct ca *ca, const unsigned char *der, size_t len,
    unsigned char serial[SERIAL_LEN], char thumb[THUMB_LEN + 1])
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_datum_t		 d;
	enum prob		 p;
	int			 rc;

	memset(serial, 0, SERIAL_LEN);
	thumb[0] = '\0';
	if (len == 0 || len > CERT_DER_MAX)
		return PROB_MALFORMED;
	if ((rc = gnutls_x509_crt_init(&crt)) < 0) {
		log_err("%s: gnutls_x509_crt_init: %s", __func__,
		    gnutls_strerror(rc));
		return PROB_SERVER_INTERNAL;
	}
	d.data = (unsigned char *)der;
	d.size = (unsigned int)len;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0)
		p = PROB_MALFORMED;
	else if (!cert_ours(ca, crt))
		p = PROB_NOT_FOUND;
	else
		p = cert_ids(crt, serial, thumb);
	if (p != PROB_NONE) {
		memset(serial, 0, SERIAL_LEN);
		thumb[0] = '\0';
	}
	gnutls_x509_crt_deinit(crt);
	return p;
}

/* The entries, number, dates and AKI of a CRL, signed. */
static int
crl_fill(struct ca *ca, gnutls_x509_crl_t crl, const struct revoked *r,
    size_t n, unsigned long number, time_t this_update, time_t next_update)
{
	unsigned char	 s[1 + SERIAL_LEN], num[1 + sizeof(number)];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(number); i++)
		num[sizeof(num) - 1 - i] = (unsigned char)(number >> (8 * i));
	num[0] = 0;
	s[0] = 0;	/* keep every serial a positive INTEGER */
	if ((rc = gnutls_x509_crl_set_version(crl, 2)) < 0 ||
	    (rc = gnutls_x509_crl_set_this_update(crl, this_update)) < 0 ||
	    (rc = gnutls_x509_crl_set_next_update(crl, next_update)) < 0 ||
	    (rc = gnutls_x509_crl_set_number(crl, num, sizeof(num))) < 0 ||
	    (rc = gnutls_x509_crl_set_authority_key_id(crl, ca->ski,
	    ca->skilen)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		return -1;
	}
	for (i = 0; i < n; i++) {
		memcpy(s + 1, r[i].serial, SERIAL_LEN);
		if ((rc = gnutls_x509_crl_set_crt_serial(crl, s, sizeof(s),
		    r[i].when)) < 0) {
			log_err("%s: gnutls_x509_crl_set_crt_serial: %s",
			    __func__, gnutls_strerror(rc));
			return -1;
		}
	}
	if ((rc = gnutls_x509_crl_privkey_sign(crl, ca->crt, ca->key,
	    GNUTLS_DIG_SHA256, 0)) < 0) {
		log_err("%s: gnutls_x509_crl_privkey_sign: %s", __func__,
		    gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

/* Add the reasonCode entry extensions to crl and sign it again. */
static int
crl_reasons(struct ca *ca, const gnutls_datum_t *crl, const struct revoked *r,
    size_t n, unsigned char **der, size_t *derlen)
{
	unsigned char	*tbs = NULL;
	size_t		 tbslen;
	gnutls_datum_t	 t, sig = { NULL, 0 };
	int		 rc, ret = -1;

	if (crlasn_add_reasons(crl->data, crl->size, r, n, &tbs,
	    &tbslen) == -1)
		goto out;
	t.data = tbs;
	t.size = (unsigned int)tbslen;
	if ((rc = gnutls_privkey_sign_data2(ca->key, GNUTLS_SIGN_ECDSA_SHA256,
	    0, &t, &sig)) < 0) {
		log_err("%s: gnutls_privkey_sign_data2: %s", __func__,
		    gnutls_strerror(rc));
		goto out;
	}
	ret = crlasn_resign(crl->data, crl->size, tbs, tbslen, sig.data,
	    sig.size, der, derlen);
out:
	gnutls_free(sig.data);
	free(tbs);
	return ret;
}

int
ca_crl(struct ca *ca, const struct revoked *r, size_t n,
    unsigned long number, time_t this_update, time_t next_update,
    unsigned char **der, size_t *derlen)
{
	gnutls_x509_crl_t	 crl = NULL;
	gnutls_datum_t		 out = { NULL, 0 };
	size_t			 i;
	int			 rc, reasons = 0, ret = -1;

	*der = NULL;
	*derlen = 0;
	for (i = 0; i < n; i++)
		if (r[i].reason >= 0)
			reasons = 1;
	if ((rc = gnutls_x509_crl_init(&crl)) < 0) {
		log_err("%s: gnutls_x509_crl_init: %s", __func__,
		    gnutls_strerror(rc));
		goto out;
	}
	if (crl_fill(ca, crl, r, n, number, this_update, next_update) == -1)
		goto out;
	if ((rc = gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER,
	    &out)) < 0) {
		log_err("%s: gnutls_x509_crl_export2: %s", __func__,
		    gnutls_strerror(rc));
		goto out;
	}
	if (reasons)
		ret = crl_reasons(ca, &out, r, n, der, derlen);
	else
		ret = datum_dup(&out, der, derlen);
out:
	gnutls_free(out.data);
	gnutls_x509_crl_deinit(crl);
	return ret;
}

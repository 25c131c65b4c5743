/* What a certificate says, read with GnuTLS for the platform side (the
 * relay's result page): its number, subject and end of validity. */
#include <stdio.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "b64url.h"
#include "bounds.h"
#include "certinfo.h"
#include "problem.h"
#include "tnauthlist.h"

/* The TNAuthList number of a parsed certificate, or "" when it has none
 * of the project's profile. */
static void
certinfo_tn(gnutls_x509_crt_t crt, char tn[TN_MAX + 1])
{
	unsigned char	 ext[TNAUTHLIST_DER_MAX];
	size_t		 len = sizeof(ext);
	char		 detail[DETAIL_MAX];

	tn[0] = '\0';
	if (gnutls_x509_crt_get_extension_by_oid(crt, TNAUTHLIST_OID, 0, ext,
	    &len, NULL) < 0 || tnauthlist_parse(ext, len, tn, detail,
	    sizeof(detail)) != PROB_NONE)
		tn[0] = '\0';
}

int
certinfo_read(const unsigned char *der, size_t len, char tn[TN_MAX + 1],
    char *subject, size_t subjectsz, time_t *not_after)
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_datum_t		 d = { (unsigned char *)der, (unsigned)len };
	gnutls_datum_t		 dn = { NULL, 0 };
	int			 rc = -1;

	if (len == 0 || len > CERT_DER_MAX ||
	    gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn3(crt, &dn, 0) < 0 ||
	    (*not_after = gnutls_x509_crt_get_expiration_time(crt)) ==
	    (time_t)-1)
		goto out;
	snprintf(subject, subjectsz, "%.*s", (int)dn.size, (char *)dn.data);
	certinfo_tn(crt, tn);
	rc = 0;
out:
	gnutls_free(dn.data);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int
certinfo_certid(const unsigned char *der, size_t len, char *out,
    size_t outsz)
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_datum_t		 d = { (unsigned char *)der, (unsigned)len };
	unsigned char		 aki[AKI_MAX], ser[CERT_SERIAL_MAX];
	size_t			 al = sizeof(aki), sl = sizeof(ser), n;
	int			 rc = -1;

	if (len == 0 || len > CERT_DER_MAX || outsz == 0 ||
	    gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_authority_key_id(crt, aki, &al, NULL) < 0 ||
	    gnutls_x509_crt_get_serial(crt, ser, &sl) < 0 ||
	    (n = b64url_encode(aki, al, out, outsz)) == 0 || n + 2 >= outsz ||
	    b64url_encode(ser, sl, out + n + 1, outsz - n - 1) == 0)
		goto out;
	out[n] = '.';
	rc = 0;
out:
	gnutls_x509_crt_deinit(crt);
	return rc;
}

/* The identifiers of an issued certificate that an ACME renewal
 * information certID names (RFC 9773 4.1): the keyIdentifier of its
 * authorityKeyIdentifier and the content octets of its serial. */
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "bounds.h"
#include "log.h"
#include "x509.h"

int
x509_cert_ids(const unsigned char *der, size_t len,
    unsigned char aki[AKI_MAX], size_t *akilen,
    unsigned char serial[CERT_SERIAL_MAX], size_t *seriallen)
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_datum_t		 d;
	int			 rc, ret = -1;

	*akilen = AKI_MAX;
	*seriallen = CERT_SERIAL_MAX;
	d.data = (unsigned char *)der;
	d.size = (unsigned int)len;
	if (len == 0 || len > CERT_DER_MAX)
		return -1;
	if ((rc = gnutls_x509_crt_init(&crt)) < 0 ||
	    (rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER)) < 0 ||
	    (rc = gnutls_x509_crt_get_authority_key_id(crt, aki, akilen,
	    NULL)) < 0 ||
	    (rc = gnutls_x509_crt_get_serial(crt, serial, seriallen)) < 0) {
		log_err("%s: %s", __func__, gnutls_strerror(rc));
		goto out;
	}
	ret = 0;
out:
	gnutls_x509_crt_deinit(crt);
	return ret;
}

/* crl: the CRL named by issued certificates. */
#include "acme.h"

static const struct program prog = {
	.name = "crl",
	.path = "/crl",
	.methods = M_GET | M_HEAD,
	.auth = AUTH_KID,
	.get = acme_crl,
	.post = NULL,
	.init = acme_ca_init,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

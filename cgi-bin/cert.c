/* cert: certificate download (RFC 8555 7.4.2). */
#include "acme.h"

static const struct program prog = {
	.name = "cert",
	.path = "/cert/",
	.methods = M_POST,
	.auth = AUTH_KID,
	.get = NULL,
	.post = acme_cert_post,
	.init = acme_ca_init,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

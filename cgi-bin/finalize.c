/* finalize: finalize: CSR checks and issuance (RFC 8555 7.4). */
#include "acme.h"

static const struct program prog = {
	.name = "finalize",
	.path = "/finalize/",
	.methods = M_POST,
	.auth = AUTH_KID,
	.get = NULL,
	.post = acme_finalize,
	.init = acme_ca_init,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

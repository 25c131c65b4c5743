/* revoke-cert: revocation (RFC 8555 7.6). */
#include "acme.h"

static const struct program prog = {
	.name = "revoke-cert",
	.path = "/revoke-cert",
	.methods = M_POST,
	.auth = AUTH_EITHER,
	.get = NULL,
	.post = acme_revoke,
	.init = acme_ca_init,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

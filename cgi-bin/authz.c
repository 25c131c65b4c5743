/* authz: an authorization and its deactivation (RFC 8555 7.5). */
#include "acme.h"

static const struct program prog = {
	.name = "authz",
	.path = "/authz/",
	.methods = M_POST,
	.auth = AUTH_KID,
	.get = NULL,
	.post = acme_authz_post,
	.init = NULL,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

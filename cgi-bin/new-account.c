/* new-account: account creation and lookup by key (RFC 8555 7.3). */
#include "acme.h"

static const struct program prog = {
	.name = "new-account",
	.path = "/new-account",
	.methods = M_POST,
	.auth = AUTH_JWK,
	.get = NULL,
	.post = acme_account_new,
	.init = NULL,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

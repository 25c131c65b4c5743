/* account: an account, its update and deactivation, its orders list. */
#include "acme.h"

static const struct program prog = {
	.name = "account",
	.path = "/acct/",
	.methods = M_POST,
	.auth = AUTH_KID,
	.get = NULL,
	.post = acme_account_post,
	.init = NULL,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

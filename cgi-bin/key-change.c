/* key-change: account key roll-over (RFC 8555 7.3.5). */
#include "acme.h"

static const struct program prog = {
	.name = "key-change",
	.path = "/key-change",
	.methods = M_POST,
	.auth = AUTH_KID,
	.get = NULL,
	.post = acme_key_change,
	.init = NULL,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

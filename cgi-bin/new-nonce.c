/* new-nonce: fresh nonces (RFC 8555 7.2). */
#include "acme.h"

static const struct program prog = {
	.name = "new-nonce",
	.path = "/new-nonce",
	.methods = M_GET | M_HEAD | M_POST,
	.auth = AUTH_KID,
	.get = acme_nonce,
	.get_nostore = 1,
	.post = acme_nonce_post,
	.init = NULL,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

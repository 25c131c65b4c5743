/* new-order: telephone-number orders (RFC 8555 7.4, RFC 9448). */
#include "acme.h"

static const struct program prog = {
	.name = "new-order",
	.path = "/new-order",
	.methods = M_POST,
	.auth = AUTH_KID,
	.get = NULL,
	.post = acme_order_new,
	.init = NULL,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

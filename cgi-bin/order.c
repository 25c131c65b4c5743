/* order: an order, POST-as-GET (RFC 8555 7.1.3). */
#include "acme.h"

static const struct program prog = {
	.name = "order",
	.path = "/order/",
	.methods = M_POST,
	.auth = AUTH_KID,
	.get = NULL,
	.post = acme_order_post,
	.init = NULL,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

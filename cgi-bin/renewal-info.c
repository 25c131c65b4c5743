/* renewal-info: ACME Renewal Information (RFC 9773), GET without a JWS. */
#include "acme.h"

static const struct program prog = {
	.name = "renewal-info",
	.path = "/renewal-info/",
	.methods = M_GET | M_HEAD,
	.auth = AUTH_KID,
	.get = acme_renewal_info,
	.post = NULL,
	.init = NULL,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

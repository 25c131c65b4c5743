/* directory: the ACME directory (RFC 8555 7.1.1). */
#include "acme.h"

static const struct program prog = {
	.name = "directory",
	.path = "/directory",
	.methods = M_GET | M_HEAD | M_POST,
	.auth = AUTH_KID,
	.get = acme_directory,
	.get_nostore = 1,
	.post = acme_directory,
	.init = NULL,
	.after = NULL,
};

int
main(void)
{
	return serve(&prog);
}

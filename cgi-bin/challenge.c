/* challenge: the sms-link-00 challenge. */
#include "acme.h"

static const struct program prog = {
	.name = "challenge",
	.path = "/chall/",
	.methods = M_POST,
	.auth = AUTH_KID,
	.get = NULL,
	.post = acme_challenge_post,
	.init = acme_sms_init,
	.after = acme_challenge_after,
	.idle = acme_challenge_idle,
};

int
main(void)
{
	return serve(&prog);
}

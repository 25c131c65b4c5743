/* relay: the platform's code-entry page (lib/relay/), mounted at the
 * path of relay_url (/relay by default). A page for people on serve():
 * HTML form posts instead of JWS, its own store, pages instead of
 * problem documents. */
#include "relay.h"

static const struct program prog = {
	.name = "relay",
	.path = NULL,		/* every path below the root: relay_get */
	.methods = M_GET | M_HEAD | M_POST,
	.get = relay_get,
	.post = relay_post,
	.init = relay_init,
	.after = NULL,
	.body = BODY_FORM,
	.page = 1,
	.open = relay_open,
	.error = relay_error,
	.idle = relay_idle,
};

int
main(void)
{
	return serve(&prog);
}

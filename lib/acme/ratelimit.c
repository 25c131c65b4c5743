/* Rate limits: fixed windows counted in the store, inside the request's
 * transaction, so a refused request changes no counter. */
#include <stdio.h>

#include "acme.h"
#include "ratelimit.h"

enum prob
limit_take(struct req *r, const char *key, long window, long max,
    const char *what)
{
	char	 k[128];
	long	 end = ((long)r->now / window + 1) * window, v;

	snprintf(k, sizeof(k), "%s/%ld", key, end);
	if (store_count(r->st, k, end, 0, &v) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	if (v >= max) {
		r->retry_after = end - (long)r->now;
		return resp_fail(r, PROB_RATE_LIMITED, "limit reached: %s "
		    "(%ld per %s); retry in %ld s", what, max,
		    window == 3600 ? "hour" : "day", r->retry_after);
	}
	return PROB_NONE;
}

int
limit_add(struct req *r, const char *key, long window)
{
	char	 k[128];
	long	 end = ((long)r->now / window + 1) * window, v;

	snprintf(k, sizeof(k), "%s/%ld", key, end);
	return store_count(r->st, k, end, 1, &v) == STORE_OK ? 0 : -1;
}

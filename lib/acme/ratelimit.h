/* Rate limits over fixed windows (one hour, one day). */
#ifndef RATELIMIT_H
#define RATELIMIT_H

struct req;

/* PROB_RATE_LIMITED (Retry-After set, detail naming what) when the
 * counter key of the current window has reached max. */
enum prob	 limit_take(struct req *, const char *key, long window,
		    long max, const char *what);
/* Count one event under key in the current window. */
int		 limit_add(struct req *, const char *key, long window);

#endif

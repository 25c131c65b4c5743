/* Rate limits over sliding windows (the last hour, the last day). */
#ifndef RATELIMIT_H
#define RATELIMIT_H

struct req;

/* PROB_RATE_LIMITED (Retry-After set to the wait until the window holds
 * fewer than max, the detail naming what) when key's window of the last
 * `window` seconds holds max events or more. window is a multiple of 60
 * seconds from one minute to 45 days. */
enum prob	 limit_take(struct req *, const char *key, long window,
		    long max, const char *what);
/* The events of key's window ending at the request's time, or -1. */
long		 limit_count(struct req *, const char *key, long window);
/* Count one event under key at the request's time. */
int		 limit_add(struct req *, const char *key, long window);
/* The limits on new accounts (per client address, and in all): count 0
 * checks them, count 1 counts one new account. */
enum prob	 limit_accounts(struct req *, int count);

#endif

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
/* Read the windows of n limits (keys[i] over windows[i] seconds) ahead,
 * together (store_window_prefetch): the limit calls on them that follow
 * cost no round trip of their own. At most LIMIT_AHEAD_MAX. -1: failed. */
#define LIMIT_AHEAD_MAX	16
int		 limit_prefetch(struct req *, const char *const *keys,
		    const long *windows, int n);
/* Every platform (store_platforms_windows, PLATFORMS_MAX at most) with
 * the events of its window pre NAME over the last `window` seconds, in
 * one store call; fn returns 0 to stop. -1: failed. */
struct platform;
int		 limit_platforms(struct req *, const char *pre, long window,
		    int (*fn)(void *, const struct platform *, long events),
		    void *arg);
/* The limits on new accounts (per client address, and in all): count 0
 * checks them, count 1 counts one new account, count -1 reads their
 * windows ahead. */
enum prob	 limit_accounts(struct req *, int count);

#endif

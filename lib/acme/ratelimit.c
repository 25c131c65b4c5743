/* Rate limits over sliding windows (lib/store/window.c), counted in the
 * store inside the request's transaction, so a refused request changes
 * no counter. */
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "fcgi.h"
#include "ratelimit.h"
#include "window.h"

/* The record of key's window at now (cleared as time passed). */
static int
limit_load(struct req *r, const char *key, long window, char *k, size_t ksz,
    struct window *w)
{
	int	 rc;

	snprintf(k, ksz, "%s/%ld", key, window);
	rc = store_window_get(r->st, k, w);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return -1;
	return window_at(w, (int64_t)r->now, window);
}

int
limit_prefetch(struct req *r, const char *const *keys, const long *windows,
    int n)
{
	char		 k[LIMIT_AHEAD_MAX][128];
	const char	*kp[LIMIT_AHEAD_MAX];
	int		 i;

	if (n > LIMIT_AHEAD_MAX)
		n = LIMIT_AHEAD_MAX;
	for (i = 0; i < n; i++) {
		snprintf(k[i], sizeof(k[i]), "%s/%ld", keys[i], windows[i]);
		kp[i] = k[i];
	}
	return store_window_prefetch(r->st, kp, n) == STORE_OK ? 0 : -1;
}

static const char *
limit_span(long window)
{
	return window == 3600 ? "hour" : window == 86400 ? "day" : "window";
}

enum prob
limit_take(struct req *r, const char *key, long window, long max,
    const char *what)
{
	struct window	 w;
	char		 k[128];
	long		 retry;

	if (limit_load(r, key, window, k, sizeof(k), &w) == -1)
		return PROB_SERVER_INTERNAL;
	if (window_sum(&w, (int64_t)r->now, window, max, &retry) < max)
		return PROB_NONE;
	r->retry_after = retry;
	return resp_fail(r, PROB_RATE_LIMITED, "limit reached: %s (%ld in "
	    "any %s); retry in %ld s", what, max, limit_span(window), retry);
}

long
limit_count(struct req *r, const char *key, long window)
{
	struct window	 w;
	char		 k[128];
	long		 retry;

	if (limit_load(r, key, window, k, sizeof(k), &w) == -1)
		return -1;
	return window_sum(&w, (int64_t)r->now, window, 1L << 30, &retry);
}

int
limit_add(struct req *r, const char *key, long window)
{
	struct window	 w;
	char		 k[128];

	if (limit_load(r, key, window, k, sizeof(k), &w) == -1)
		return -1;
	window_add(&w, (int64_t)r->now, window, 1);
	return store_window_put(r->st, k, &w) == STORE_OK ? 0 : -1;
}

struct limit_walk {
	struct req	*r;
	long		 window;
	int		 bad;
	int		(*fn)(void *, const struct platform *, long);
	void		*arg;
};

static int
limit_platform_one(void *arg, const struct platform *p,
    const struct window *w)
{
	struct limit_walk	*l = arg;
	struct window		 c = *w;
	long			 retry;

	if (window_at(&c, (int64_t)l->r->now, l->window) == -1) {
		l->bad = 1;
		return 0;
	}
	return l->fn(l->arg, p, window_sum(&c, (int64_t)l->r->now, l->window,
	    1L << 30, &retry));
}

int
limit_platforms(struct req *r, const char *pre, long window,
    int (*fn)(void *, const struct platform *, long), void *arg)
{
	struct limit_walk	 l = { r, window, 0, fn, arg };
	char			 post[24];

	snprintf(post, sizeof(post), "/%ld", window);
	if (store_platforms_windows(r->st, pre, post, limit_platform_one,
	    &l) != STORE_OK || l.bad)
		return -1;
	return 0;
}

/* The key of the client's address: an IPv6 address by its /64, which
 * one subscriber usually holds whole. */
static void
limit_client(char *k, size_t ksz)
{
	const char	*a = fcgi_param("REMOTE_ADDR");
	unsigned char	 in6[16];
	char		 s[INET6_ADDRSTRLEN];

	if (a == NULL)
		a = "-";
	if (strchr(a, ':') != NULL && inet_pton(AF_INET6, a, in6) == 1) {
		memset(in6 + 8, 0, 8);
		if (inet_ntop(AF_INET6, in6, s, sizeof(s)) != NULL)
			a = s;
	}
	snprintf(k, ksz, "ip:%.64s", a);
}

enum prob
limit_accounts(struct req *r, int count)
{
	char		 k[96];
	const char	*keys[] = { k, k, "acct-new" };
	const long	 windows[] = { 3600, 86400, 3600 };
	enum prob	 p;

	limit_client(k, sizeof(k));
	if (count < 0)
		return limit_prefetch(r, keys, windows, 3) == 0 ? PROB_NONE :
		    PROB_SERVER_INTERNAL;
	if (count)
		return limit_add(r, k, 3600) || limit_add(r, k, 86400) ||
		    limit_add(r, "acct-new", 3600) ? PROB_SERVER_INTERNAL :
		    PROB_NONE;
	if ((p = limit_take(r, k, 3600, r->cfg->limit_new_accounts_addr_hour,
	    "new accounts per client address per hour")) != PROB_NONE ||
	    (p = limit_take(r, k, 86400, r->cfg->limit_new_accounts_addr_day,
	    "new accounts per client address per day")) != PROB_NONE ||
	    (p = limit_take(r, "acct-new", 3600,
	    r->cfg->limit_new_accounts_hour, "new accounts of this service "
	    "per hour")) != PROB_NONE)
		return p;
	return PROB_NONE;
}

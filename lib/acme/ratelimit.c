/* Rate limits over sliding windows, counted in the store inside the
 * request's transaction, so a refused request changes no counter.
 *
 * A window of length T holds the events of the last T seconds, however
 * the clock's hours and days fall: there is no boundary to burst across.
 * It is kept as WINDOW_SLOTS - 1 slots of T / (WINDOW_SLOTS - 1) seconds
 * plus the one being filled; each slot has its count and the time of its
 * latest event. The oldest slot straddles the start of the window and is
 * counted whole until its latest event is older than T, so the count is
 * never below the true number of events in the last T seconds; and
 * Retry-After, from the latest event of a slot, is exact to a slot. */
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "fcgi.h"
#include "ratelimit.h"

#define SPAN	(WINDOW_SLOTS - 1)

/* Move the window to slot k, clearing the slots it passes. */
static void
limit_advance(struct window *w, int64_t k)
{
	int64_t	 j;

	if (k <= w->slot)
		return;
	if (k - w->slot >= WINDOW_SLOTS)
		memset(w->n, 0, sizeof(w->n));
	else
		for (j = w->slot + 1; j <= k; j++)
			w->n[j % WINDOW_SLOTS] = 0;
	w->slot = k;
}

/* The time of the latest event of slot j. */
static int64_t
limit_last(const struct window *w, int64_t j, long width)
{
	return j * width + w->last[j % WINDOW_SLOTS];
}

/* Events in the window ending at now; *retry gets the seconds until one
 * fewer than max would be counted (when there are max or more). */
static long
limit_sum(const struct window *w, time_t now, long window, long max,
    long *retry)
{
	long	 width = window / SPAN, sum = 0, left;
	int64_t	 j;

	for (j = w->slot - SPAN; j <= w->slot; j++)
		if (j >= 0 && limit_last(w, j, width) > now - window)
			sum += w->n[j % WINDOW_SLOTS];
	*retry = 0;
	left = sum;
	for (j = w->slot - SPAN; j <= w->slot && left >= max; j++) {
		if (j < 0 || limit_last(w, j, width) <= now - window)
			continue;
		left -= w->n[j % WINDOW_SLOTS];
		*retry = (long)(limit_last(w, j, width) + window - now);
	}
	if (*retry < 1)
		*retry = 1;
	return sum;
}

/* The record of key's window at now (cleared as time passed). */
static int
limit_load(struct req *r, const char *key, long window, char *k, size_t ksz,
    struct window *w)
{
	int64_t	 now;
	int	 rc;

	if (window < SPAN || window % SPAN != 0 || window / SPAN > 65535)
		return -1;
	snprintf(k, ksz, "%s/%ld", key, window);
	rc = store_window_get(r->st, k, w);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return -1;
	now = (int64_t)r->now / (window / SPAN);
	/* A record from far ahead (a clock set back, or corrupt) starts
	 * over rather than overflow below. */
	if (w->slot < 0 || w->slot > now + WINDOW_SLOTS)
		memset(w, 0, sizeof(*w));
	limit_advance(w, now);
	return 0;
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
	if (limit_sum(&w, r->now, window, max, &retry) < max)
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
	return limit_sum(&w, r->now, window, 1L << 30, &retry);
}

int
limit_add(struct req *r, const char *key, long window)
{
	struct window	 w;
	char		 k[128];
	long		 width = window / SPAN;

	if (limit_load(r, key, window, k, sizeof(k), &w) == -1)
		return -1;
	w.n[w.slot % WINDOW_SLOTS]++;
	if (r->now >= w.slot * width)
		w.last[w.slot % WINDOW_SLOTS] = (uint16_t)(r->now -
		    w.slot * width);
	w.expires = (w.slot + 1) * width + window;
	return store_window_put(r->st, k, &w) == STORE_OK ? 0 : -1;
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
	enum prob	 p;

	limit_client(k, sizeof(k));
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

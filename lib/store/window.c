/* Sliding windows of rate limits, the one implementation of them.
 *
 * A window of length T holds the events of the last T seconds, however
 * the clock's hours and days fall: there is no boundary to burst across.
 * It is kept as WINDOW_SLOTS - 1 slots of T / (WINDOW_SLOTS - 1) seconds
 * plus the one being filled; each slot has its count and the time of its
 * latest event. The oldest slot straddles the start of the window and is
 * counted whole until its latest event is older than T, so the count is
 * never below the true number of events in the last T seconds; and the
 * wait, from the latest event of a slot, is exact to a slot.
 *
 * The records live in the store's counters (store_window_get/put, for
 * the ACME limits) or in a key-value database (store_window, for the
 * relay's). */
#include <stdint.h>
#include <string.h>

#include "store.h"
#include "window.h"

#define SPAN	(WINDOW_SLOTS - 1)

/* Move the window to slot k, clearing the slots it passes. */
static void
window_advance(struct window *w, int64_t k)
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
window_last(const struct window *w, int64_t j, long width)
{
	return j * width + w->last[j % WINDOW_SLOTS];
}

int
window_at(struct window *w, int64_t now, long len)
{
	int64_t	 k;

	if (len < SPAN || len % SPAN != 0 || len / SPAN > 65535 || now < 0)
		return -1;
	k = now / (len / SPAN);
	/* A record from far ahead (a clock set back, or corrupt) starts
	 * over rather than overflow below. */
	if (w->slot < 0 || w->slot > k + WINDOW_SLOTS)
		memset(w, 0, sizeof(*w));
	window_advance(w, k);
	return 0;
}

long
window_sum(const struct window *w, int64_t now, long len, long max,
    long *wait)
{
	long	 width = len / SPAN, sum = 0, left;
	int64_t	 j;

	for (j = w->slot - SPAN; j <= w->slot; j++)
		if (j >= 0 && window_last(w, j, width) > now - len)
			sum += w->n[j % WINDOW_SLOTS];
	*wait = 0;
	left = sum;
	for (j = w->slot - SPAN; j <= w->slot && left >= max; j++) {
		if (j < 0 || window_last(w, j, width) <= now - len)
			continue;
		left -= w->n[j % WINDOW_SLOTS];
		*wait = (long)(window_last(w, j, width) + len - now);
	}
	if (sum >= max && *wait < 1)
		*wait = 1;
	return sum;
}

void
window_add(struct window *w, int64_t now, long len, long n)
{
	long	 width = len / SPAN;

	w->n[w->slot % WINDOW_SLOTS] += (uint32_t)n;
	if (now >= w->slot * width)
		w->last[w->slot % WINDOW_SLOTS] = (uint16_t)(now -
		    w->slot * width);
	w->expires = (w->slot + 1) * width + len;
}

int
store_window(struct store *st, int db, const char *key, int64_t now,
    long len, long max, long n, struct window_count *out)
{
	struct window	 w;
	size_t		 got;
	int		 rc;

	if (n < 0)
		return STORE_ERR;
	rc = store_kv_get(st, db, key, strlen(key), &w, sizeof(w), &got);
	if (rc == STORE_ERR)
		return rc;
	if (rc == STORE_NOTFOUND || got != sizeof(w))
		memset(&w, 0, sizeof(w));
	if (window_at(&w, now, len) == -1)
		return STORE_ERR;
	if (n > 0)
		window_add(&w, now, len, n);
	out->value = window_sum(&w, now, len, max, &out->wait);
	if (n == 0)
		return STORE_OK;
	return store_kv_put(st, db, key, strlen(key), &w, sizeof(w));
}

int
store_window_expired(struct store *st, const void *k, size_t klen,
    const void *v, size_t vlen, void *arg)
{
	const int64_t	*now = arg;
	struct window	 w;

	(void)st;
	(void)k;
	(void)klen;
	if (vlen != sizeof(w))
		return 1;
	memcpy(&w, v, sizeof(w));
	return w.expires <= *now;
}

/* Sliding-window counters over the plain key-value calls: the count of
 * the current fixed window plus the previous window's, weighted by how
 * much of it the sliding window still covers. No burst at a window's
 * edge lets through twice the limit, as clock-aligned windows do. */
#include <stdint.h>
#include <string.h>

#include "store.h"
#include "window.h"

/* The record under each key. */
struct wrec {
	int64_t	 start;		/* of the current fixed window */
	int64_t	 len;
	int64_t	 cur, prev;
};

/* Move w forward to the fixed window holding now. */
static void
window_advance(struct wrec *w, int64_t now, int64_t len)
{
	int64_t	 k;

	if (w->len != len || w->start > now || w->cur < 0 || w->prev < 0) {
		memset(w, 0, sizeof(*w));
		w->len = len;
		w->start = now - now % len;
		return;
	}
	if (now < w->start + len)
		return;
	k = (now - w->start) / len;
	w->prev = k == 1 ? w->cur : 0;
	w->cur = 0;
	w->start += k * len;
}

/* The weighted count at now. */
static int64_t
window_value(const struct wrec *w, int64_t now)
{
	int64_t	 left = w->len - (now - w->start);

	return w->cur + (w->prev * left + w->len - 1) / w->len;
}

/* Seconds from now until the count is below max, no event added. */
static int64_t
window_wait(const struct wrec *w, int64_t now, int64_t max)
{
	int64_t	 in = now - w->start, e;

	if (window_value(w, now) < max)
		return 0;
	if (w->cur >= max) {
		/* The current window must end, then decay as the previous. */
		e = max <= 0 ? w->len : w->len - (max - 1) * w->len / w->cur;
		return w->len - in + e;
	}
	/* ceil(prev * (len - e) / len) + cur < max, e the offset in the
	 * window. */
	e = w->len - (max - w->cur - 1) * w->len / w->prev;
	return e > in ? e - in : 1;
}

int
store_window(struct store *st, int db, const char *key, int64_t now,
    long len, long max, long n, struct window_count *out)
{
	struct wrec	 w;
	size_t		 got;
	int		 rc;

	if (len <= 0 || n < 0)
		return STORE_ERR;
	rc = store_kv_get(st, db, key, strlen(key), &w, sizeof(w), &got);
	if (rc == STORE_ERR)
		return rc;
	if (rc == STORE_NOTFOUND || got != sizeof(w))
		memset(&w, 0, sizeof(w));
	window_advance(&w, now, len);
	w.cur += n;
	out->value = (long)window_value(&w, now);
	out->wait = (long)window_wait(&w, now, max);
	if (n == 0)
		return STORE_OK;
	return store_kv_put(st, db, key, strlen(key), &w, sizeof(w));
}

int
store_window_expired(struct store *st, const void *k, size_t klen,
    const void *v, size_t vlen, void *arg)
{
	const int64_t	*now = arg;
	struct wrec	 w;

	(void)st;
	(void)k;
	(void)klen;
	if (vlen != sizeof(w))
		return 1;
	memcpy(&w, v, sizeof(w));
	return w.start + 2 * w.len <= *now;
}

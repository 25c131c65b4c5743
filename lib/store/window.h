/* Sliding windows of rate limits (struct window, store.h). */
#ifndef WINDOW_H
#define WINDOW_H
#include <stddef.h>
#include <stdint.h>

struct store;
struct window;

/* Bring w (zeroed when new) to now for a window of len seconds, a
 * multiple of WINDOW_SLOTS - 1: the slots that time passed are emptied.
 * -1 when len is not usable. */
int	 window_at(struct window *, int64_t now, long len);
/* The events in the window ending at now; *wait gets the seconds until
 * fewer than max are counted (0 when fewer already are). */
long	 window_sum(const struct window *, int64_t now, long len, long max,
	    long *wait);
/* Count n events at now (after window_at). */
void	 window_add(struct window *, int64_t now, long len, long n);

struct window_count {
	long	 value;		/* events in the window ending now */
	long	 wait;		/* seconds until value is below max */
};

/*
 * Add n (0: only read) events at now to the counter key of database db,
 * a window of len seconds (a multiple of WINDOW_SLOTS - 1). out gets the count including the n, and how long until it falls
 * below max. STORE_OK or STORE_ERR (the transaction is then failed).
 */
int	 store_window(struct store *, int db, const char *key, int64_t now,
	    long len, long max, long n, struct window_count *out);

/* A due() for store_kv_prune: the counter holds nothing at *(int64_t *)
 * arg any more (or is not a counter). */
int	 store_window_expired(struct store *, const void *k, size_t klen,
	    const void *v, size_t vlen, void *arg);

#endif

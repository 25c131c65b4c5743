/* The SMS outbox: messages committed with the challenge state, then
 * delivered outside any transaction, each send leased so that two
 * workers never hand the same message to the gateway. */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <time.h>

struct order;
struct server;

/* Queue the SMS of the order's current send in the open transaction,
 * with its retry index entry; id gets the message id. -1 on failure. */
int	outbox_queue(struct server *, struct order *, const char *text,
	    time_t now, char *id);
/* Deliver one queued message now (its own transactions). Returns
 * enum sms_result, or -1 when it was not due, not deliverable, or no
 * longer waited for (then it is dropped). */
int	outbox_deliver(struct server *, const char *id, time_t now);
/* Deliver up to max messages of the retry index that are due (failed
 * sends, and sends that a process did not live to make), each after
 * checking that its challenge still waits for it; what every request to
 * a program that sends does. The number of index entries taken, or -1. */
int	outbox_retry(struct server *, time_t now, int max);
/* Deliver every due message: the number handed over, or -1. */
int	outbox_flush(struct server *, time_t now, int *failed);

#endif

/* The SMS outbox: messages committed with the challenge state, then
 * delivered outside any transaction, each send leased so that two
 * workers never hand the same message to the gateway. */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <time.h>

struct order;
struct server;

/* Queue the SMS of the order's current send in the open transaction;
 * id gets the message id. -1 on failure. */
int	outbox_queue(struct server *, struct order *, const char *text,
	    time_t now, char *id);
/* Deliver one queued message now (its own transactions). Returns
 * enum sms_result, or -1 when it was not due or not deliverable. */
int	outbox_deliver(struct server *, const char *id, time_t now);
/* Retry up to max failed messages that are due (the retry index, no
 * scan): what later requests do. The number taken, or -1. */
int	outbox_retry(struct server *, time_t now, int max);
/* Deliver every due message: the number handed over, or -1. */
int	outbox_flush(struct server *, time_t now, int *failed);

#endif

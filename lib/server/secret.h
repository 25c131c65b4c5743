/* The server secret: 32 random octets in the data folder (mode 0600),
 * keying nonces, the stored challenge digests and the sealed outbox. */
#ifndef SECRET_H
#define SECRET_H

struct config;

/* Read the secret; -1 when missing or unreadable (run init). */
int	secret_load(const struct config *, unsigned char[32]);
/* Create it when absent. */
int	secret_init(const struct config *);

#endif

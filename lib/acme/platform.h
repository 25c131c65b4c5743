/* Platforms: the parties whose accounts order. An account is
 * bound to its platform by external account binding (RFC 8555 7.3.4);
 * the platform shapes its SMS texts, has its budgets and its share of
 * the service's, and a conversion guard per number prefix. */
#ifndef PLATFORM_H
#define PLATFORM_H

#include <json-c/json.h>

#include "server.h"

/* What is counted per platform and day (idprover-admin stats). */
enum pstat { PSTAT_SENT, PSTAT_DONE, PSTAT_CERTS, PSTAT_LIMITED, PSTAT__MAX };
extern const char *const pstat_names[PSTAT__MAX];

/* newAccount: check the payload's externalAccountBinding and put the
 * name of its platform into name ("" without one, when none is
 * required). externalAccountRequired, malformed or unauthorized. */
enum prob	 platform_bind(struct req *, json_object *pl,
		    char name[PLATFORM_NAME_MAX + 1]);
/* newOrder: the signer's platform will be read (platform_order): read
 * with the handler's next read. 0, or -1 (store failure). */
int		 platform_prefetch(struct req *);
/* newOrder: the signer's platform is enabled and takes tn's prefix. */
enum prob	 platform_order(struct req *, const char *tn);
/* Before an SMS to tn for the signer's platform: enabled, the guard's
 * holds, its hourly and daily budgets, its share of the global budget
 * (*under set when it is below it: the global budget then does not
 * refuse it). Counts nothing. *p gets the platform (its name empty
 * when the signer has none). */
enum prob	 platform_sms_check(struct req *, const char *tn, int *under,
		    struct platform *p);
/* An SMS to tn was queued for the signer's platform: count it. */
int		 platform_sms_count(struct req *, const char *tn);
/* The platform's windows that an SMS to tn reads, read ahead
 * (limit_prefetch); -1: failed. */
int		 platform_sms_ahead(struct req *, const char *tn);
/* A request for an SMS was refused with a rate limit: note it (and that
 * the platform is active) in the request's kept writes. */
void		 platform_limited(struct req *);
/* A proof for tn was completed by the signer. */
int		 platform_proof_done(struct req *, const char *tn);
/* Count one event of the signer's platform today. */
int		 platform_note(struct req *, enum pstat);

/* Administration (idprover-admin). */
/* The counter key of name's event on day (days since the epoch). */
void		 platform_day_key(char *, size_t, const char *name,
		    long day, enum pstat);
/* A fresh key id and HMAC key for p, the key sealed in p with secret;
 * key gets the plain key. -1 on failure. */
int		 platform_key_new(const unsigned char secret[32],
		    struct platform *, unsigned char key[EAB_KEY_LEN]);
/* The guarded prefix of tn (its first guard_prefix_len digits). */
void		 platform_prefix(const struct config *, const char *tn,
		    char out[GUARD_PREFIX_MAX + 1]);
/* 1 when name is a platform name: 1 to PLATFORM_NAME_MAX of [a-z0-9-],
 * starting with a letter or digit. */
int		 platform_name_ok(const char *name);

#endif

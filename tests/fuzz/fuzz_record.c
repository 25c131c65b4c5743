/* libFuzzer target: decoding of stored records. The input is copied
 * into a zeroed record of each type and checked with the static
 * store_*_ok functions of lib/store/bdb_records.c; it also goes, as a raw database
 * value, through the pruning and statistics decoders that need no
 * open environment. An accepted record has terminated strings and
 * enums in range. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/store/bdb_admin.c"	/* the static prune and tally callbacks */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
term(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}
#define TERM(r, m)	term((r)->m, sizeof((r)->m))

/* The input copied into rec (size octets), zero-filled or cut. */
static void
fill(void *rec, size_t recsz, const uint8_t *data, size_t size)
{
	memset(rec, 0, recsz);
	memcpy(rec, data, size < recsz ? size : recsz);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct account	 a;
	struct order	 o;
	struct cert	 c;
	struct sms	 m;
	long		 accounts = 0, orders[ORDER__MAX], sms[OUTBOX__MAX],
			 certs = 0;
	struct tally	 t = { &accounts, orders, sms, &certs };
	DBT		 key, val;
	int64_t		 now = 1750000000;

	fill(&a, sizeof(a), data, size);
	if (store_account_ok(&a) && (a.version != RECORD_VERSION ||
	    a.status >= ACCT__MAX || !TERM(&a, id) || !TERM(&a, thumb) ||
	    !TERM(&a, key) || !TERM(&a, contact)))
		abort();
	fill(&o, sizeof(o), data, size);
	if (store_order_ok(&o) && (o.status >= ORDER__MAX ||
	    o.authz >= AUTHZ__MAX || o.chall >= CHALL__MAX ||
	    !TERM(&o, id) || !TERM(&o, acct) || !TERM(&o, ident) ||
	    !TERM(&o, tn) || !TERM(&o, token) || !TERM(&o, detail)))
		abort();
	fill(&c, sizeof(c), data, size);
	if (store_cert_ok(&c) && (c.derlen > sizeof(c.der) ||
	    !TERM(&c, id) || !TERM(&c, acct)))
		abort();
	fill(&m, sizeof(m), data, size);
	if (store_sms_ok(&m) && (m.state >= OUTBOX__MAX ||
	    m.sealedlen > sizeof(m.sealed) || !TERM(&m, id) ||
	    !TERM(&m, order) || !TERM(&m, to) || !TERM(&m, msgid) ||
	    !TERM(&m, error)))
		abort();

	/* Raw values as a cursor hands them over. */
	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	key.data = val.data = (void *)data;
	key.size = val.size = (u_int32_t)size;
	(void)store_nonce_expired(NULL, data, size, data, size, &now);
	(void)store_counter_expired(NULL, data, size, data, size, &now);
	(void)store_sms_expired(NULL, data, size, data, size, &now);
	memset(orders, 0, sizeof(orders));
	memset(sms, 0, sizeof(sms));
	(void)store_tally(NULL, &key, &val, &t);
	if (accounts + certs > 1)
		abort();
	return 0;
}

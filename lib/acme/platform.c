/* Platforms: external account binding at newAccount, the
 * platform's prefixes at newOrder, and before each SMS its budgets, its
 * fair share of the service's budget and the conversion guard. Counted
 * in the request's transaction over the sliding windows of ratelimit.c.
 *
 * Keys of the windows: "ps:NAME" (the platform's SMS), "pa:NAME" (the
 * platform asked for an SMS: it is active), "gs:NAME:PREFIX" and
 * "gd:NAME:PREFIX" (SMS sent and proofs completed per guarded prefix);
 * per day (store_count): "pd:NAME:DAY:EVENT". */
#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "crypt.h"
#include "eab.h"
#include "json.h"
#include "jws.h"
#include "log.h"
#include "platform.h"
#include "ratelimit.h"
#include "tnauthlist.h"

const char *const pstat_names[PSTAT__MAX] = { "sent", "proofs", "certs",
	"limited" };

int
platform_name_ok(const char *name)
{
	size_t	 len = strlen(name);

	return len > 0 && len <= PLATFORM_NAME_MAX && name[0] != '-' &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

void
platform_prefix(const struct config *c, const char *tn,
    char out[GUARD_PREFIX_MAX + 1])
{
	snprintf(out, GUARD_PREFIX_MAX + 1, "%.*s", (int)c->guard_prefix_len,
	    tn);
}

int
platform_key_new(const unsigned char secret[32], struct platform *p,
    unsigned char key[EAB_KEY_LEN])
{
	long	 n;

	if (crypt_id(p->kid, sizeof(p->kid)) == -1 ||
	    crypt_random(key, EAB_KEY_LEN) == -1 ||
	    (n = crypt_seal(secret, key, EAB_KEY_LEN, p->sealed,
	    sizeof(p->sealed))) < 0)
		return -1;
	p->sealedlen = (uint32_t)n;
	return 0;
}

void
platform_day_key(char *k, size_t ksz, const char *name, long day,
    enum pstat what)
{
	snprintf(k, ksz, "pd:%s:%ld:%s", name, day, pstat_names[what]);
}

int
platform_note(struct req *r, enum pstat what)
{
	char	 k[96];
	long	 day = (long)(r->now / 86400);

	if (r->acct.platform[0] == '\0')
		return 0;
	platform_day_key(k, sizeof(k), r->acct.platform, day, what);
	/* The sum is not needed: the add goes with the commit. */
	return store_count(r->st, k, ((int64_t)day + 1 + PLATFORM_STATS_DAYS) *
	    86400, 1, NULL) == STORE_OK ? 0 : -1;
}

struct kid_find {
	const char	*kid;
	struct platform	*p;
	int		 found;
};

static int
platform_kid_one(void *arg, const struct platform *p)
{
	struct kid_find	*f = arg;

	if (strcmp(p->kid, f->kid) != 0)
		return 1;
	*f->p = *p;
	f->found = 1;
	return 0;
}

/* Check the binding's MAC with the key of its kid's platform. */
static enum prob
platform_eab_check(struct req *r, const struct eab *e, struct platform *p)
{
	struct kid_find	 f = { e->kid, p, 0 };
	unsigned char	 key[EAB_KEY_LEN + 16];
	long		 n;
	enum prob	 pr;

	if (store_platforms(r->st, platform_kid_one, &f) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	if (!f.found)
		return resp_fail(r, PROB_UNAUTHORIZED, "the "
		    "externalAccountBinding kid is not a key id of this "
		    "server");
	n = crypt_open(r->srv->secret, p->sealed, p->sealedlen, key,
	    sizeof(key));
	if (n != EAB_KEY_LEN) {
		log_err("%s: %s: the sealed key does not open", __func__,
		    p->name);
		return PROB_SERVER_INTERNAL;
	}
	pr = eab_verify(e, key, EAB_KEY_LEN, r->detail, sizeof(r->detail));
	explicit_bzero(key, sizeof(key));
	if (pr != PROB_NONE)
		return pr;
	if (p->status != PLATFORM_ENABLED)
		return resp_fail(r, PROB_UNAUTHORIZED, "the platform of this "
		    "key id is disabled");
	return PROB_NONE;
}

enum prob
platform_bind(struct req *r, json_object *pl, char name[PLATFORM_NAME_MAX + 1])
{
	struct platform	 p;
	struct eab	 e;
	enum prob	 pr;

	name[0] = '\0';
	if (!json_has(pl, "externalAccountBinding")) {
		if (r->cfg->eab_required)
			return resp_fail(r, PROB_EXTERNAL_ACCOUNT_REQUIRED,
			    "this server requires an external account "
			    "binding: ask the operator for a key id and key");
		return PROB_NONE;
	}
	pr = eab_parse(json_object_object_get(pl, "externalAccountBinding"),
	    r->jws->url, r->jws->jwk, &e, r->detail, sizeof(r->detail));
	if (pr == PROB_NONE)
		pr = platform_eab_check(r, &e, &p);
	eab_clear(&e);
	if (pr != PROB_NONE)
		return pr;
	strcpy(name, p.name);
	return PROB_NONE;
}

/* The signer's platform as the store gave it (rc), enabled. */
static enum prob
platform_usable(struct req *r, const struct platform *p, int rc)
{
	if (rc == STORE_ERR)
		return PROB_SERVER_INTERNAL;
	if (rc == STORE_NOTFOUND || p->status != PLATFORM_ENABLED)
		return resp_fail(r, PROB_UNAUTHORIZED, "the platform of this "
		    "account (%s) is disabled: it can no longer order",
		    r->acct.platform);
	return PROB_NONE;
}

/* The signer's platform, enabled: PROB_NONE and *has 0 without one. */
static enum prob
platform_load(struct req *r, struct platform *p, int *has)
{
	*has = r->acct.platform[0] != '\0';
	if (!*has)
		return PROB_NONE;
	return platform_usable(r, p, store_platform_get(r->st,
	    r->acct.platform, p));
}

int
platform_prefetch(struct req *r)
{
	if (r->acct.platform[0] == '\0')
		return 0;
	return store_platform_prefetch(r->st, r->acct.platform) == STORE_OK ?
	    0 : -1;
}

enum prob
platform_order(struct req *r, const char *tn)
{
	struct platform	 p;
	const char	*pfx[PLATFORM_PREFIXES_MAX];
	char		 list[PLATFORM_PREFIXES_MAX * (TN_MAX + 2)];
	size_t		 i, n = 0;
	enum prob	 pr;
	int		 has;

	if ((pr = platform_load(r, &p, &has)) != PROB_NONE || !has ||
	    p.nprefixes == 0)
		return pr;
	list[0] = '\0';
	for (i = 0; i < p.nprefixes; i++) {
		pfx[i] = p.prefixes[i];
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i ? ", " : "", p.prefixes[i]);
	}
	if (!tnauthlist_prefix_allowed(tn, pfx, p.nprefixes))
		return resp_fail(r, PROB_REJECTED_IDENTIFIER, "platform %s may "
		    "only order for numbers starting with %s", p.name, list);
	return PROB_NONE;
}

/* The hold of prefix in p, or NULL. */
static struct guard_hold *
platform_hold(struct platform *p, const char *prefix)
{
	size_t	 i;

	for (i = 0; i < GUARD_HELD_MAX; i++)
		if (p->held[i].until != 0 &&
		    strcmp(p->held[i].prefix, prefix) == 0)
			return &p->held[i];
	return NULL;
}

/* Refuse an SMS to a held prefix. */
static enum prob
platform_held(struct req *r, const struct platform *p,
    const struct guard_hold *h)
{
	r->retry_after = (long)(h->until - r->now);
	if (r->retry_after < 1)
		r->retry_after = 1;
	return resp_fail(r, PROB_RATE_LIMITED, "conversion guard: SMS of "
	    "platform %s to numbers starting with %s are held (%u sent, %u "
	    "proofs completed); the operator can release them "
	    "(idprover-admin guard release)", p->name, h->prefix, h->sent,
	    h->done);
}

/* The slot for a new hold of prefix: its own (h), a free or finished
 * one, else the one ending first. */
static struct guard_hold *
platform_slot(struct req *r, struct platform *p, struct guard_hold *h)
{
	size_t	 i;

	if (h != NULL)
		return h;
	h = &p->held[0];
	for (i = 0; i < GUARD_HELD_MAX; i++) {
		if (p->held[i].until == 0 || (p->held[i].until > 0 &&
		    p->held[i].until <= r->now) || (p->held[i].until < 0 &&
		    p->held[i].since + r->cfg->guard_window <= r->now))
			return &p->held[i];
		if (p->held[i].until > 0 && p->held[i].until < h->until)
			h = &p->held[i];
	}
	return h;
}

/* Hold prefix in slot h. */
static enum prob
platform_trip(struct req *r, struct platform *p, struct guard_hold *h,
    const char *prefix, long sent, long done)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->prefix, prefix);
	h->since = r->now;
	h->until = r->now + r->cfg->guard_hold;
	h->sent = (uint32_t)sent;
	h->done = (uint32_t)done;
	log_warn("conversion guard: platform %s prefix %s held: %ld SMS sent, "
	    "%ld proofs completed in %ld s (below %ld%%)", p->name, prefix,
	    sent, done, r->cfg->guard_window, r->cfg->guard_min_rate);
	if (store_platform_put(r->st, p) != STORE_OK)
		return PROB_SERVER_INTERNAL;
	r->keep = 1;
	return platform_held(r, p, h);
}

/* The conversion guard for tn's prefix. After a release it counts only
 * what came since the hold (the windows hold no earlier boundary). */
static enum prob
platform_guard(struct req *r, struct platform *p, const char *tn)
{
	struct guard_hold	*h;
	char			 pfx[GUARD_PREFIX_MAX + 1], k[64];
	long			 sent, done;

	platform_prefix(r->cfg, tn, pfx);
	h = platform_hold(p, pfx);
	if (h != NULL && h->until > r->now)
		return platform_held(r, p, h);
	snprintf(k, sizeof(k), "gs:%s:%s", p->name, pfx);
	if ((sent = limit_count(r, k, r->cfg->guard_window)) < 0)
		return PROB_SERVER_INTERNAL;
	snprintf(k, sizeof(k), "gd:%s:%s", p->name, pfx);
	if ((done = limit_count(r, k, r->cfg->guard_window)) < 0)
		return PROB_SERVER_INTERNAL;
	if (h != NULL && h->until < 0 &&
	    h->since + r->cfg->guard_window > r->now) {
		sent = sent > (long)h->sent ? sent - (long)h->sent : 0;
		done = done > (long)h->done ? done - (long)h->done : 0;
	}
	if (sent >= r->cfg->guard_min_sends &&
	    done * 100 < sent * r->cfg->guard_min_rate)
		return platform_trip(r, p, platform_slot(r, p, h), pfx, sent,
		    done);
	return PROB_NONE;
}

/* The signer's platform and how many are active, from one read of
 * every platform with its activity window ("pa:"). */
struct share {
	const char	*self;
	struct platform	*p;
	int		 found;
	long		 active;	/* in the last day, the signer's counted */
};

static int
platform_share_one(void *arg, const struct platform *p, long events)
{
	struct share	*s = arg;

	if (strcmp(p->name, s->self) == 0) {
		*s->p = *p;
		s->found = 1;
		if (p->status == PLATFORM_ENABLED)
			s->active++;
	} else if (p->status == PLATFORM_ENABLED && events > 0)
		s->active++;
	return 1;
}

/* The platform's budgets and its share of the global budget among the
 * active platforms. */
static enum prob
platform_budgets(struct req *r, const struct platform *p, long active,
    int *under)
{
	char		 k[64], what[96];
	long		 share;
	enum prob	 pr;

	snprintf(k, sizeof(k), "ps:%s", p->name);
	snprintf(what, sizeof(what), "SMS of platform %s", p->name);
	if ((p->sms_hour > 0 && (pr = limit_take(r, k, 3600, p->sms_hour,
	    what)) != PROB_NONE) || (p->sms_day > 0 && (pr = limit_take(r, k,
	    86400, p->sms_day, what)) != PROB_NONE))
		return pr;
	share = r->cfg->limit_global_hour / (active > 0 ? active : 1);
	if (share < 1)
		share = 1;
	snprintf(what, sizeof(what), "platform %s's share of the service's "
	    "SMS (%ld platforms active)", p->name, active);
	if ((pr = limit_take(r, k, 3600, share, what)) != PROB_NONE)
		return pr;
	/* Below its share: the share is the platform's own, whatever the
	 * others spent before it became active. */
	*under = 1;
	return PROB_NONE;
}

/* The platforms are read once, with their activity: the signer's own
 * comes from that list (a platform past the first PLATFORMS_MAX is read
 * by itself, and not counted active, as the list never showed it). */
enum prob
platform_sms_check(struct req *r, const char *tn, int *under,
    struct platform *p)
{
	struct share	 s = { r->acct.platform, p, 0, 0 };
	enum prob	 pr;
	int		 rc = STORE_OK;

	*under = 0;
	memset(p, 0, sizeof(*p));
	if (r->acct.platform[0] == '\0')
		return PROB_NONE;
	if (limit_platforms(r, "pa:", 86400, platform_share_one, &s) == -1)
		return PROB_SERVER_INTERNAL;
	if (!s.found)
		rc = store_platform_get(r->st, r->acct.platform, p);
	if ((pr = platform_usable(r, p, rc)) != PROB_NONE ||
	    (pr = platform_guard(r, p, tn)) != PROB_NONE)
		return pr;
	return platform_budgets(r, p, s.active, under);
}

int
platform_sms_ahead(struct req *r, const char *tn)
{
	char		 pfx[GUARD_PREFIX_MAX + 1], ps[64], gs[64], gd[64],
			 pa[64];
	const char	*n = r->acct.platform;
	const char	*keys[] = { ps, ps, gs, gd, pa };
	const long	 windows[] = { 3600, 86400, r->cfg->guard_window,
	    r->cfg->guard_window, 86400 };

	if (n[0] == '\0')
		return 0;
	platform_prefix(r->cfg, tn, pfx);
	snprintf(ps, sizeof(ps), "ps:%s", n);
	snprintf(gs, sizeof(gs), "gs:%s:%s", n, pfx);
	snprintf(gd, sizeof(gd), "gd:%s:%s", n, pfx);
	snprintf(pa, sizeof(pa), "pa:%s", n);
	return limit_prefetch(r, keys, windows, 5);
}

int
platform_sms_count(struct req *r, const char *tn)
{
	char	 pfx[GUARD_PREFIX_MAX + 1], k[64], a[64];
	const char *n = r->acct.platform;

	if (n[0] == '\0')
		return 0;
	platform_prefix(r->cfg, tn, pfx);
	snprintf(k, sizeof(k), "ps:%s", n);
	snprintf(a, sizeof(a), "pa:%s", n);
	if (limit_add(r, k, 3600) || limit_add(r, k, 86400) ||
	    limit_add(r, a, 86400))
		return -1;
	snprintf(k, sizeof(k), "gs:%s:%s", n, pfx);
	if (limit_add(r, k, r->cfg->guard_window))
		return -1;
	return platform_note(r, PSTAT_SENT);
}

void
platform_limited(struct req *r)
{
	char	 a[64];

	if (r->acct.platform[0] == '\0')
		return;
	snprintf(a, sizeof(a), "pa:%s", r->acct.platform);
	if (limit_add(r, a, 86400) == 0 && platform_note(r,
	    PSTAT_LIMITED) == 0)
		r->keep = 1;
}

int
platform_proof_done(struct req *r, const char *tn)
{
	char	 pfx[GUARD_PREFIX_MAX + 1], k[64];

	if (r->acct.platform[0] == '\0')
		return 0;
	platform_prefix(r->cfg, tn, pfx);
	snprintf(k, sizeof(k), "gd:%s:%s", r->acct.platform, pfx);
	if (limit_add(r, k, r->cfg->guard_window))
		return -1;
	return platform_note(r, PSTAT_DONE);
}

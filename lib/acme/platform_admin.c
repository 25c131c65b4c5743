/* The operator's commands on platforms (idprover-admin platform, guard,
 * stats --platform): records changed in one transaction each. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme.h"
#include "b64url.h"
#include "platform.h"
#include "platform_admin.h"
#include "smstext.h"
#include "tnauthlist.h"

/* Defaults of a new platform's budgets: a fifth of the default global
 * hourly budget (5000), so that one platform's accounts cannot spend it
 * alone, and ten such hours a day. */
#define PLATFORM_HOUR_DEFAULT	1000
#define PLATFORM_DAY_DEFAULT	10000

static int __attribute__((format(printf, 1, 2)))
padm_err(const char *fmt, ...)
{
	va_list	 ap;

	fputs("idprover-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* A whole number from 0 to max, or -1. */
static long
padm_num(const char *s, long max)
{
	char	*end;
	long	 v;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end != '\0' || v < 0 || v > max ? -1 : v;
}

/* shown: printable, no line break: it goes inside the text. */
static int
padm_shown_ok(const char *s)
{
	const unsigned char	*p;

	if (s[0] == '\0' || strlen(s) > PLATFORM_SHOWN_MAX)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '{' || *p == '}')
			return 0;
	return 1;
}

/* One option of platform add (argv[*i] and its value). */
static int
padm_opt(struct server *srv, struct platform *p, int argc, char **argv,
    int *i)
{
	const char	*o = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	const char	*allowed[PREFIXES_MAX];
	size_t		 j;

	if (v == NULL)
		return padm_err("%s: needs a value", o);
	(*i)++;
	if (strcmp(o, "--shown") == 0) {
		if (!padm_shown_ok(v))
			return padm_err("--shown: 1 to %d printable characters"
			    ", no braces", PLATFORM_SHOWN_MAX);
		strcpy(p->shown, v);
	} else if (strcmp(o, "--origin") == 0) {
		if (strlen(v) > PLATFORM_ORIGIN_MAX || !smstext_origin_ok(v))
			return padm_err("--origin: a host name (letters, "
			    "digits, '.' and '-'; no scheme, no port)");
		strcpy(p->origin, v);
	} else if (strcmp(o, "--app-hash") == 0) {
		if (!smstext_hash_ok(v) || p->nhashes >= PLATFORM_HASHES_MAX)
			return padm_err("--app-hash: at most %d hashes of %d "
			    "base64 characters", PLATFORM_HASHES_MAX,
			    APP_HASH_LEN);
		strcpy(p->hashes[p->nhashes++], v);
	} else if (strcmp(o, "--prefix") == 0) {
		for (j = 0; j < srv->cfg.nprefixes; j++)
			allowed[j] = srv->cfg.prefixes[j];
		if (v[0] == '\0' || strlen(v) > TN_MAX || strspn(v,
		    "0123456789") != strlen(v) ||
		    p->nprefixes >= PLATFORM_PREFIXES_MAX ||
		    !tnauthlist_prefix_allowed(v, allowed, srv->cfg.nprefixes))
			return padm_err("--prefix: at most %d digit prefixes, "
			    "each inside allowed_prefixes", PLATFORM_PREFIXES_MAX);
		strcpy(p->prefixes[p->nprefixes++], v);
	} else if (strcmp(o, "--hour") == 0 || strcmp(o, "--day") == 0) {
		if (padm_num(v, 100000000) < 0)
			return padm_err("%s: a number from 0 (none) to "
			    "100000000", o);
		*(o[2] == 'h' ? &p->sms_hour : &p->sms_day) = padm_num(v,
		    100000000);
	} else
		return padm_err("%s: unknown option", o);
	return 0;
}

/* Print the key id and key, once. */
static void
padm_key_print(const struct platform *p, const unsigned char *key)
{
	char	 k[B64URL_LEN(EAB_KEY_LEN) + 1];

	b64url_encode(key, EAB_KEY_LEN, k, sizeof(k));
	printf("platform %s\nkid %s\nhmac-key %s\n", p->name, p->kid, k);
	printf("# the key is shown only now: give both to the platform, "
	    "for its ACME client's external account binding\n");
	explicit_bzero(k, sizeof(k));
}

/* Write p in a transaction; on success print its new key when key. */
static int
padm_put(struct server *srv, const struct platform *p, int fresh,
    const unsigned char *key)
{
	struct platform	 old;
	int		 rc;

	if (store_begin(srv->st) != STORE_OK)
		return padm_err("the store cannot begin a transaction");
	rc = store_platform_get(srv->st, p->name, &old);
	if (fresh && rc == STORE_OK) {
		store_abort(srv->st);
		return padm_err("platform %s exists already", p->name);
	}
	if ((rc != STORE_OK && rc != STORE_NOTFOUND) ||
	    store_platform_put(srv->st, p) != STORE_OK ||
	    store_commit(srv->st, 1) != STORE_OK) {
		store_abort(srv->st);
		return padm_err("platform %s: the store failed", p->name);
	}
	if (key != NULL)
		padm_key_print(p, key);
	return 0;
}

static int
padm_add(struct server *srv, int argc, char **argv)
{
	struct platform	 p;
	struct smsfmt	 f;
	unsigned char	 key[EAB_KEY_LEN];
	char		 err[256];
	int		 i, rc;

	if (argc < 3 || !platform_name_ok(argv[2]))
		return padm_err("platform add NAME: NAME is 1 to %d of a-z, "
		    "0-9 and '-'", PLATFORM_NAME_MAX);
	memset(&p, 0, sizeof(p));
	strcpy(p.name, argv[2]);
	snprintf(p.shown, sizeof(p.shown), "%s", argv[2]);
	p.sms_hour = PLATFORM_HOUR_DEFAULT;
	p.sms_day = PLATFORM_DAY_DEFAULT;
	p.created = p.rotated = time(NULL);
	for (i = 3; i < argc; i++)
		if (padm_opt(srv, &p, argc, argv, &i) != 0)
			return 1;
	memset(&f, 0, sizeof(f));
	f.shown = p.shown;
	f.origin = p.origin;
	for (i = 0; i < p.nhashes; i++)
		f.hashes[i] = p.hashes[i];
	if (smstext_check_for(&srv->cfg, &f, err, sizeof(err)) == -1)
		return padm_err("platform %s refused: its %s", p.name, err);
	if (platform_key_new(srv->secret, &p, key) == -1)
		return padm_err("no key could be made");
	rc = padm_put(srv, &p, 1, key);
	explicit_bzero(key, sizeof(key));
	return rc;
}

/* Load NAME (argv[2]) outside a transaction. */
static int
padm_load(struct server *srv, int argc, char **argv, struct platform *p)
{
	int	 rc;

	if (argc < 3 || !platform_name_ok(argv[2]))
		return padm_err("%s: a platform NAME is needed", argv[1]);
	if (store_begin(srv->st) != STORE_OK)
		return padm_err("the store cannot begin a transaction");
	rc = store_platform_get(srv->st, argv[2], p);
	store_abort(srv->st);
	if (rc == STORE_NOTFOUND)
		return padm_err("no platform %s", argv[2]);
	return rc == STORE_OK ? 0 : padm_err("the store failed");
}

static void
padm_line(const struct platform *p)
{
	size_t	 i;

	printf("%s %s kid=%s shown=\"%s\" hour=%lld day=%lld prefixes=",
	    p->name, p->status == PLATFORM_ENABLED ? "enabled" : "disabled",
	    p->kid, p->shown, (long long)p->sms_hour, (long long)p->sms_day);
	for (i = 0; i < p->nprefixes; i++)
		printf("%s%s", i ? "," : "", p->prefixes[i]);
	printf("%s\n", p->nprefixes == 0 ? "any" : "");
}

static int
padm_list_one(void *arg, const struct platform *p)
{
	(void)arg;
	padm_line(p);
	return 1;
}

static void
padm_holds(const struct platform *p, time_t now)
{
	char	 a[32], b[32];
	size_t	 i;

	for (i = 0; i < GUARD_HELD_MAX; i++) {
		if (p->held[i].until <= now)
			continue;
		time_fmt((time_t)p->held[i].since, a, sizeof(a));
		time_fmt((time_t)p->held[i].until, b, sizeof(b));
		printf("held %s %s since %s until %s sent %u proofs %u\n",
		    p->name, p->held[i].prefix, a, b, p->held[i].sent,
		    p->held[i].done);
	}
}

static int
padm_show(const struct platform *p)
{
	size_t	 i;

	padm_line(p);
	printf("origin %s\n", p->origin[0] ? p->origin : "-");
	for (i = 0; i < p->nhashes; i++)
		printf("app-hash %s\n", p->hashes[i]);
	padm_holds(p, time(NULL));
	return 0;
}

static int
padm_walk(struct server *srv, int (*fn)(void *, const struct platform *),
    void *arg)
{
	int	 rc;

	if (store_begin(srv->st) != STORE_OK)
		return padm_err("the store cannot begin a transaction");
	rc = store_platforms(srv->st, fn, arg);
	store_abort(srv->st);
	return rc == STORE_OK ? 0 : padm_err("the store failed");
}

int
platform_admin(struct server *srv, int argc, char **argv)
{
	struct platform	 p;
	unsigned char	 key[EAB_KEY_LEN];
	int		 rc;

	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return padm_add(srv, argc, argv);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return padm_walk(srv, padm_list_one, NULL);
	if (argc != 3)
		return padm_err("platform add|list|show|disable|enable|"
		    "rotate-key [NAME]");
	if (padm_load(srv, argc, argv, &p) != 0)
		return 1;
	if (strcmp(argv[1], "show") == 0)
		return padm_show(&p);
	if (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0) {
		p.status = argv[1][0] == 'd' ? PLATFORM_DISABLED :
		    PLATFORM_ENABLED;
		return padm_put(srv, &p, 0, NULL);
	}
	if (strcmp(argv[1], "rotate-key") == 0) {
		if (platform_key_new(srv->secret, &p, key) == -1)
			return padm_err("no key could be made");
		p.rotated = time(NULL);
		rc = padm_put(srv, &p, 0, key);
		explicit_bzero(key, sizeof(key));
		return rc;
	}
	return padm_err("platform %s: unknown command", argv[1]);
}

static int
padm_holds_one(void *arg, const struct platform *p)
{
	const char	*only = arg;

	if (only == NULL || strcmp(only, p->name) == 0)
		padm_holds(p, time(NULL));
	return 1;
}

int
guard_admin(struct server *srv, int argc, char **argv)
{
	struct platform	 p;
	size_t		 i;
	int		 n = 0;

	if (argc >= 2 && argc <= 3 && strcmp(argv[1], "list") == 0)
		return padm_walk(srv, padm_holds_one, argc == 3 ? argv[2] :
		    NULL);
	if (argc != 4 || strcmp(argv[1], "release") != 0)
		return padm_err("guard list [NAME] | guard release NAME "
		    "PREFIX");
	if (padm_load(srv, argc, argv, &p) != 0)
		return 1;
	/* Released: the guard counts afresh from what it had seen. */
	for (i = 0; i < GUARD_HELD_MAX; i++)
		if (p.held[i].until > 0 &&
		    strcmp(p.held[i].prefix, argv[3]) == 0) {
			p.held[i].until = -1;
			p.held[i].since = time(NULL);
			n++;
		}
	if (n == 0)
		return padm_err("platform %s holds no prefix %s", p.name,
		    argv[3]);
	if (padm_put(srv, &p, 0, NULL) != 0)
		return 1;
	printf("released %s %s\n", p.name, argv[3]);
	return 0;
}

/* One day's count of name's event (read, not counted). */
static long
padm_day(struct server *srv, const char *name, long day, enum pstat what)
{
	char	 k[96];
	long	 v = 0;

	platform_day_key(k, sizeof(k), name, day, what);
	if (store_count(srv->st, k, ((int64_t)day + 1 + PLATFORM_STATS_DAYS) *
	    86400, 0, &v) != STORE_OK)
		return 0;
	return v;
}

int
platform_stats(struct server *srv, const char *name, long days)
{
	long	 today = (long)(time(NULL) / 86400), d, v[PSTAT__MAX];
	char	 date[16];
	time_t	 t;
	int	 i;

	if (store_begin(srv->st) != STORE_OK)
		return padm_err("the store cannot begin a transaction");
	printf("# platform %s: day sent proofs conversion certs limited\n",
	    name);
	for (d = today - days + 1; d <= today; d++) {
		for (i = 0; i < PSTAT__MAX; i++)
			v[i] = padm_day(srv, name, d, (enum pstat)i);
		t = (time_t)d * 86400;
		strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&t));
		if (v[PSTAT_SENT] > 0)
			printf("%s %ld %ld %ld%% %ld %ld\n", date, v[PSTAT_SENT],
			    v[PSTAT_DONE], v[PSTAT_DONE] * 100 / v[PSTAT_SENT],
			    v[PSTAT_CERTS], v[PSTAT_LIMITED]);
		else
			printf("%s 0 %ld - %ld %ld\n", date, v[PSTAT_DONE],
			    v[PSTAT_CERTS], v[PSTAT_LIMITED]);
	}
	store_abort(srv->st);
	return 0;
}

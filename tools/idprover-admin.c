/* idprover-admin: the operator's tool. */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acme.h"
#include "file.h"
#include "log.h"
#include "outbox.h"
#include "platform_admin.h"
#include "secret.h"
#include "sms.h"
#include "smstext.h"
#include "x509.h"

static struct server	 srv;
static const char	*conf_file;	/* -c, when given */

static int	cmd_init(int, char **);
static int	cmd_check(int, char **);
static int	cmd_flush(int, char **);
static int	cmd_prune(int, char **);
static int	cmd_stats(int, char **);
static int	cmd_backup(int, char **);
static int	cmd_revoke(int, char **);
static int	cmd_migrate(int, char **);
static int	cmd_copy(int, char **);
static int	cmd_reassigned(int, char **);
static int	cmd_lineage(int, char **);
static int	cmd_platform(int, char **);
static int	cmd_guard(int, char **);

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	int		 needdb;
	const char	*help;
} cmds[] = {
	{ "init", cmd_init, 0, "create the data folder, database, CA, secret" },
	{ "check-config", cmd_check, 0, "validate the configuration" },
	{ "sms-flush", cmd_flush, 1, "deliver queued SMS (cron-able)" },
	{ "prune", cmd_prune, 1, "remove expired nonces, counters, orders, "
	    "SMS (cron-able)" },
	{ "stats", cmd_stats, 1, "[--platform NAME [--days N]]: count "
	    "accounts, orders, SMS, certificates" },
	{ "backup", cmd_backup, 1, "DIR: copy the data folder into DIR "
	    "(while running)" },
	{ "revoke", cmd_revoke, 1, "SERIAL-HEX [--reason N]: revoke a "
	    "certificate" },
	{ "migrate", cmd_migrate, 0, "bring the PostgreSQL schema up to this "
	    "version" },
	{ "copy-store", cmd_copy, 1, "--to postgresql://...: copy the Berkeley "
	    "DB store into PostgreSQL, then compare them" },
	{ "reassigned", cmd_reassigned, 1, "NUMBER... [--since TIME] [--file "
	    "FILE]: end proofs of reassigned numbers" },
	{ "lineage", cmd_lineage, 1, "NUMBER: the number's certificates and "
	    "what replaced them" },
	{ "platform", cmd_platform, 1, "add|list|show|disable|enable|"
	    "rotate-key [NAME]: platforms and their EAB keys" },
	{ "guard", cmd_guard, 1, "list [NAME] | release NAME PREFIX: the "
	    "conversion guard" },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: idprover-admin [-c config] command [args]\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(stderr, "  %-14s %s\n", cmds[i].name, cmds[i].help);
	exit(2);
}

/* Where the store is: the config's PostgreSQL URI, else db_dir. */
static const char *
admin_where(void)
{
	return srv.cfg.store[0] != '\0' ? srv.cfg.store : srv.cfg.db_dir;
}

/* mkdir -p for the parent folders of path (mode 0700). */
static int
mkparents(const char *path)
{
	char	 buf[PATH_LEN], *p;

	if (strlen(path) >= sizeof(buf))
		return -1;
	strcpy(buf, path);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static int
cmd_init(int argc, char **argv)
{
	struct store	*st;
	struct ca	*ca;
	char		 p[PATH_LEN + 8];
	int		 from, to;

	(void)argc;
	(void)argv;
	snprintf(p, sizeof(p), "%s/x", srv.cfg.data_dir);
	if (mkparents(p) == -1 || (!store_is_uri(admin_where()) &&
	    mkparents(srv.cfg.db_dir) == -1) ||
	    mkparents(srv.cfg.ca_key) == -1 || mkparents(srv.cfg.ca_cert)) {
		fprintf(stderr, "idprover-admin: cannot create %s: %s\n",
		    srv.cfg.data_dir, strerror(errno));
		return 1;
	}
	if (secret_init(&srv.cfg) == -1)
		return 1;
	if ((st = store_open(admin_where(), 1)) == NULL)
		return 1;
	if (store_migrate(st, &from, &to) != STORE_OK) {
		fprintf(stderr, "idprover-admin: cannot bring the database's "
		    "schema up to date\n");
		store_close(st);
		return 1;
	}
	store_close(st);
	if ((ca = ca_open(srv.cfg.ca_key, srv.cfg.ca_cert, srv.cfg.ca_name,
	    1)) == NULL)
		return 1;
	ca_free(ca);
	printf("data folder %s ready; CA certificate %s\n", srv.cfg.data_dir,
	    srv.cfg.ca_cert);
	if (store_is_uri(admin_where()))
		printf("database schema version %d (was %d)\n", to, from);
	return 0;
}

static int
cmd_migrate(int argc, char **argv)
{
	struct store	*st;
	int		 from, to, rc;

	(void)argv;
	if (argc != 1)
		usage();
	if ((st = store_open(admin_where(), 1)) == NULL)
		return 1;
	rc = store_migrate(st, &from, &to);
	store_close(st);
	if (rc != STORE_OK) {
		fprintf(stderr, "idprover-admin: migrate failed\n");
		return 1;
	}
	if (from == to)
		printf("migrate: schema version %d, up to date\n", to);
	else
		printf("migrate: schema version %d, was %d\n", to, from);
	return 0;
}

/* copy-store: records are written in batches of this many per
 * transaction. */
#define COPY_BATCH	256

struct copy {
	struct store	*to;
	long		 n, batch;
	int		 err;
};

static int
copy_one(void *arg, const struct store_rec *r)
{
	struct copy	*c = arg;

	if (c->batch == 0 && store_begin(c->to) != STORE_OK)
		return c->err = -1;
	if (store_load(c->to, r) != STORE_OK)
		return c->err = -1;
	c->n++;
	if (++c->batch < COPY_BATCH)
		return 0;
	c->batch = 0;
	return store_commit(c->to, 1) == STORE_OK ? 0 : (c->err = -1);
}

/* Per kind of record: how many, and the sum of their digests (so the
 * order the engines list them in does not matter). */
struct tally {
	long		 n[SK__MAX];
	unsigned char	 sum[SK__MAX][32];
};

static int
tally_one(void *arg, const struct store_rec *r)
{
	struct tally	*t = arg;
	unsigned char	 d[32];
	unsigned	 carry = 0;
	int		 i;

	if (store_rec_digest(r, d) == -1)
		return -1;
	t->n[r->kind]++;
	for (i = 31; i >= 0; i--) {
		carry += (unsigned)t->sum[r->kind][i] + d[i];
		t->sum[r->kind][i] = (unsigned char)carry;
		carry >>= 8;
	}
	return 0;
}

static int
tally(struct store *st, struct tally *t)
{
	int	 rc;

	memset(t, 0, sizeof(*t));
	if (store_begin(st) != STORE_OK)
		return -1;
	rc = store_dump(st, tally_one, t);
	store_abort(st);
	return rc == STORE_OK ? 0 : -1;
}

/* Compare the two stores kind by kind; prints a line for each. */
static int
copy_verify(struct store *from, struct store *to)
{
	struct tally	 a, b;
	int		 k, i, same, bad = 0;

	if (tally(from, &a) == -1 || tally(to, &b) == -1) {
		fprintf(stderr, "idprover-admin: cannot read the stores back\n");
		return -1;
	}
	for (k = 0; k < SK__MAX; k++) {
		same = a.n[k] == b.n[k] && memcmp(a.sum[k], b.sum[k], 32) == 0;
		bad += !same;
		printf("%-15s %8ld %8ld ", store_kinds[k], a.n[k], b.n[k]);
		for (i = 0; i < 8; i++)
			printf("%02x", b.sum[k][i]);
		printf(" %s\n", same ? "same" : "DIFFERENT");
	}
	return bad == 0 ? 0 : -1;
}

static int
cmd_copy(int argc, char **argv)
{
	struct copy	 c = { NULL, 0, 0, 0 };
	int		 from, to, rc;

	if (argc != 3 || strcmp(argv[1], "--to") != 0 ||
	    !store_is_uri(argv[2]))
		usage();
	if (store_is_uri(admin_where())) {
		fprintf(stderr, "idprover-admin: copy-store copies from the "
		    "Berkeley DB store: leave \"store\" out of the "
		    "configuration\n");
		return 2;
	}
	if ((c.to = store_open(argv[2], 1)) == NULL ||
	    store_migrate(c.to, &from, &to) != STORE_OK) {
		fprintf(stderr, "idprover-admin: %s: cannot open or migrate\n",
		    argv[2]);
		store_close(c.to);
		return 1;
	}
	rc = store_begin(srv.st);
	if (rc == STORE_OK)
		rc = store_dump(srv.st, copy_one, &c);
	store_abort(srv.st);
	if (rc == STORE_OK && c.err == 0 && c.batch > 0 &&
	    store_commit(c.to, 1) != STORE_OK)
		c.err = -1;
	if (rc != STORE_OK || c.err != 0) {
		store_abort(c.to);
		fprintf(stderr, "idprover-admin: copy-store failed after %ld "
		    "records (safe to run again)\n", c.n);
		store_close(c.to);
		return 1;
	}
	printf("copy-store: %ld records written\n", c.n);
	printf("%-15s %8s %8s %-16s\n", "kind", "from", "to", "checksum");
	rc = copy_verify(srv.st, c.to);
	store_close(c.to);
	if (rc == -1) {
		fprintf(stderr, "idprover-admin: the copy differs (was the "
		    "service writing? stop it and run copy-store again)\n");
		return 1;
	}
	printf("copy-store: the copy matches\n");
	return 0;
}

static int
cmd_check(int argc, char **argv)
{
	struct gateway	*gw;
	char		 err[256];

	(void)argc;
	(void)argv;
	if (smstext_check(&srv.cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "idprover-admin: %s\n", err);
		return 1;
	}
	if ((gw = gateway_open(srv.cfg.sms_gateway,
	    srv.cfg.sms_http_body[0] ? srv.cfg.sms_http_body : NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "idprover-admin: sms_gateway: %s\n", err);
		return 1;
	}
	gateway_close(gw);
	printf("configuration ok\n");
	return 0;
}

static int
cmd_flush(int argc, char **argv)
{
	char	 err[256];
	int	 sent, failed;

	(void)argc;
	(void)argv;
	if ((srv.gw = gateway_open(srv.cfg.sms_gateway,
	    srv.cfg.sms_http_body[0] ? srv.cfg.sms_http_body : NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "idprover-admin: sms_gateway: %s\n", err);
		return 1;
	}
	sent = outbox_flush(&srv, time(NULL), &failed);
	gateway_close(srv.gw);
	if (sent < 0)
		return 1;
	printf("sms-flush: %d delivered, %d not delivered\n", sent, failed);
	return failed > 0 ? 3 : 0;
}

static int
cmd_prune(int argc, char **argv)
{
	long	 removed = 0;

	(void)argv;
	if (argc != 1)
		usage();
	if (store_prune(srv.st, (int64_t)time(NULL), &removed) != STORE_OK) {
		fprintf(stderr, "idprover-admin: prune failed\n");
		return 1;
	}
	printf("prune: %ld expired records removed\n", removed);
	return 0;
}

static int
count_one(void *arg, const struct cert *c)
{
	(void)c;
	(*(long *)arg)++;
	return 0;
}

static int
cmd_stats(int argc, char **argv)
{
	static const char *const ostate[ORDER__MAX] = { "pending", "ready",
	    "processing", "valid", "invalid" };
	static const char *const sstate[OUTBOX__MAX] = { "queued", "sent",
	    "failed" };
	long	 accounts, orders[ORDER__MAX], sms[OUTBOX__MAX], certs;
	long	 revoked = 0;
	int	 i, rc;

	if (argc == 3 && strcmp(argv[1], "--platform") == 0)
		return platform_stats(&srv, argv[2], 7);
	if (argc == 5 && strcmp(argv[1], "--platform") == 0 &&
	    strcmp(argv[3], "--days") == 0 && atoi(argv[4]) > 0 &&
	    atoi(argv[4]) <= PLATFORM_STATS_DAYS)
		return platform_stats(&srv, argv[2], atoi(argv[4]));
	if (argc != 1)
		usage();
	if (store_stats(srv.st, &accounts, orders, sms, &certs) != STORE_OK) {
		fprintf(stderr, "idprover-admin: stats failed\n");
		return 1;
	}
	if (store_begin(srv.st) != STORE_OK)
		return 1;
	rc = store_revoked(srv.st, count_one, &revoked);
	store_abort(srv.st);
	if (rc != STORE_OK) {
		fprintf(stderr, "idprover-admin: stats failed\n");
		return 1;
	}
	printf("accounts %ld\n", accounts);
	for (i = 0; i < ORDER__MAX; i++)
		printf("orders.%s %ld\n", ostate[i], orders[i]);
	for (i = 0; i < OUTBOX__MAX; i++)
		printf("sms.%s %ld\n", sstate[i], sms[i]);
	printf("certificates %ld\n", certs);
	printf("certificates.revoked %ld\n", revoked);
	return 0;
}

static int
dir_empty(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	int		 empty = 1;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (empty && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

/* dir/name into buf; -1 when it does not fit. */
static int
joinpath(char *buf, size_t size, const char *dir, const char *name)
{
	int	 n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "idprover-admin: %s: path too long\n", dir);
		return -1;
	}
	return 0;
}

/* The configuration file config_load read, if any (same order). */
static const char *
loaded_config(char *buf, size_t size)
{
	const char	*f = conf_file, *var;
	struct stat	 sb;

	if (f == NULL)
		f = getenv("IDPROVER_CONF");
	if (f != NULL && f[0] != '\0')
		return f;
	var = getenv("IDPROVER_VAR");
	snprintf(buf, size, "%s/idprover.conf", var != NULL && var[0] != '\0' ?
	    var : "./var");
	return stat(buf, &sb) == 0 ? buf : NULL;
}

/* Does path lie inside the data folder (so that a copy below DIR stands
 * in for it)? */
static int
in_data_dir(const char *path, const char *rel)
{
	char	 want[PATH_LEN + 64];

	snprintf(want, sizeof(want), "%s/%s", srv.cfg.data_dir, rel);
	return strcmp(path, want) == 0;
}

static int
cmd_backup(int argc, char **argv)
{
	char		 to[PATH_LEN + 64], from[PATH_LEN + 64], cbuf[PATH_LEN + 32];
	const char	*dir, *cf;
	struct stat	 sb;

	if (argc != 2)
		usage();
	dir = argv[1];
	if (mkdir(dir, 0700) == -1) {
		if (errno != EEXIST || stat(dir, &sb) == -1 ||
		    !S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "idprover-admin: %s: %s\n", dir,
			    strerror(errno));
			return 1;
		}
		if (!dir_empty(dir)) {
			fprintf(stderr, "idprover-admin: %s: not empty; back "
			    "up into a new folder\n", dir);
			return 1;
		}
	}
	/* The database: a consistent hot copy. */
	if (joinpath(to, sizeof(to), dir, "db") == -1)
		return 1;
	if (store_backup(srv.st, to) != STORE_OK) {
		fprintf(stderr, "idprover-admin: backup of %s failed\n",
		    srv.cfg.db_dir);
		return 1;
	}
	/* The secret, the CA and the configuration. */
	if (joinpath(from, sizeof(from), srv.cfg.data_dir, "secret") == -1 ||
	    joinpath(to, sizeof(to), dir, "secret") == -1 ||
	    file_copy(from, to, 1) == -1)
		return 1;
	if (joinpath(to, sizeof(to), dir, "ca") == -1 ||
	    (mkdir(to, 0700) == -1 && errno != EEXIST) ||
	    joinpath(to, sizeof(to), dir, "ca/ca.key") == -1 ||
	    file_copy(srv.cfg.ca_key, to, 1) == -1 ||
	    joinpath(to, sizeof(to), dir, "ca/ca.pem") == -1 ||
	    file_copy(srv.cfg.ca_cert, to, 1) == -1)
		return 1;
	if (access(srv.cfg.relay_key, R_OK) == 0) {
		if (joinpath(to, sizeof(to), dir, "relay") == -1 ||
		    (mkdir(to, 0700) == -1 && errno != EEXIST) ||
		    joinpath(to, sizeof(to), dir, "relay/account.key") == -1 ||
		    file_copy(srv.cfg.relay_key, to, 1) == -1)
			return 1;
	}
	if ((cf = loaded_config(cbuf, sizeof(cbuf))) != NULL &&
	    (joinpath(to, sizeof(to), dir, "idprover.conf") == -1 ||
	    file_copy(cf, to, 1) == -1))
		return 1;
	if (!in_data_dir(srv.cfg.db_dir, "db") ||
	    !in_data_dir(srv.cfg.ca_key, "ca/ca.key") ||
	    !in_data_dir(srv.cfg.ca_cert, "ca/ca.pem"))
		fprintf(stderr, "idprover-admin: warning: the configuration "
		    "names db_dir, ca_key or ca_cert outside the data folder; "
		    "the copy in %s/idprover.conf still points there\n", dir);
	if (store_is_uri(admin_where()))
		printf("backup: %s (the database: pg_restore %s/db/"
		    "idprover.pgdump)\n", dir, dir);
	else
		printf("backup: %s (use it as IDPROVER_VAR)\n", dir);
	return 0;
}

/* A serial number in hex (optionally 0x-prefixed, with ':' between
 * octets as certtool and openssl print them), left-padded to SERIAL_LEN
 * octets as stored. */
static int
parse_serial(const char *s, unsigned char out[SERIAL_LEN])
{
	char		 hex[2 * SERIAL_LEN + 2];
	size_t		 n = 0, i;
	const char	*p;

	if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
		s += 2;
	for (p = s; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p))
			return -1;
		if (n == 0 && *p == '0')	/* leading zeros */
			continue;
		if (n >= 2 * SERIAL_LEN)
			return -1;
		hex[n++] = (char)tolower((unsigned char)*p);
	}
	if (p == s)
		return -1;
	memset(out, 0, SERIAL_LEN);
	for (i = 0; i < n; i++) {
		int	 v = isdigit((unsigned char)hex[n - 1 - i]) ?
		    hex[n - 1 - i] - '0' : hex[n - 1 - i] - 'a' + 10;

		out[SERIAL_LEN - 1 - i / 2] |= (unsigned char)(i % 2 ? v << 4 :
		    v);
	}
	return 0;
}

static int
cmd_revoke(int argc, char **argv)
{
	unsigned char	 serial[SERIAL_LEN];
	char		 id[ID_LEN + 1], *end;
	struct cert	 c;
	long		 v;
	int		 reason = -1, rc, try;

	if (argc == 4 && strcmp(argv[2], "--reason") == 0) {
		errno = 0;
		v = strtol(argv[3], &end, 10);
		if (errno != 0 || end == argv[3] || *end != '\0' ||
		    !cert_reason_ok(v)) {
			fprintf(stderr, "idprover-admin: --reason must be one "
			    "of 0, 1, 3, 4, 5 (RFC 5280 CRLReason)\n");
			return 2;
		}
		reason = (int)v;
	} else if (argc != 2)
		usage();
	if (parse_serial(argv[1], serial) == -1) {
		fprintf(stderr, "idprover-admin: %s: not a serial number in "
		    "hex (at most %d octets)\n", argv[1], SERIAL_LEN);
		return 2;
	}
	for (try = 0; try < 8; try++) {
		if (store_begin(srv.st) != STORE_OK)
			return 1;
		rc = store_serial_get(srv.st, serial, id);
		if (rc == STORE_OK)
			rc = store_cert_get(srv.st, id, &c);
		if (rc == STORE_NOTFOUND) {
			store_abort(srv.st);
			fprintf(stderr, "idprover-admin: %s: no certificate "
			    "with this serial was issued here\n", argv[1]);
			return 1;
		}
		if (rc == STORE_OK)
			rc = cert_revoke(srv.st, &c, reason, time(NULL));
		if (rc == STORE_EXISTS) {
			store_abort(srv.st);
			fprintf(stderr, "idprover-admin: %s: already revoked\n",
			    argv[1]);
			return 1;
		}
		if (rc == STORE_OK && store_commit(srv.st, 1) == STORE_OK) {
			printf("revoke: certificate %s (order %s) revoked\n",
			    argv[1], id);
			return 0;
		}
		store_abort(srv.st);
		if (!store_retry(srv.st))
			break;
	}
	fprintf(stderr, "idprover-admin: revoke failed\n");
	return 1;
}

/*
 * Reassigned numbers.
 */

struct tnlist {
	char	(*v)[TN_MAX + 1];
	size_t	 n, cap;
};

/* Add one number: digits with an optional '+', as carriers list them. */
static int
tn_add(struct tnlist *l, const char *s, size_t len)
{
	char	(*nv)[TN_MAX + 1];

	if (len > 0 && s[0] == '+') {
		s++;
		len--;
	}
	if (len < TN_MIN || len > TN_MAX || strspn(s, "0123456789") < len)
		return -1;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		if ((nv = reallocarray(l->v, l->cap, sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
	}
	memcpy(l->v[l->n], s, len);
	l->v[l->n++][len] = '\0';
	return 0;
}

/* One number a line; blank lines and lines starting with '#' skipped. */
static int
tn_file(struct tnlist *l, const char *path)
{
	FILE	*f;
	char	 line[256];
	size_t	 len, no = 0;
	int	 rc = 0;

	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		fprintf(stderr, "idprover-admin: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		no++;
		len = strcspn(line, "\r\n");
		while (len > 0 && (line[len - 1] == ' ' ||
		    line[len - 1] == '\t'))
			len--;
		line[len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if ((rc = tn_add(l, line, len)) == -1)
			fprintf(stderr, "idprover-admin: %s:%zu: not a "
			    "telephone number of %d to %d digits\n", path, no,
			    TN_MIN, TN_MAX);
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* RFC 3339, or a date (midnight UTC), as carriers' data gives it. */
static int
since_parse(const char *s, time_t *t)
{
	char	 buf[40];

	if (time_parse(s, t) == 0)
		return 0;
	if (strlen(s) != 10 || snprintf(buf, sizeof(buf), "%sT00:00:00Z",
	    s) >= (int)sizeof(buf))
		return -1;
	return time_parse(buf, t);
}

static int
cmd_reassigned(int argc, char **argv)
{
	struct tnlist	 l = { NULL, 0, 0 };
	struct reassign	 res;
	time_t		 now = time(NULL), since = now;
	int		 i, rc = 2;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (since_parse(argv[++i], &since) == -1) {
				fprintf(stderr, "idprover-admin: --since: an "
				    "RFC 3339 time or a date YYYY-MM-DD\n");
				goto out;
			}
		} else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
			if (tn_file(&l, argv[++i]) == -1)
				goto out;
		} else if (tn_add(&l, argv[i], strlen(argv[i])) == -1) {
			fprintf(stderr, "idprover-admin: %s: not a telephone "
			    "number of %d to %d digits\n", argv[i], TN_MIN,
			    TN_MAX);
			goto out;
		}
	}
	if (l.n == 0) {
		fprintf(stderr, "idprover-admin: reassigned: no numbers\n");
		goto out;
	}
	rc = 1;
	if (reassign_numbers(srv.st, l.v, l.n, since, now, &res) == -1) {
		fprintf(stderr, "idprover-admin: reassigned: failed\n");
		goto out;
	}
	printf("reassigned: %zu numbers, %ld orders proved before the "
	    "report, %ld certificates revoked (privilegeWithdrawn), %ld "
	    "authorizations ended\n", l.n, res.orders, res.certs, res.authzs);
	rc = 0;
out:
	free(l.v);
	return rc;
}

static int
lineage_one(void *arg, const struct order *o, const struct cert *c,
    const char *by)
{
	char	 issued[40], until[40];

	(void)arg;
	if (time_fmt((time_t)c->issued, issued, sizeof(issued)) == -1 ||
	    time_fmt((time_t)c->not_after, until, sizeof(until)) == -1)
		return -1;
	printf("%s account=%s profile=%s issued=%s notAfter=%s %s "
	    "replaces=%s replacedBy=%s\n", o->id, o->acct,
	    o->profile[0] != '\0' ? o->profile : "-", issued, until,
	    c->revoked ? "revoked" : "valid",
	    o->replaces[0] != '\0' ? o->replaces : "-",
	    by[0] != '\0' ? by : "-");
	return 0;
}

static int
cmd_lineage(int argc, char **argv)
{
	const char	*tn;
	int		 n;

	if (argc != 2)
		usage();
	tn = argv[1][0] == '+' ? argv[1] + 1 : argv[1];
	if (strlen(tn) < TN_MIN || strlen(tn) > TN_MAX ||
	    strspn(tn, "0123456789") != strlen(tn)) {
		fprintf(stderr, "idprover-admin: %s: not a telephone number\n",
		    argv[1]);
		return 2;
	}
	if ((n = reassign_lineage(srv.st, tn, lineage_one, NULL)) == -1) {
		fprintf(stderr, "idprover-admin: lineage: failed\n");
		return 1;
	}
	if (n == 0)
		printf("no certificates for +%s\n", tn);
	return 0;
}

static int
cmd_platform(int argc, char **argv)
{
	return platform_admin(&srv, argc, argv);
}

static int
cmd_guard(int argc, char **argv)
{
	return guard_admin(&srv, argc, argv);
}

int
main(int argc, char *argv[])
{
	const char	*conf = NULL;
	char		 err[256];
	size_t		 i;
	int		 ch, rc;

	umask(077);
	log_set_name("idprover-admin");
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		if (ch == 'c')
			conf = conf_file = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	for (i = 0; i < NCMDS; i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			break;
	if (i == NCMDS)
		usage();
	if (config_load(&srv.cfg, conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "idprover-admin: configuration: %s\n", err);
		return 1;
	}
	if (cmds[i].needdb && (secret_load(&srv.cfg, srv.secret) == -1 ||
	    (srv.st = store_open(admin_where(), 0)) == NULL))
		return 1;
	rc = cmds[i].fn(argc, argv);
	store_close(srv.st);
	return rc;
}

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

	(void)argc;
	(void)argv;
	snprintf(p, sizeof(p), "%s/x", srv.cfg.data_dir);
	if (mkparents(p) == -1 || mkparents(srv.cfg.db_dir) == -1 ||
	    mkparents(srv.cfg.ca_key) == -1 || mkparents(srv.cfg.ca_cert)) {
		fprintf(stderr, "idprover-admin: cannot create %s: %s\n",
		    srv.cfg.data_dir, strerror(errno));
		return 1;
	}
	if (secret_init(&srv.cfg) == -1)
		return 1;
	if ((st = store_open(srv.cfg.db_dir, 1)) == NULL)
		return 1;
	store_close(st);
	if ((ca = ca_open(srv.cfg.ca_key, srv.cfg.ca_cert, srv.cfg.ca_name,
	    1)) == NULL)
		return 1;
	ca_free(ca);
	printf("data folder %s ready; CA certificate %s\n", srv.cfg.data_dir,
	    srv.cfg.ca_cert);
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
	    (srv.st = store_open(srv.cfg.db_dir, 0)) == NULL))
		return 1;
	rc = cmds[i].fn(argc, argv);
	store_close(srv.st);
	return rc;
}

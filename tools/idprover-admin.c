/* idprover-admin: the operator's tool. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acme.h"
#include "log.h"
#include "outbox.h"
#include "secret.h"
#include "sms.h"
#include "smstext.h"
#include "x509.h"

static struct server	 srv;

static int	cmd_init(int, char **);
static int	cmd_check(int, char **);
static int	cmd_flush(int, char **);

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	int		 needdb;
	const char	*help;
} cmds[] = {
	{ "init", cmd_init, 0, "create the data folder, database, CA, secret" },
	{ "check-config", cmd_check, 0, "validate the configuration" },
	{ "sms-flush", cmd_flush, 1, "deliver queued SMS (cron-able)" },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: idprover-admin [-c config] command\n");
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
	if ((gw = gateway_open2(srv.cfg.sms_gateway,
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
	if ((srv.gw = gateway_open2(srv.cfg.sms_gateway,
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

int
main(int argc, char *argv[])
{
	const char	*conf = NULL;
	char		 err[256];
	size_t		 i;
	int		 ch, rc;

	umask(077);
	log_set_name("idprover-admin");
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch == 'c')
			conf = optarg;
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

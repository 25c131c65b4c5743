/* libFuzzer target: the configuration file (config_load). The input is
 * written to a file under /tmp on each call, the IDPROVER_* variables
 * are cleared once. An accepted configuration satisfies the cross-key
 * checks; a refused one says why. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const envs[] = { "IDPROVER_CONF", "IDPROVER_VAR",
    "IDPROVER_BASE_URL", "IDPROVER_RELAY_URL", "IDPROVER_SMS_GATEWAY",
    "IDPROVER_TEMPLATES", "IDPROVER_RELAY_DIRECTORY",
    "IDPROVER_RELAY_CAFILE" };

static char	 path[64];

static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
}

/* 1 when the char array s of size n holds a NUL. */
static int
terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}
#define TERM(c, m)	terminated((c)->m, sizeof((c)->m))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 c;
	char		 err[256];
	size_t		 i, off;
	ssize_t		 n;
	int		 fd;

	if (path[0] == '\0') {
		for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
			unsetenv(envs[i]);
		snprintf(path, sizeof(path), "/tmp/fuzz_config.%ld.conf",
		    (long)getpid());
		atexit(cleanup);
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	for (off = 0; off < size; off += (size_t)n)
		if ((n = write(fd, data + off, size - off)) <= 0)
			abort();
	close(fd);

	err[0] = '\0';
	memset(&c, 0xa5, sizeof(c));
	if (config_load(&c, path, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (!TERM(&c, base_url) || !TERM(&c, local_prefix) ||
	    !TERM(&c, data_dir) || !TERM(&c, db_dir) || !TERM(&c, ca_key) ||
	    !TERM(&c, ca_cert) || !TERM(&c, sms_gateway) ||
	    !TERM(&c, sms_template) || !TERM(&c, sms_platform) ||
	    !TERM(&c, sms_link) || !TERM(&c, relay_directory) ||
	    !TERM(&c, relay_key) || !TERM(&c, relay_db) ||
	    !TERM(&c, relay_cafile) || !TERM(&c, templates))
		abort();
	if (strncmp(c.base_url, "http", 4) != 0 ||
	    strstr(c.sms_template, "{code}") == NULL ||
	    c.cert_days < 1 || c.cert_days > c.cert_max_days ||
	    c.cert_max_days > 90 || c.nprefixes > PREFIXES_MAX ||
	    c.db_dir[0] == '\0' || c.sms_gateway[0] == '\0')
		abort();
	for (i = 0; i < c.nprefixes; i++)
		if (c.prefixes[i][0] == '\0' || strlen(c.prefixes[i]) > TN_MAX ||
		    strspn(c.prefixes[i], "0123456789") !=
		    strlen(c.prefixes[i]))
			abort();
	return 0;
}

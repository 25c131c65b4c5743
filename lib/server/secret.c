/* The server secret file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "crypt.h"
#include "file.h"
#include "log.h"
#include "secret.h"

static int
secret_path(const struct config *c, char *buf, size_t size)
{
	int	 n = snprintf(buf, size, "%s/secret", c->data_dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
secret_load(const struct config *c, unsigned char out[32])
{
	char	 path[PATH_LEN + 16];
	int	 fd;
	ssize_t	 n;

	if (secret_path(c, path, sizeof(path)) == -1 ||
	    (fd = open(path, O_RDONLY)) == -1) {
		log_err("%s: %s: %s (run idprover-admin init)", __func__,
		    c->data_dir, strerror(errno));
		return -1;
	}
	n = read(fd, out, 32);
	close(fd);
	if (n != 32) {
		log_err("%s: %s: short secret", __func__, path);
		return -1;
	}
	return 0;
}

int
secret_init(const struct config *c)
{
	char		 path[PATH_LEN + 16];
	unsigned char	 s[32];
	int		 rc;

	if (secret_path(c, path, sizeof(path)) == -1)
		return -1;
	if (crypt_random(s, sizeof(s)) == -1)
		return -1;
	/* Another process may create it first: theirs stays (rc 1). */
	rc = file_create(path, s, sizeof(s), 0600);
	explicit_bzero(s, sizeof(s));
	return rc == -1 ? -1 : 0;
}

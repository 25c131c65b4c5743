/*
 * The issued key and chain, handed to the platform: files
 * <number>-<time>-<random>.pem and .key in the issued folder beside the
 * account key, mode 0600. The .pem is made first with O_EXCL: that
 * claims the name, so two sessions finishing for one number in the same
 * second each keep their own pair, and a name already taken is never
 * overwritten or removed (another random part is tried instead).
 * XXX: a folder is the simplest handoff to the platform's own systems; a
 * hook or a queue may suit some better.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypt.h"
#include "log.h"
#include "page.h"
#include "sign.h"

#define ISSUED_TRIES	8	/* random parts tried for a free name */

/* Write all of len octets of p to fd. */
static int
issued_write(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Claim a free stem "dir/tn-ts-rand" by creating its .pem: the open
 * file, or -1 (logged). */
static int
issued_claim(const char *dir, const char *tn, const char *ts, char *stem,
    size_t stemsz)
{
	unsigned char	 raw[4];
	char		 path[PATH_LEN + 96];
	int		 i, fd;

	for (i = 0; i < ISSUED_TRIES; i++) {
		if (crypt_random(raw, sizeof(raw)) == -1)
			return -1;
		if (snprintf(stem, stemsz, "%s/%s-%s-%02x%02x%02x%02x", dir, tn,
		    ts, raw[0], raw[1], raw[2], raw[3]) >= (int)stemsz ||
		    snprintf(path, sizeof(path), "%s.pem", stem) >=
		    (int)sizeof(path))
			return -1;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd != -1)
			return fd;
		if (errno != EEXIST) {
			log_err("%s: %s: %s", __func__, path, strerror(errno));
			return -1;
		}
	}
	log_err("%s: %s: no free name after %d tries", __func__, dir, i);
	return -1;
}

/*
 * Keep key and pem for tn issued at now; stem gets the path without its
 * extension. Returns 0, or -1 (logged; what was written stays).
 */
int
issued_keep(const char *dir, const struct signer *key, const char *tn,
    const char *pem, time_t now, char *stem, size_t stemsz)
{
	struct tm	 tm;
	char		 ts[32], path[PATH_LEN + 96];
	int		 fd, rc = 0;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -1;
	if ((fd = issued_claim(dir, tn, ts, stem, stemsz)) == -1)
		return -1;
	if (issued_write(fd, pem, strlen(pem)) == -1 || fsync(fd) == -1) {
		log_err("%s: %s.pem: %s", __func__, stem, strerror(errno));
		rc = -1;
	}
	if (close(fd) == -1)
		rc = -1;
	snprintf(path, sizeof(path), "%s.key", stem);
	if (signer_save(key, path) == -1) {
		log_err("%s: %s: the certificate's key was not kept",
		    __func__, path);
		rc = -1;
	}
	return rc;
}

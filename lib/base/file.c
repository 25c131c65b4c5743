/* Files: bounded whole-file reads and atomic, durable replacement. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "log.h"

int
file_exists(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	log_err("%s: %s: %s", __func__, path, strerror(errno));
	return -1;
}

/* Read exactly want octets from fd into buf. 0, or -1. */
static int
file_read_all(int fd, unsigned char *buf, size_t want)
{
	size_t	 len = 0;
	ssize_t	 n;

	while (len < want) {
		n = read(fd, buf + len, want - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	return 0;
}

int
file_read(const char *path, size_t max, unsigned char **out, size_t *len,
    int quiet_enoent)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	int		 fd, rc = -1;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (!(quiet_enoent && errno == ENOENT))
			log_err("%s: %s: %s", __func__, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < 0 || (unsigned long long)st.st_size > max) {
		log_err("%s: %s: not a regular file of at most %zu octets",
		    __func__, path, max);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		log_err("%s: %s: out of memory", __func__, path);
		goto out;
	}
	if (file_read_all(fd, buf, (size_t)st.st_size) == -1) {
		log_err("%s: %s: short read", __func__, path);
		goto out;
	}
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {	/* it may have held part of a key */
		explicit_bzero(buf, (size_t)st.st_size + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

int
file_write_all(int fd, const void *p, size_t len)
{
	const unsigned char	*buf = p;
	ssize_t			 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Flush the directory holding path, so a rename into it is durable. */
static void
file_dir_sync(const char *path)
{
	char	 buf[PATH_MAX];
	int	 fd;

	if (strlen(path) >= sizeof(buf))
		return;
	strcpy(buf, path);
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY)) == -1)
		return;
	if (fsync(fd) == -1)
		log_warn("%s: %s: %s", __func__, path, strerror(errno));
	close(fd);
}

int
file_write(const char *path, const void *buf, size_t len, mode_t mode)
{
	char	 tmp[PATH_MAX];
	int	 fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		log_err("%s: %s: path too long", __func__, path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_err("%s: mkstemp %s: %s", __func__, tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1 || file_write_all(fd, buf, len) == -1 ||
	    fsync(fd) == -1) {
		log_err("%s: %s: %s", __func__, tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		log_err("%s: %s: %s", __func__, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	file_dir_sync(path);
	return 0;
}

int
file_create(const char *path, const void *buf, size_t len, mode_t mode)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1 && errno == EEXIST)
		return 1;
	if (fd == -1) {
		log_err("%s: %s: %s", __func__, path, strerror(errno));
		return -1;
	}
	if (file_write_all(fd, buf, len) == -1 || fsync(fd) == -1) {
		log_err("%s: %s: %s", __func__, path, strerror(errno));
		close(fd);
		unlink(path);	/* ours: created above */
		return -1;
	}
	if (close(fd) == -1) {
		log_err("%s: %s: %s", __func__, path, strerror(errno));
		return -1;
	}
	file_dir_sync(path);
	return 0;
}

int
file_copy(const char *from, const char *to, int excl)
{
	char	 buf[8192];
	ssize_t	 n;
	int	 in, out, rc = -1;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1) {
		log_err("%s: %s: %s", __func__, from, strerror(errno));
		return -1;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (excl ? O_EXCL : O_TRUNC), 0600)) == -1) {
		log_err("%s: %s: %s", __func__, to, strerror(errno));
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0 || (n == -1 &&
	    errno == EINTR))
		if (n > 0 && file_write_all(out, buf, (size_t)n) == -1)
			break;
	if (n == 0 && fsync(out) == 0)
		rc = 0;
	else
		log_err("%s: %s: %s", __func__, from, strerror(errno));
	close(in);
	if (close(out) == -1)
		rc = -1;
	return rc;
}

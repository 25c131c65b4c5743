/* Files: bounded whole-file reads and atomic, durable replacement. */
#ifndef FILE_H
#define FILE_H
#include <sys/types.h>
#include <stddef.h>

/* 1 when path exists, 0 when it does not, -1 (logged) when unknown. */
int	file_exists(const char *path);
/* Read a regular file of at most max octets into a malloc'd buffer with a
 * NUL after the last octet, which the caller wipes if secret and frees.
 * *len gets the length (without the NUL). 0, or -1 (logged); a file that
 * is missing logs nothing when quiet_enoent is set and sets errno. */
int	file_read(const char *path, size_t max, unsigned char **out,
	    size_t *len, int quiet_enoent);
/* Write len octets to fd, retrying on EINTR. 0, or -1 with errno set. */
int	file_write_all(int fd, const void *buf, size_t len);
/* Replace path with buf of the given mode: a temporary file in the same
 * directory, flushed, renamed, and the directory flushed. 0, or -1
 * (logged). */
int	file_write(const char *path, const void *buf, size_t len, mode_t mode);
/* Create path, which must not exist yet (O_EXCL), with buf, flushed.
 * 0; 1 when it already existed (nothing touched); -1 (logged). */
int	file_create(const char *path, const void *buf, size_t len,
	    mode_t mode);
/* Copy from to a new file to (0600), flushed; excl: refuse to replace an
 * existing file. 0, or -1 (logged). */
int	file_copy(const char *from, const char *to, int excl);

#endif

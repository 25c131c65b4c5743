/* Corpus replay without libFuzzer: calls LLVMFuzzerTestOneInput once per
 * file named on the command line and once per regular file inside each
 * directory named there (sorted, not recursive, dot files skipped).
 * Each input sits in a buffer of exactly its size, so the sanitizers
 * see reads past its end. Exits 0 when every input ran, 1 when a path
 * could not be read; a failing input aborts in the target itself. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static unsigned long	 ran;

/* Read a whole file into a buffer of exactly its size (one octet for an
 * empty file, passed with size 0). */
static uint8_t *
replay_read(const char *path, size_t *size)
{
	struct stat	 sb;
	uint8_t		*buf;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1 || sb.st_size < 0 ||
	    (buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (off < (size_t)sb.st_size) {
		n = read(fd, buf + off, (size_t)sb.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (off != (size_t)sb.st_size) {
		free(buf);
		return NULL;
	}
	*size = off;
	return buf;
}

static int
replay_file(const char *path)
{
	uint8_t	*buf;
	size_t	 size;

	if ((buf = replay_read(path, &size)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(stderr, "Running: %s (%zu octets)\n", path, size);
	LLVMFuzzerTestOneInput(buf, size);
	free(buf);
	ran++;
	return 0;
}

static int
replay_skip(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int
replay_dir(const char *dir)
{
	struct dirent	**names;
	struct stat	  sb;
	char		 *path;
	int		  i, n, rc = 0;

	if ((n = scandir(dir, &names, replay_skip, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) == -1) {
			rc = -1;
			break;
		}
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    replay_file(path) == -1)
			rc = -1;
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct stat	 sb;
	int		 i, rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s file|directory ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		} else if (S_ISDIR(sb.st_mode)) {
			if (replay_dir(argv[i]) == -1)
				rc = 1;
		} else if (replay_file(argv[i]) == -1)
			rc = 1;
	}
	printf("replay: %lu inputs\n", ran);
	return rc;
}

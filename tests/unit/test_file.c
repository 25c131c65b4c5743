/* Unit tests of lib/base/file.c in a temporary folder: bounded reads
 * (too large, not a regular file, missing), the NUL after the content,
 * atomic replacement with its mode, exclusive creation that never
 * touches an existing file, and copies. */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "file.h"
#include "harness.h"

struct fx {
	char	 dir[64];
	char	 a[96], b[96];
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/idprover-file.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->a, sizeof(f->a), "%s/a", f->dir);
	snprintf(f->b, sizeof(f->b), "%s/b", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	hx_rmtree(f->dir);
	free(f);
	return 0;
}

static void
test_write_read(void **state)
{
	struct fx	*f = *state;
	unsigned char	*p;
	size_t		 n;
	struct stat	 st;

	assert_int_equal(file_write(f->a, "a\0b", 3, 0640), 0);
	assert_int_equal(stat(f->a, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(file_read(f->a, 3, &p, &n, 0), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "a\0b", 3);
	assert_int_equal(p[3], '\0');
	free(p);
	/* Replaced whole, mode included; no temporary file left. */
	assert_int_equal(file_write(f->a, "xy", 2, 0600), 0);
	assert_int_equal(file_read(f->a, 100, &p, &n, 0), 0);
	assert_int_equal(n, 2);
	free(p);
	assert_int_equal(stat(f->a, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(file_exists(f->b), 0);
}

static void
test_read_refused(void **state)
{
	struct fx	*f = *state;
	unsigned char	*p = (unsigned char *)"x";
	size_t		 n = 7;

	assert_int_equal(file_write(f->a, "abcd", 4, 0600), 0);
	/* One octet over the bound. */
	assert_int_equal(file_read(f->a, 3, &p, &n, 0), -1);
	assert_null(p);
	assert_int_equal(n, 0);
	/* A folder is not a regular file. */
	assert_int_equal(file_read(f->dir, 1024, &p, &n, 0), -1);
	/* Missing, quietly when asked: errno says why. */
	assert_int_equal(file_read(f->b, 1024, &p, &n, 1), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(file_read(f->a, 4, &p, &n, 0), 0);
	free(p);
}

static void
test_create(void **state)
{
	struct fx	*f = *state;
	unsigned char	*p;
	size_t		 n;

	assert_int_equal(file_create(f->a, "first", 5, 0600), 0);
	/* A second creator finds it there and changes nothing. */
	assert_int_equal(file_create(f->a, "second", 6, 0600), 1);
	assert_int_equal(file_read(f->a, 100, &p, &n, 0), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "first", 5);
	free(p);
}

static void
test_copy(void **state)
{
	struct fx	*f = *state;
	unsigned char	*p;
	size_t		 n;
	char		 big[20000];

	memset(big, 'q', sizeof(big));
	assert_int_equal(file_write(f->a, big, sizeof(big), 0600), 0);
	assert_int_equal(file_copy(f->a, f->b, 1), 0);
	assert_int_equal(file_read(f->b, sizeof(big), &p, &n, 0), 0);
	assert_int_equal(n, sizeof(big));
	assert_memory_equal(p, big, n);
	free(p);
	/* Exclusive: the copy is not replaced; without, it is. */
	assert_int_equal(file_copy(f->a, f->b, 1), -1);
	assert_int_equal(file_write(f->a, "z", 1, 0600), 0);
	assert_int_equal(file_copy(f->a, f->b, 0), 0);
	assert_int_equal(file_read(f->b, 10, &p, &n, 0), 0);
	assert_int_equal(n, 1);
	free(p);
	assert_int_equal(file_exists(f->b), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
	};

	return cmocka_run_group_tests_name("file", tests, NULL, NULL);
}

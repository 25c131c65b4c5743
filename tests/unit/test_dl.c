/* Unit tests of lib/base/dl.c: a table filled from a library opened at
 * run time (libc itself, always there); a library or a symbol that is not
 * there fails whole, and a loaded table is not loaded again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dl.h"

struct table {
	size_t	(*len)(const char *);
	int	(*cmp)(const char *, const char *);
};

static const struct dl_sym syms[] = {
	DL_SYM(struct table, len, "strlen"),
	DL_SYM(struct table, cmp, "strcmp"),
};

static void
test_fill(void **state)
{
	struct table	 t;
	int		 loaded = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(dl_table("libc.so.6", "libc6", syms, 2, &t,
	    &loaded), 0);
	assert_int_equal(loaded, 1);
	assert_int_equal(t.len("four"), 4);
	assert_true(t.cmp("a", "b") < 0);
	/* Loaded: the table is left as it is. */
	memset(&t, 0, sizeof(t));
	assert_int_equal(dl_table("libc.so.6", "libc6", syms, 2, &t,
	    &loaded), 0);
	assert_null(t.len);
}

static void
test_missing(void **state)
{
	static const struct dl_sym bad[] = {
		DL_SYM(struct table, len, "strlen"),
		DL_SYM(struct table, cmp, "no_such_symbol_here"),
	};
	struct table	 t;
	int		 loaded = 0;

	(void)state;
	assert_int_equal(dl_table("libno-such-library.so.9", "none", syms,
	    2, &t, &loaded), -1);
	assert_int_equal(loaded, 0);
	assert_int_equal(dl_table("libc.so.6", "libc6", bad, 2, &t,
	    &loaded), -1);
	assert_int_equal(loaded, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_missing),
	};

	return cmocka_run_group_tests_name("dl", tests, NULL, NULL);
}

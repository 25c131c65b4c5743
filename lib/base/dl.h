/* A library opened at run time, for what only some configurations use
 * (libpq for a PostgreSQL store, libcurl for an HTTP SMS gateway): a
 * program that does not need it never maps it, nor the libraries it
 * brings, and does not relocate them at every start. The caller keeps a
 * table of function pointers and names each member's symbol. */
#ifndef BASE_DL_H
#define BASE_DL_H
#include <stddef.h>

struct dl_sym {
	const char	*name;	/* the library's symbol */
	size_t		 off;	/* where its address goes in the table */
};

#define DL_SYM(type, member, sym)	{ sym, offsetof(type, member) }

/* Open soname (once per table: *loaded) and fill table; 0, or -1 logged,
 * naming pkg, the Debian package that provides it. */
int	dl_table(const char *soname, const char *pkg,
	    const struct dl_sym *syms, size_t n, void *table, int *loaded);

#endif

/* Opening a library at run time and filling a table (dl.h says why). */
#include <dlfcn.h>
#include <string.h>

#include "dl.h"
#include "log.h"

int
dl_table(const char *soname, const char *pkg, const struct dl_sym *syms,
    size_t n, void *table, int *loaded)
{
	void	*h, *f;
	size_t	 i;

	if (*loaded)
		return 0;
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_err("%s: %s (Debian: %s)", __func__, dlerror(), pkg);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((f = dlsym(h, syms[i].name)) == NULL) {
			log_err("%s: %s: %s", __func__, soname, dlerror());
			dlclose(h);
			return -1;
		}
		/* POSIX: a symbol's address converts to a function pointer. */
		memcpy((char *)table + syms[i].off, &f, sizeof(f));
	}
	*loaded = 1;
	return 0;
}

/* Opening libpq at run time (pq.h says why). */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "log.h"
#define PQ_LOADER
#include "pq.h"

struct pq	 pq;

static const struct {
	const char	*name;
	size_t		 off;
} pq_syms[] = {
#define PQ_SYM(f)	{ #f, offsetof(struct pq, f) },
	PQ_FUNCS(PQ_SYM)
#undef PQ_SYM
};

int
pq_load(void)
{
	static int	 loaded;
	void		*h, *f;
	size_t		 i;

	if (loaded)
		return 0;
	if ((h = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_err("%s: the PostgreSQL store needs libpq (Debian: "
		    "libpq5): %s", __func__, dlerror());
		return -1;
	}
	for (i = 0; i < sizeof(pq_syms) / sizeof(pq_syms[0]); i++) {
		if ((f = dlsym(h, pq_syms[i].name)) == NULL) {
			log_err("%s: %s: %s", __func__, PQ_SONAME, dlerror());
			dlclose(h);
			return -1;
		}
		/* POSIX: a symbol's address converts to a function pointer. */
		memcpy((char *)&pq + pq_syms[i].off, &f, sizeof(f));
	}
	loaded = 1;
	return 0;
}

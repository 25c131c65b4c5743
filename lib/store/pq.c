/* Opening libpq at run time (pq.h says why). */
#include <stddef.h>

#include "dl.h"
#define PQ_LOADER
#include "pq.h"

struct pq	 pq;

static const struct dl_sym pq_syms[] = {
#define PQ_SYM(f)	DL_SYM(struct pq, f, #f),
	PQ_FUNCS(PQ_SYM)
#undef PQ_SYM
};

int
pq_load(void)
{
	static int	 loaded;

	return dl_table(PQ_SONAME, "libpq5", pq_syms,
	    sizeof(pq_syms) / sizeof(pq_syms[0]), &pq, &loaded);
}

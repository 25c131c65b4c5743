/* Growing byte buffers. */
#ifndef BUF_H
#define BUF_H
#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len, cap;
};

/* Append; -1 when out of memory (logged), the buffer unchanged. */
int		 buf_add(struct buf *, const void *, size_t);
int		 buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 buf_free(struct buf *);

#endif

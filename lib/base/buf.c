/* Growing byte buffers for response heads and bodies. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

int
buf_add(struct buf *b, const void *p, size_t len)
{
	size_t	 cap;
	char	*np;

	if (len > SIZE_MAX / 2 - b->len)
		return -1;
	if (b->len + len + 1 > b->cap) {
		cap = b->cap ? b->cap : 512;
		while (cap < b->len + len + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n, rc;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	rc = buf_add(b, s, (size_t)n);
	free(s);
	return rc;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

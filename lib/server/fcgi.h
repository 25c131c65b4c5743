/* The FastCGI request loop and raw I/O; falls back to one CGI request. */
#ifndef FCGI_H
#define FCGI_H
#include <stddef.h>
#include <sys/types.h>

/* Wait for the next request: 0 when one is ready, -1 when done. */
int		 fcgi_accept(void);
/* A request variable (CGI meta-variable), or NULL. */
const char	*fcgi_param(const char *);
/* Read up to len octets of the request body: octets read, or -1. */
ssize_t		 fcgi_read(void *, size_t);
/* Write the whole buffer to the response. */
int		 fcgi_write(const void *, size_t);
/* Finish the current request. */
void		 fcgi_finish(void);

#endif

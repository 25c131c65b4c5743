/* FastCGI through libfcgi's fcgiapp interface; the only file that sees
 * the FastCGI library. Started as plain CGI (stdin is not a socket), a
 * program serves exactly one request on stdin, stdout and environ. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi.h"

static FCGX_Request	 request;
static int		 initialised;
static int		 cgi;		/* plain CGI: one request */
static size_t		 consumed;	/* CGI: body octets read */

int
fcgi_accept(void)
{
	if (!initialised) {
		initialised = 1;
		if (FCGX_IsCGI()) {
			cgi = 2;	/* this one request, then done */
			return 0;
		}
		if (FCGX_Init() != 0 || FCGX_InitRequest(&request, 0, 0) != 0)
			return -1;
	}
	if (cgi)
		return -1;
	return FCGX_Accept_r(&request) == 0 ? 0 : -1;
}

const char *
fcgi_param(const char *name)
{
	if (cgi)
		return getenv(name);
	return FCGX_GetParam(name, request.envp);
}

ssize_t
fcgi_read(void *buf, size_t len)
{
	size_t	 got = 0;
	ssize_t	 n;
	int	 r;

	while (got < len) {
		if (cgi) {
			n = read(STDIN_FILENO, (char *)buf + got, len - got);
			if (n <= 0)
				return n < 0 ? -1 : (ssize_t)got;
			got += (size_t)n;
			consumed += (size_t)n;
			continue;
		}
		r = FCGX_GetStr((char *)buf + got, (int)(len - got),
		    request.in);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int
fcgi_write(const void *buf, size_t len)
{
	if (cgi)
		return fwrite(buf, 1, len, stdout) == len ? 0 : -1;
	return FCGX_PutStr(buf, (int)len, request.out) == (int)len ? 0 : -1;
}

/* CGI: read what is left of the body (up to 1 MiB). A web server that
 * writes the whole body before reading the answer (Apache's mod_cgid)
 * otherwise sees a reset and drops an early answer such as a 413. */
static void
fcgi_drain(void)
{
	const char	*cl = getenv("CONTENT_LENGTH");
	unsigned long	 want = cl != NULL ? strtoul(cl, NULL, 10) : 0;
	char		 b[8192];
	ssize_t		 n;

	if (want > 1UL << 20)
		want = 1UL << 20;
	while (want > consumed && (n = read(STDIN_FILENO, b,
	    want - consumed < sizeof(b) ? want - consumed : sizeof(b))) > 0)
		consumed += (size_t)n;
}

void
fcgi_finish(void)
{
	if (cgi) {
		fflush(stdout);
		fcgi_drain();
	} else
		FCGX_Finish_r(&request);
}

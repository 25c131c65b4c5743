/* The ceiling of the architecture: a FastCGI program that reads nothing,
 * touches nothing and answers an empty 200 (the shape of a new-nonce
 * answer), under the same web server and TLS setup as the programs. */
#include <fcgiapp.h>

static const char reply[] = "Status: 200 OK\r\nContent-Length: 0\r\n\r\n";

int
main(void)
{
	FCGX_Request	 r;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) == 0) {
		FCGX_PutStr(reply, sizeof(reply) - 1, r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}

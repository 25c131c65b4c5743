/* libFuzzer target: the client address behind trusted proxies
 * (fwd_client) over a hostile Forwarded or X-Forwarded-For header (the
 * first octet picks which), and fwd_cidr over the same text. Whatever
 * comes out must be an address, and a trusted one only when every hop
 * was trusted or unreadable. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "fwd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const ranges[] = {
	"10.0.0.0/8", "127.0.0.1", "2001:db8::/32", "::1",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr	 trusted[4], c;
	unsigned char	 a[16];
	char		*s, out[FWD_VALUE_MAX];
	size_t		 i;
	enum fwd_header	 kind;

	if (size == 0)
		return 0;
	for (i = 0; i < 4; i++)
		if (fwd_cidr(ranges[i], &trusted[i]) == -1)
			abort();
	kind = data[0] & 1 ? FWD_FORWARDED : FWD_XFF;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (fwd_client("10.1.2.3", s, kind, trusted, 4, out, sizeof(out)) != 0 ||
	    fwd_addr(out, strlen(out), a) == -1)
		abort();
	/* An untrusted remote is never replaced by the header. */
	if (fwd_client("192.0.2.1", s, kind, trusted, 4, out,
	    sizeof(out)) != 0 || strcmp(out, "192.0.2.1") != 0)
		abort();
	if (fwd_cidr(s, &c) == 0 && c.bits > 128)
		abort();
	free(s);
	return 0;
}

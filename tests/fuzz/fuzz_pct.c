/* libFuzzer target: percent-decoding (pct_decode) of the input under each
 * flag set, into a buffer of every interesting size: the result stays in
 * bounds and NUL-terminated, is never longer than the input, and holds
 * no control character where they are refused. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pct.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX	4096

static void
check(const uint8_t *data, size_t size, size_t outsz, unsigned flags)
{
	static char	 out[FUZZ_MAX + 1];
	enum pct	 rc;
	size_t		 n, i;

	memset(out, 0x55, sizeof(out));
	rc = pct_decode((const char *)data, size, out, outsz, flags, &n);
	if (rc >= PCT__MAX || n > size || (outsz > 0 && n >= outsz))
		abort();
	if (outsz > 0 && out[n] != '\0')
		abort();
	if (outsz < sizeof(out) && out[outsz] != 0x55)
		abort();	/* wrote past the bound */
	if (rc != PCT_OK || !(flags & PCT_NOCTL))
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned	 flags[] = { 0, PCT_FORM, PCT_NOCTL,
	    PCT_FORM | PCT_NOCTL };
	size_t			 i;

	if (size > FUZZ_MAX)
		return 0;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		check(data, size, FUZZ_MAX + 1, flags[i]);
		check(data, size, size / 2 + 1, flags[i]);
		check(data, size, 1, flags[i]);
		check(data, size, 0, flags[i]);
	}
	return 0;
}

/* libFuzzer target: RFC 3339 times (time_parse) as they come in
 * newOrder's notBefore and notAfter. An accepted time that is not
 * before 1970 prints with time_fmt and parses back to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX	256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 s[FUZZ_MAX + 1], buf[64];
	time_t	 t, u;

	if (size > FUZZ_MAX)
		size = FUZZ_MAX;
	memcpy(s, data, size);
	s[size] = '\0';
	if (time_parse(s, &t) == -1)
		return 0;
	/* Years 1970-9999, give or take a day of offset. */
	if ((int64_t)t < -86400 || (int64_t)t > 253402300799LL + 86400)
		abort();
	if (t >= 0) {
		if (time_fmt(t, buf, sizeof(buf)) == -1 || strlen(buf) != 20 ||
		    time_parse(buf, &u) == -1 || u != t)
			abort();
	}
	return 0;
}

/* libFuzzer target: TNAuthList DER (tnauthlist_parse) and the ACME
 * identifier value (tnauthlist_ident_parse) over the same input. An
 * accepted DER must be exactly the encoding of the number it yields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "problem.h"
#include "tnauthlist.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort unless tn is 1 to TN_MAX digits. */
static void
check_tn(const char *tn)
{
	size_t	 i, len = strlen(tn);

	/* E.164: TN_MIN to TN_MAX digits, no leading 0. */
	if (len < TN_MIN || len > TN_MAX || tn[0] == '0')
		abort();
	for (i = 0; i < len; i++)
		if (tn[i] < '0' || tn[i] > '9')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 der[TNAUTHLIST_DER_MAX], again[TNAUTHLIST_DER_MAX];
	char		 tn[TN_MAX + 1], detail[DETAIL_MAX];
	size_t		 derlen, alen;
	enum prob	 p;

	p = tnauthlist_parse(data, size, tn, detail, sizeof(detail));
	if (p == PROB_NONE) {
		check_tn(tn);
		alen = sizeof(again);
		if (tnauthlist_encode(tn, again, &alen) != 0 || alen != size ||
		    memcmp(again, data, size) != 0)
			abort();
	} else if (p != PROB_MALFORMED && p != PROB_REJECTED_IDENTIFIER)
		abort();

	derlen = sizeof(der);
	p = tnauthlist_ident_parse((const char *)data, size, der, &derlen, tn,
	    detail, sizeof(detail));
	if (p == PROB_NONE) {
		check_tn(tn);
		if (derlen == 0 || derlen > sizeof(der))
			abort();
	} else if (derlen != 0 || tn[0] != '\0')
		abort();
	return 0;
}

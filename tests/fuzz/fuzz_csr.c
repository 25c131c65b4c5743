/* libFuzzer target: PKCS#10 requests through x509_csr_check, against the
 * TNAuthList of the test vectors (TN 12025550123). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "problem.h"
#include "x509.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const unsigned char tnder[] = {
	0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b,
	'1', '2', '0', '2', '5', '5', '5', '0', '1', '2', '3'
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 thumb[THUMB_LEN + 1], detail[DETAIL_MAX];
	enum prob	 p;

	detail[0] = '\0';
	p = x509_csr_check(data, size, tnder, sizeof(tnder), thumb, detail,
	    sizeof(detail));
	if (p == PROB_NONE && strlen(thumb) != THUMB_LEN)
		abort();
	if (p == PROB_BAD_CSR && (thumb[0] != '\0' || detail[0] == '\0'))
		abort();
	if (p != PROB_NONE && p != PROB_BAD_CSR && p != PROB_SERVER_INTERNAL)
		abort();
	return 0;
}

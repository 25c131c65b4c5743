/* libFuzzer target: SMS text fitting and encoding (sms_fits, sms_encode),
 * gateway URL and body template parsing (gw_parse, no file is opened and
 * nothing is sent), template substitution and the file gateway's JSON
 * line. Input: "url[\nbody]"; the whole input is also the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

#define FUZZ_MAX	4096

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A text that fits must encode within one SMS. */
static void
fuzz_text(const char *text)
{
	unsigned char	 out[SMPP_SM_MAX];
	char		 line[128 + TN_MAX + 6 * FUZZ_MAX];
	int		 ucs2 = -1, n;

	if (sms_fits(text, &ucs2)) {
		if (ucs2 != 0 && ucs2 != 1)
			abort();
		n = sms_encode(text, ucs2, out, sizeof(out));
		if (n < 0 || (!ucs2 && n > 160) || (ucs2 && (n > 140 ||
		    n % 2 != 0)))
			abort();
	}
	n = json_line(line, sizeof(line), 0, "15551230000", text);
	if (n >= 0 && ((size_t)n != strlen(line) || line[n - 1] != '\n'))
		abort();
}

/* Check what an accepted URL yields. */
static void
fuzz_gateway(const struct gateway *gw, const char *text)
{
	char	*out;

	if (gw->scheme == GW_SMPP && (gw->smpp.system_id[0] == '\0' ||
	    gw->smpp.host[0] == '\0' || gw->smpp.port[0] == '\0' ||
	    strlen(gw->smpp.system_id) > SMPP_SYSTEM_ID_MAX ||
	    strlen(gw->smpp.password) > SMPP_PASSWORD_MAX ||
	    strlen(gw->smpp.source_addr) > SMPP_ADDR_MAX))
		abort();
	if ((gw->scheme == GW_FILE || gw->scheme == GW_EXEC) &&
	    (gw->path == NULL || gw->path[0] != '/'))
		abort();
	if (gw->scheme != GW_HTTP)
		return;
	if ((out = malloc(SMS_HTTP_MAX)) == NULL)
		return;
	if (tmpl_subst(gw->url, "15551230000", text, 0, out,
	    SMS_HTTP_MAX) == 0 && strlen(out) >= SMS_HTTP_MAX)
		abort();
	if (gw->body != NULL && tmpl_subst(gw->body, "15551230000", text, 1,
	    out, SMS_HTTP_MAX) == 0 && strlen(out) >= SMS_HTTP_MAX)
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 buf[FUZZ_MAX + 1], url[FUZZ_MAX + 1];
	struct gateway	 gw;
	char		 err[SMS_ERR_MAX], *nl, *body = NULL;

	if (size > FUZZ_MAX)
		size = FUZZ_MAX;
	memcpy(buf, data, size);
	buf[size] = '\0';
	fuzz_text(buf);

	memcpy(url, buf, size + 1);
	if ((nl = strchr(url, '\n')) != NULL) {
		*nl = '\0';
		body = nl + 1;
	}
	memset(&gw, 0, sizeof(gw));
	if (gw_parse(&gw, url, body, err, sizeof(err)) == 0)
		fuzz_gateway(&gw, buf);
	else if (err[0] == '\0')
		abort();
	gw_free(&gw);
	return 0;
}

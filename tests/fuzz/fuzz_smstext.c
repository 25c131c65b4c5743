/* libFuzzer target: the SMS template (smstext_render, smstext_check with
 * sms_fits). The input is the template; its first octet also picks the
 * link and WebOTP settings. What smstext_check accepts renders, for any
 * code, to a text that fits one SMS. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "config.h"
#include "sms.h"
#include "smstext.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config	 c;
	static const char *const links[] = { "", "https://chat.example/v",
	    "https://chat.example/v#{code}", "{link}{code}{platform}" };
	char			 out[SMS_TEXT_MAX], err[256];
	size_t			 len;
	int			 ucs2, checked, sel;

	memset(&c, 0, sizeof(c));
	sel = size > 0 ? data[0] : 0;
	len = size < sizeof(c.sms_template) - 1 ? size :
	    sizeof(c.sms_template) - 1;
	memcpy(c.sms_template, data, len);
	c.sms_template[len] = '\0';
	strcpy(c.sms_platform, (sel & 0x10) ? "Chat \xd0\x96" : "Chat");
	strcpy(c.sms_link, links[sel & 3]);
	if (sel & 4)
		strcpy(c.sms_webotp_host, "chat.example");

	err[0] = '\0';
	checked = smstext_check(&c, err, sizeof(err));
	if (checked == -1 && err[0] == '\0')
		abort();
	if (smstext_render(&c, "123456", out, sizeof(out)) == 0) {
		if (strlen(out) >= sizeof(out))
			abort();
		if (checked == 0 && !sms_fits(out, &ucs2))
			abort();
	} else if (checked == 0)
		abort();
	if (smstext_render(&c, "000000", out, sizeof(out)) == 0 &&
	    checked == 0 && !sms_fits(out, &ucs2))
		abort();
	return 0;
}

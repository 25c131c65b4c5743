/* What every file of the SMS layer uses: result names, reasons, time. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "sms.h"
#include "transport.h"

const char *const sms_results[SMS__MAX] = {
	"sent",		/* SMS_SENT */
	"transient",	/* SMS_TRANSIENT */
	"permanent",	/* SMS_PERMANENT */
};

/* Format a failure reason into err; err may be NULL. */
void
sms_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Milliseconds on the monotonic clock, for deadlines. */
long long
sms_clock_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

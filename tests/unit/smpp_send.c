/* Test driver: send SMS through a gateway URL and print each result.
 * usage: smpp_send [-n count] [-p pause_ms] [-t timeout_ms] url to text
 * Prints "<result> <msgid or reason>" per send; exits 0 (sent),
 * 1 (transient), 2 (permanent) for the last send, 3 if the URL is
 * refused, 64 on usage errors. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "log.h"
#include "sms.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: smpp_send [-n count] [-p pause_ms] "
	    "[-t timeout_ms] url to text\n");
	exit(64);
}

static int
number(const char *s, int lo, int hi)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		usage();
	return (int)v;
}

static void
pause_ms(int ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1)
		continue;
}

int
main(int argc, char *argv[])
{
	struct gateway	*gw;
	enum sms_result	 rc = SMS_TRANSIENT;
	char		 msgid[SMS_MSGID_MAX], err[SMS_ERR_MAX];
	int		 c, i, count = 1, pause = 0, timeout = 5000;

	log_set_name("smpp_send");
	while ((c = getopt(argc, argv, "n:p:t:")) != -1) {
		switch (c) {
		case 'n':
			count = number(optarg, 1, 1000);
			break;
		case 'p':
			pause = number(optarg, 0, 600000);
			break;
		case 't':
			timeout = number(optarg, 1, 600000);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	if ((gw = gateway_open(argv[optind], NULL, err, sizeof(err))) == NULL) {
		printf("REFUSED %s\n", err);
		return 3;
	}
	for (i = 0; i < count; i++) {
		if (i > 0 && pause > 0)
			pause_ms(pause);
		rc = gateway_send(gw, argv[optind + 1], argv[optind + 2],
		    timeout, msgid, sizeof(msgid), err, sizeof(err));
		printf("%s %s\n", rc == SMS_SENT ? "SENT" :
		    rc == SMS_PERMANENT ? "PERMANENT" : "TRANSIENT",
		    rc == SMS_SENT ? msgid : err);
		fflush(stdout);
	}
	gateway_close(gw);
	return rc == SMS_SENT ? 0 : rc == SMS_PERMANENT ? 2 : 1;
}

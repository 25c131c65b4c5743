/* SMS delivery: gateways (file, SMPP, HTTP, exec) and text helpers. */
#ifndef SMS_H
#define SMS_H
#include <stddef.h>

enum sms_result {
	SMS_SENT,		/* accepted by the gateway */
	SMS_TRANSIENT,		/* try again later */
	SMS_PERMANENT,		/* will never work for this number/text */
	SMS__MAX
};

/* "sent", "transient", "permanent", indexed by enum sms_result. */
extern const char *const sms_results[SMS__MAX];

struct gateway;

/*
 * Parse a gateway URL and prepare the transport; nothing is sent and no
 * network connection is made. Accepted forms:
 *   file:///abs/path          one JSON object per line, appended
 *   smpp://id:pw@host[:port]?source_addr=S&source_ton=N&source_npi=N
 *   http[s]://...{to}...{text}...
 *   exec:///abs/path/to/program
 * http_body is an optional POST body template for http[s] (NULL for a
 * GET); {to} and {text} in it are form-encoded.
 * On failure, writes a short reason to err and returns NULL. The result
 * belongs to the caller (gateway_close).
 */
struct gateway	*gateway_open(const char *url, const char *http_body,
		    char *err, size_t errsz);

/*
 * Send one SMS with text (UTF-8, must satisfy sms_fits) to the E.164
 * digits in to (no "+"). timeout_ms <= 0 means SMS_TIMEOUT_MS. On
 * SMS_SENT, msgid holds the gateway's message id (may be empty). On
 * failure err holds a short reason that never contains the text.
 * A bad number or text is SMS_PERMANENT. Per transport:
 *   smpp  command_status 0x0B, 0x50, 0x51 permanent, the rest transient
 *         (PROTOCOL 10.5); 0x62 is resent once without validity_period
 *   http  2xx sent; 4xx permanent except 401, 403, 407, 408 and 429;
 *         everything else transient (redirects are not followed)
 *   exec  exit 0 sent (first stdout line = id), 2 permanent, else
 *         transient; killed with its process group at the timeout
 */
enum sms_result	 gateway_send(struct gateway *, const char *to,
		    const char *text, int timeout_ms, char *msgid,
		    size_t msgidsz, char *err, size_t errsz);

/* Close the transport (SMPP: unbind) and free. Accepts NULL. */
void		 gateway_close(struct gateway *);

/* "file", "smpp", "http" (also for https) or "exec". Borrowed. */
const char	*gateway_scheme(const struct gateway *);

/*
 * Whether a UTF-8 text fits one SMS (PROTOCOL 8.3): GSM 03.38 with the
 * extension table counting twice and at most 160 in total (*ucs2 = 0),
 * else BMP only and at most 70 UTF-16 units (*ucs2 = 1). Returns 1 if it
 * fits, 0 if not or if the text is not valid UTF-8. ucs2 may be NULL.
 */
int		 sms_fits(const char *utf8, int *ucs2);

#endif

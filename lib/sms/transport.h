/* What the SMS layer's files share: the gateway, the transports and their
 * helpers. The public interface is sms.h. */
#ifndef SMS_TRANSPORT_H
#define SMS_TRANSPORT_H
#include <stddef.h>
#include <time.h>

#include "bounds.h"
#include "sms.h"

enum gw_scheme {
	GW_FILE,
	GW_SMPP,
	GW_HTTP,
	GW_EXEC,
	GW__MAX
};

/* "file", "smpp", "http", "exec", indexed by enum gw_scheme. */
extern const char *const gw_schemes[GW__MAX];

struct smpp_conf {
	char	 host[256];		/* SMPP_HOST_MAX + NUL */
	char	 port[6];
	char	 system_id[16];		/* SMPP_SYSTEM_ID_MAX + NUL */
	char	 password[9];		/* SMPP_PASSWORD_MAX + NUL */
	char	 source_addr[21];	/* SMPP_ADDR_MAX + NUL */
	int	 source_ton;
	int	 source_npi;
};

struct gateway {
	enum gw_scheme		 scheme;
	char			*path;		/* file, exec */
	int			 fd;		/* file */
	struct smpp_conf	 smpp;
	struct sms_smpp		*sp;
	char			*url;		/* http template */
	char			*body;		/* http body template or NULL */
	struct sms_http		*hp;
};

/* Parse a gateway URL and body template into gw (gwurl.c); nothing is
 * opened. 0, or -1 with a reason in err. gw_free releases what it holds
 * (gateway.c), not gw itself. */
int		 gw_parse(struct gateway *, const char *url, const char *body,
		    char *err, size_t errsz);
void		 gw_free(struct gateway *);

/* Whether c is an ASCII letter or digit. */
int		 ascii_alnum(int c);

/* Copy tmpl to out, replacing {to} and {text} by their percent-encoded
 * values (form: also ' ' as '+'). 0, or -1 when it does not fit. */
int		 tmpl_subst(const char *tmpl, const char *to, const char *text,
		    int form, char *out, size_t outsz);
/* The file transport's line: {"time","to","text"} and a newline. Length,
 * or -1 when it does not fit or the text has control characters. */
int		 json_line(char *out, size_t outsz, time_t t, const char *to,
		    const char *text);

/* Encode a text that sms_fits into GSM 03.38 octets, one per character
 * and 0x1B before extension characters (ucs2 == 0), or UCS-2 big-endian
 * (ucs2 == 1). Returns the number of octets written, -1 on failure. */
int		 sms_encode(const char *utf8, int ucs2, unsigned char *out,
		    size_t outsz);

/* Monotonic clock in milliseconds. */
long long	 sms_clock_ms(void);

/* snprintf into err when err is not NULL. */
void		 sms_err(char *err, size_t errsz, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* SMPP 3.4 transmitter (sms_smpp.c). sms_smpp_new copies the
 * configuration and does not connect; sms_smpp_send binds on first use
 * and keeps the bind. sms_smpp_free unbinds and frees; accepts NULL. */
struct sms_smpp;
struct sms_smpp	*sms_smpp_new(const struct smpp_conf *);
enum sms_result	 sms_smpp_send(struct sms_smpp *, const char *to,
		    const char *text, int timeout_ms, char *msgid,
		    size_t msgidsz, char *err, size_t errsz);
void		 sms_smpp_free(struct sms_smpp *);

/* HTTP(S) request with libcurl (sms_http.c). url and body are already
 * substituted; body NULL means GET. */
struct sms_http;
struct sms_http	*sms_http_new(char *err, size_t errsz);
enum sms_result	 sms_http_send(struct sms_http *, const char *url,
		    const char *body, int timeout_ms, char *err, size_t errsz);
void		 sms_http_free(struct sms_http *);

/* Run program with argv {program, to} and text on stdin, no shell
 * (sms_exec.c). */
enum sms_result	 sms_exec_send(const char *program, const char *to,
		    const char *text, int timeout_ms, char *msgid,
		    size_t msgidsz, char *err, size_t errsz);

#endif

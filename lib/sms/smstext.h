/* The SMS text: the configured template with {code}, {platform},
 * {minutes} and {link}, and the optional WebOTP line "@host #code". */
#ifndef SMSTEXT_H
#define SMSTEXT_H
#include <stddef.h>

struct config;

/* What a platform changes in its texts; a NULL or empty
 * member keeps the configured one. */
struct smsfmt {
	const char	*shown;		/* {platform} */
	const char	*origin;	/* WebOTP host: last line "@origin #code" */
	const char	*hashes[3];	/* Android SMS Retriever app hashes */
};

/* Render the text for code into out; -1 when it does not fit. */
int	smstext_render(const struct config *, const char *code, char *out,
	    size_t outsz);
/* 0 when every text the template can make fits one SMS; else -1 and a
 * reason in err. */
int	smstext_check(const struct config *, char *err, size_t errsz);

/* The same for a platform's format (fmt may be NULL): the template,
 * then, after an empty line, the app hashes (one line, space-separated)
 * and last the WebOTP line. */
int	smstext_render_for(const struct config *, const struct smsfmt *,
	    const char *code, char *out, size_t outsz);
int	smstext_check_for(const struct config *, const struct smsfmt *,
	    char *err, size_t errsz);
/* 1 when s is a host Chromium's WebOTP parser takes ([A-Za-z0-9.-],
 * dot-separated labels of 1 to 63, no leading or trailing '-'). */
int	smstext_origin_ok(const char *s);
/* 1 when s is an SMS Retriever app hash: 11 characters of base64. */
int	smstext_hash_ok(const char *s);

#endif

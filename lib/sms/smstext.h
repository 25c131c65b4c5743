/* The SMS text: the configured template with {code}, {platform},
 * {minutes} and {link}, and the optional WebOTP line "@host #code". */
#ifndef SMSTEXT_H
#define SMSTEXT_H
#include <stddef.h>

struct config;

/* Render the text for code into out; -1 when it does not fit. */
int	smstext_render(const struct config *, const char *code, char *out,
	    size_t outsz);
/* 0 when every text the template can make fits one SMS; else -1 and a
 * reason in err. */
int	smstext_check(const struct config *, char *err, size_t errsz);

#endif

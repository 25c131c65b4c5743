/* The relay's HTML forms (application/x-www-form-urlencoded) and its
 * session cookie: a closed table of keys, one validator per key. */
#ifndef FORM_H
#define FORM_H
#include <stddef.h>

#include "bounds.h"

/* The keys a relay form may carry. */
enum form_key { FORM_TN, FORM_CODE, FORM_CSRF, FORM_ACTION, FORM__MAX };

/* What the user asked for (the action key). */
enum form_action { ACTION_NONE, ACTION_START, ACTION_CODE, ACTION_RESEND,
	ACTION_RESTART, ACTION__MAX };

/* Why a body was refused. FORM_INVALID is the only one after which the
 * struct holds the values that passed: see form.invalid. */
enum form_err { FORM_OK, FORM_TOO_LARGE, FORM_SYNTAX, FORM_ESCAPE,
	FORM_UNKNOWN_KEY, FORM_DUPLICATE, FORM_INVALID, FORM_ERR__MAX };

#define FORM_BIT(k)	(1u << (k))

struct form {
	unsigned		 present;	/* FORM_BIT of the valid keys */
	unsigned		 invalid;	/* ... of keys whose value failed */
	char			 tn[TN_MAX + 1];	/* digits, no '+' */
	char			 code[CODE_DIGITS + 1];
	char			 csrf[CSRF_LEN + 1];
	enum form_action	 action;
};

/* Parse a form body of len octets (not NUL-terminated; at most
 * FORM_MAX). Strict: pairs key=value separated by single '&', '+' is a
 * space, %XX escapes need two hex digits and may not decode to NUL, raw
 * octets must be printable ASCII; every key must be in the table and
 * appear once. The values are checked by their key's validator:
 *   tn      1 to TN_MAX digits; spaces anywhere and one leading '+' are
 *           removed first
 *   code    exactly CODE_DIGITS digits once spaces are removed
 *   csrf    CSRF_LEN characters of base64url
 *   action  start, code, resend or restart
 * A value that fails is left empty and its key set in f->invalid; the
 * rest of the body is still parsed (FORM_INVALID). Any other error stops
 * the parse and leaves f empty. Nothing is allocated. */
enum form_err	 form_parse(const char *body, size_t len, struct form *f);

/* A name for logs ("bad percent escape"). */
const char	*form_err_str(enum form_err);

/* Find the cookie called name in a Cookie header (RFC 6265 5.4; NULL
 * header: none). Its value must be SESSION_ID_LEN characters of
 * base64url, optionally in double quotes. Returns 1 and fills id when
 * found once and well-formed, 0 when absent, -1 when malformed, present
 * twice or the header exceeds COOKIE_MAX. */
int		 form_cookie(const char *header, const char *name,
		    char id[SESSION_ID_LEN + 1]);

#endif

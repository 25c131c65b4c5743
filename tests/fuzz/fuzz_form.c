/* libFuzzer target: the relay's form bodies (form_parse) and its Cookie
 * header (form_cookie) over the same input. Whatever is accepted must
 * hold what the validators promise. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "bounds.h"
#include "form.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort unless s is min to max digits. */
static void
check_digits(const char *s, size_t min, size_t max)
{
	size_t	 i, n = strlen(s);

	if (n < min || n > max)
		abort();
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			abort();
}

static void
check_form(const struct form *f, enum form_err e)
{
	if (e >= FORM_ERR__MAX)
		abort();
	if (e != FORM_OK && e != FORM_INVALID) {
		if (f->present != 0 || f->invalid != 0 || f->tn[0] != '\0' ||
		    f->code[0] != '\0' || f->csrf[0] != '\0' ||
		    f->action != ACTION_NONE)
			abort();
		return;
	}
	if ((f->present & f->invalid) != 0 ||
	    (f->present | f->invalid) >= FORM_BIT(FORM__MAX) ||
	    (e == FORM_INVALID) != (f->invalid != 0))
		abort();
	if (f->present & FORM_BIT(FORM_TN))
		check_digits(f->tn, 1, TN_MAX);
	else if (f->tn[0] != '\0')
		abort();
	if (f->present & FORM_BIT(FORM_CODE))
		check_digits(f->code, CODE_DIGITS, CODE_DIGITS);
	else if (f->code[0] != '\0')
		abort();
	if (f->present & FORM_BIT(FORM_CSRF)) {
		if (strlen(f->csrf) != CSRF_LEN ||
		    !b64url_valid(f->csrf, CSRF_LEN))
			abort();
	} else if (f->csrf[0] != '\0')
		abort();
	if ((f->present & FORM_BIT(FORM_ACTION)) ? (f->action == ACTION_NONE ||
	    f->action >= ACTION__MAX) : f->action != ACTION_NONE)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 f;
	enum form_err	 e;
	char		*s, id[SESSION_ID_LEN + 1];
	int		 rc;

	/* libFuzzer's buffer is exactly size octets: a read past it shows. */
	e = form_parse((const char *)data, size, &f);
	check_form(&f, e);

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = form_cookie(s, "idp_relay", id);
	if (rc < -1 || rc > 1 || (rc == 1 && (strlen(id) != SESSION_ID_LEN ||
	    !b64url_valid(id, SESSION_ID_LEN))) || (rc != 1 && id[0] != '\0'))
		abort();
	free(s);
	return 0;
}

/* libFuzzer target: the template compiler (tmpl_parse) and renderer.
 * The input is compiled and, when accepted, rendered; it is also used as
 * a value, which must come out escaped and decode back to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "tmpl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Values the compiled input is rendered with. */
static const char *const names[][2] = {
	{ "a", "\x02<script>" }, { "b", "" }, { "c", "1" },
	{ "error", "\"'&" }, { "step_code", "1" }, { "x", "{{a}}" },
};

/* out must be value escaped: no raw markup, entities that decode back. */
static void
check_escaped(const char *value, const char *out, size_t len)
{
	static const struct {
		const char	*ent;
		char		 c;
	} ents[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
	    { "&quot;", '"' }, { "&#39;", '\'' } };
	size_t	 i = 0, k, n;

	if (strlen(out) != len)
		abort();
	while (i < len) {
		if (strchr("<>\"'", out[i]) != NULL)
			abort();
		if (out[i] != '&') {
			if (*value++ != out[i++])
				abort();
			continue;
		}
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
			n = strlen(ents[k].ent);
			if (strncmp(out + i, ents[k].ent, n) == 0)
				break;
		}
		if (k == sizeof(ents) / sizeof(ents[0]) ||
		    *value++ != ents[k].c)
			abort();
		i += n;
	}
	if (*value != '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tmpl	*echo;
	struct tmpl_vars	 v;
	struct tmpl		*t;
	char			*value, *out, err[128];
	size_t			 i, len;

	if (echo == NULL && (echo = tmpl_parse("{{v}}", 5, NULL, 0)) == NULL)
		abort();
	memset(&v, 0, sizeof(v));
	t = tmpl_parse((const char *)data, size, err, sizeof(err));
	if (t != NULL) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (tmpl_set(&v, names[i][0], names[i][1]) == -1)
				abort();
		/* When the input has no \x02, one in the page comes from the
		 * value of a, and what follows it is that value's '<',
		 * which must be escaped. */
		if ((out = tmpl_render(t, &v, &len)) != NULL &&
		    (len > TEMPLATE_OUT_MAX || strlen(out) != len ||
		    (memchr(data, '\x02', size) == NULL &&
		    strstr(out, "\x02<") != NULL)))
			abort();
		free(out);
		tmpl_vars_free(&v);
		tmpl_free(t);
	} else if (err[0] == '\0' && size <= TEMPLATE_MAX)
		abort();	/* a refusal always says why */

	if ((value = malloc(size + 1)) == NULL)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	if (tmpl_set(&v, "v", value) == -1)
		abort();
	if ((out = tmpl_render(echo, &v, &len)) != NULL)
		check_escaped(value, out, len);
	free(out);
	free(value);
	tmpl_vars_free(&v);
	return 0;
}

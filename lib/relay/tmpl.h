/* HTML templates with escaping by default: {{name}} is replaced by the
 * HTML-escaped value, {{#name}}...{{/name}} is shown when name is set,
 * {{^name}}...{{/name}} when it is not. There is no raw output. */
#ifndef TMPL_H
#define TMPL_H
#include <stddef.h>

#include "bounds.h"

struct tmpl;

/* The values of one render; set them with tmpl_set, release them with
 * tmpl_vars_free. Start from a zeroed struct. */
struct tmpl_vars {
	size_t	 n;
	struct {
		char	 name[TEMPLATE_NAME_MAX + 1];
		char	*value;
	} v[TEMPLATE_VARS_MAX];
};

/* Compile len octets of template text (at most TEMPLATE_MAX). Refuses
 * {{{ (raw output), an unterminated tag, an empty or foreign name (names
 * are 1 to TEMPLATE_NAME_MAX of a-z, 0-9 and _), unbalanced or crossed
 * sections, nesting deeper than TEMPLATE_DEPTH and NUL octets; err (may
 * be NULL) then says what and where. The result belongs to the caller
 * (tmpl_free); NULL on refusal or when memory runs out. */
struct tmpl	*tmpl_parse(const char *text, size_t len, char *err,
		    size_t errsz);
/* Read and compile a template file; failures are logged with the path.
 * Call before the request loop. The result belongs to the caller. */
struct tmpl	*tmpl_load(const char *path);
void		 tmpl_free(struct tmpl *);

/* Read a whole file of at most TEMPLATE_MAX octets without NUL octets
 * (a stylesheet served as it is). Returns a malloc'd NUL-terminated copy
 * the caller frees and its length in *len, or NULL (logged). */
char		*tmpl_file(const char *path, size_t *len);

/* Set name (a template name, as above) to a copy of value, replacing an
 * earlier value. A section shows when its name has a non-empty value.
 * Returns 0, or -1 when the name is refused, the table is full or memory
 * runs out. */
int		 tmpl_set(struct tmpl_vars *, const char *name,
		    const char *value);
int		 tmpl_setf(struct tmpl_vars *, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Release the copies; the struct may be reused afterwards. */
void		 tmpl_vars_free(struct tmpl_vars *);

/* Render: unknown names are empty, every value is HTML-escaped (& < > "
 * and ' become entities). Returns a malloc'd NUL-terminated page the
 * caller frees, its length in *len; NULL when the page would exceed
 * TEMPLATE_OUT_MAX octets (logged) or memory runs out. */
char		*tmpl_render(const struct tmpl *, const struct tmpl_vars *,
		    size_t *len);

#endif

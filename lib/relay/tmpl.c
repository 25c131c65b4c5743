/* HTML templates: compiled once at start into a list of nodes (text,
 * escaped value, section open, section close), rendered per request
 * with every value HTML-escaped. There is no way to print a value raw. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "tmpl.h"

enum tnode_op { TN_TEXT, TN_VAR, TN_IF, TN_UNLESS, TN_END };

struct tnode {
	enum tnode_op	 op;
	size_t		 off, len;	/* text, or the name, in tmpl->text */
	size_t		 end;		/* TN_IF, TN_UNLESS: their TN_END */
};

struct tmpl {
	char		*text;
	size_t		 len;
	struct tnode	*node;
	size_t		 nnode, cap;
};

/* The growing output of one render, capped at TEMPLATE_OUT_MAX. */
struct tout {
	char	*p;
	size_t	 len, cap;
	int	 over;
};

static int
tmpl_err(char *err, size_t errsz, const struct tmpl *t, size_t off,
    const char *what)
{
	size_t	 i, line = 1;

	for (i = 0; i < off && i < t->len; i++)
		if (t->text[i] == '\n')
			line++;
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "line %zu: %s", line, what);
	return -1;
}

/* 1 when s (len octets) is a valid name. */
static int
tmpl_name_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > TEMPLATE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int
tmpl_add(struct tmpl *t, enum tnode_op op, size_t off, size_t len)
{
	struct tnode	*n;
	size_t		 cap;

	if (t->nnode == t->cap) {
		cap = t->cap ? t->cap * 2 : 64;
		if ((n = reallocarray(t->node, cap, sizeof(*n))) == NULL)
			return -1;
		t->node = n;
		t->cap = cap;
	}
	t->node[t->nnode].op = op;
	t->node[t->nnode].off = off;
	t->node[t->nnode].len = len;
	t->node[t->nnode].end = 0;
	t->nnode++;
	return 0;
}

/* One tag between "{{" at off and "}}" at close: its kind and name. */
static int
tmpl_tag(struct tmpl *t, size_t off, size_t close, size_t *stack,
    size_t *depth, char *err, size_t errsz)
{
	size_t		 s = off + 2, e = close;
	enum tnode_op	 op = TN_VAR;
	struct tnode	*open;

	while (s < e && t->text[s] == ' ')
		s++;
	if (s < e && (t->text[s] == '#' || t->text[s] == '^' ||
	    t->text[s] == '/')) {
		op = t->text[s] == '#' ? TN_IF : t->text[s] == '^' ?
		    TN_UNLESS : TN_END;
		s++;
		while (s < e && t->text[s] == ' ')
			s++;
	}
	while (e > s && t->text[e - 1] == ' ')
		e--;
	if (!tmpl_name_ok(t->text + s, e - s))
		return tmpl_err(err, errsz, t, off, "a tag needs a name of "
		    "a-z, 0-9 and _");
	if (op == TN_END) {
		if (*depth == 0)
			return tmpl_err(err, errsz, t, off, "{{/...}} without "
			    "an open section");
		open = &t->node[stack[*depth - 1]];
		if (open->len != e - s ||
		    memcmp(t->text + open->off, t->text + s, e - s) != 0)
			return tmpl_err(err, errsz, t, off, "{{/...}} does not "
			    "close the innermost section");
		open->end = t->nnode;
		(*depth)--;
	} else if (op != TN_VAR) {
		if (*depth == TEMPLATE_DEPTH)
			return tmpl_err(err, errsz, t, off, "sections nested "
			    "too deep");
		stack[(*depth)++] = t->nnode;
	}
	if (tmpl_add(t, op, s, e - s) == -1)
		return tmpl_err(err, errsz, t, off, "out of memory");
	return 0;
}

/*
 * A section tag alone on its line (only blanks around it) takes its
 * line with it, so that templates may put such tags on lines of their
 * own without leaving empty lines in the page. For the tag at o..close
 * (close at the first '}'), *start gets where the line's text ends and
 * the return value where the text after the line starts; both are o and
 * close + 2 when the tag is not alone.
 */
static size_t
tmpl_standalone(const struct tmpl *t, size_t i, size_t o, size_t close,
    size_t *start)
{
	size_t	 s = o, e = close + 2, k = o + 2;

	*start = o;
	while (k < close && t->text[k] == ' ')
		k++;
	if (k == close || (t->text[k] != '#' && t->text[k] != '^' &&
	    t->text[k] != '/'))
		return close + 2;
	while (s > i && (t->text[s - 1] == ' ' || t->text[s - 1] == '\t'))
		s--;
	if (s > 0 && t->text[s - 1] != '\n')
		return close + 2;
	while (e < t->len && (t->text[e] == ' ' || t->text[e] == '\t'))
		e++;
	if (e < t->len && t->text[e] == '\r' && e + 1 < t->len &&
	    t->text[e + 1] == '\n')
		e++;
	if (e < t->len && t->text[e] != '\n')
		return close + 2;
	*start = s;
	return e < t->len ? e + 1 : e;
}

static int
tmpl_compile(struct tmpl *t, char *err, size_t errsz)
{
	size_t		 stack[TEMPLATE_DEPTH], depth = 0, i = 0, o, c, s, next;
	const char	*p, *q;

	if (memchr(t->text, '\0', t->len) != NULL)
		return tmpl_err(err, errsz, t, 0, "NUL octet in the template");
	while (i < t->len) {
		if ((p = memmem(t->text + i, t->len - i, "{{", 2)) == NULL) {
			if (tmpl_add(t, TN_TEXT, i, t->len - i) == -1)
				return tmpl_err(err, errsz, t, i,
				    "out of memory");
			break;
		}
		o = (size_t)(p - t->text);
		if (o + 2 < t->len && t->text[o + 2] == '{')
			return tmpl_err(err, errsz, t, o, "{{{...}}} (raw "
			    "output) is not allowed");
		if ((q = memmem(t->text + o + 2, t->len - o - 2, "}}", 2)) ==
		    NULL)
			return tmpl_err(err, errsz, t, o, "unterminated tag");
		c = (size_t)(q - t->text);
		next = tmpl_standalone(t, i, o, c, &s);
		if (s > i && tmpl_add(t, TN_TEXT, i, s - i) == -1)
			return tmpl_err(err, errsz, t, i, "out of memory");
		if (tmpl_tag(t, o, c, stack, &depth, err, errsz) == -1)
			return -1;
		i = next;
	}
	if (depth > 0)
		return tmpl_err(err, errsz, t, t->node[stack[depth - 1]].off,
		    "section not closed");
	return 0;
}

struct tmpl *
tmpl_parse(const char *text, size_t len, char *err, size_t errsz)
{
	struct tmpl	*t;

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (len > TEMPLATE_MAX) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "larger than %d octets",
			    TEMPLATE_MAX);
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->text = malloc(len + 1)) == NULL) {
		free(t);
		return NULL;
	}
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	t->len = len;
	if (tmpl_compile(t, err, errsz) == -1) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->node);
	free(t);
}

char *
tmpl_file(const char *path, size_t *len)
{
	unsigned char	*buf;

	if (file_read(path, TEMPLATE_MAX, &buf, len, 0) == -1)
		return NULL;
	if (memchr(buf, '\0', *len) != NULL) {
		log_err("%s: %s: binary", __func__, path);
		free(buf);
		return NULL;
	}
	return (char *)buf;
}

struct tmpl *
tmpl_load(const char *path)
{
	struct tmpl	*t;
	char		*text, err[128];
	size_t		 len;

	if ((text = tmpl_file(path, &len)) == NULL)
		return NULL;
	if ((t = tmpl_parse(text, len, err, sizeof(err))) == NULL)
		log_err("%s: %s: %s", __func__, path, err[0] != '\0' ? err :
		    "out of memory");
	free(text);
	return t;
}

int
tmpl_set(struct tmpl_vars *v, const char *name, const char *value)
{
	size_t	 i, len = strlen(name);
	char	*copy;

	if (!tmpl_name_ok(name, len))
		return -1;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i].name, name) == 0)
			break;
	if (i == TEMPLATE_VARS_MAX || (copy = strdup(value)) == NULL)
		return -1;
	if (i == v->n) {
		memcpy(v->v[i].name, name, len + 1);
		v->v[i].value = NULL;
		v->n++;
	}
	free(v->v[i].value);
	v->v[i].value = copy;
	return 0;
}

int
tmpl_setf(struct tmpl_vars *v, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n, rc;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	rc = tmpl_set(v, name, s);
	free(s);
	return rc;
}

void
tmpl_vars_free(struct tmpl_vars *v)
{
	size_t	 i;

	for (i = 0; i < v->n; i++) {
		free(v->v[i].value);
		v->v[i].value = NULL;
	}
	v->n = 0;
}

/* The value of the name at off (len octets), or NULL. */
static const char *
tmpl_value(const struct tmpl_vars *v, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; v != NULL && i < v->n; i++)
		if (strncmp(v->v[i].name, name, len) == 0 &&
		    v->v[i].name[len] == '\0')
			return v->v[i].value;
	return NULL;
}

static void
tout_add(struct tout *o, const char *s, size_t len)
{
	size_t	 cap;
	char	*p;

	if (o->over)
		return;
	if (len > TEMPLATE_OUT_MAX - o->len) {
		o->over = 1;
		return;
	}
	if (o->len + len + 1 > o->cap) {
		cap = o->cap ? o->cap : 4096;
		while (cap < o->len + len + 1)
			cap *= 2;
		if ((p = realloc(o->p, cap)) == NULL) {
			o->over = 2;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, len);
	o->len += len;
	o->p[o->len] = '\0';
}

/* Append s HTML-escaped, in runs between the characters to escape. */
static void
tout_escape(struct tout *o, const char *s)
{
	const char	*ent;
	size_t		 run;

	while (*s != '\0') {
		run = strcspn(s, "&<>\"'");
		tout_add(o, s, run);
		s += run;
		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: return;
		}
		tout_add(o, ent, strlen(ent));
		s++;
	}
}

char *
tmpl_render(const struct tmpl *t, const struct tmpl_vars *v, size_t *len)
{
	struct tout		 o = { NULL, 0, 0, 0 };
	const struct tnode	*n;
	const char		*val;
	size_t			 i;
	int			 set;

	tout_add(&o, "", 0);
	for (i = 0; i < t->nnode && !o.over; i++) {
		n = &t->node[i];
		if (n->op == TN_TEXT) {
			tout_add(&o, t->text + n->off, n->len);
			continue;
		}
		if (n->op == TN_END)
			continue;
		val = tmpl_value(v, t->text + n->off, n->len);
		set = val != NULL && val[0] != '\0';
		if (n->op == TN_VAR) {
			if (val != NULL)
				tout_escape(&o, val);
		} else if (set != (n->op == TN_IF))
			i = n->end;
	}
	if (o.over) {
		if (o.over == 1)
			log_err("%s: the page exceeds %d octets", __func__,
			    TEMPLATE_OUT_MAX);
		free(o.p);
		return NULL;
	}
	*len = o.len;
	return o.p;
}

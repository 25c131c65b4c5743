/* Bounded JSON parsing on json-c, with the checks json-c lacks: duplicate
 * member names are refused by a scan of the text after json-c accepted
 * it, so the scan only ever sees well-formed JSON. */
#include <errno.h>
#include <string.h>

#include "bounds.h"
#include "json.h"

/* Member names seen in one open object during the duplicate scan. */
struct frame {
	int		 object;
	size_t		 nkeys;
	const char	*key[JSON_MAX_MEMBERS];
	size_t		 keylen[JSON_MAX_MEMBERS];
};

/* Length of the string starting at s[0] == '"', through the closing
 * quote; *escaped set when it holds a backslash. */
static size_t
json_strspan(const char *s, size_t len, int *escaped)
{
	size_t	 i;

	*escaped = 0;
	for (i = 1; i < len; i++) {
		if (s[i] == '\\') {
			*escaped = 1;
			i++;
		} else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* Record a member name; -1 on a duplicate or too many members. */
static int
json_addkey(struct frame *f, const char *k, size_t klen)
{
	size_t	 i;

	if (f->nkeys == JSON_MAX_MEMBERS)
		return -1;
	for (i = 0; i < f->nkeys; i++)
		if (f->keylen[i] == klen && memcmp(f->key[i], k, klen) == 0)
			return -1;
	f->key[f->nkeys] = k;
	f->keylen[f->nkeys++] = klen;
	return 0;
}

/* 0 when no object of the text repeats a member name. */
static int
json_nodups(const char *s, size_t len)
{
	struct frame	 st[JSON_MAX_DEPTH + 1];
	size_t		 i, n;
	int		 depth = -1, esc, expectkey = 0;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '{':
		case '[':
			if (++depth > JSON_MAX_DEPTH)
				return -1;
			st[depth].object = s[i] == '{';
			st[depth].nkeys = 0;
			expectkey = s[i] == '{';
			break;
		case '}':
		case ']':
			depth--;
			expectkey = 0;
			break;
		case ',':
			expectkey = depth >= 0 && st[depth].object;
			break;
		case '"':
			n = json_strspan(s + i, len - i, &esc);
			if (expectkey) {
				if (esc || json_addkey(&st[depth], s + i + 1,
				    n - 2) == -1)
					return -1;
				expectkey = 0;
			}
			i += n - 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

json_object *
json_parse(const char *s, size_t len)
{
	struct json_tokener	*tok;
	json_object		*o = NULL;

	if (len == 0 || len > BODY_MAX || memchr(s, '\0', len) != NULL)
		return NULL;
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT
#ifdef JSON_TOKENER_VALIDATE_UTF8
	    | JSON_TOKENER_VALIDATE_UTF8
#endif
	    );
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !(json_object_is_type(o, json_type_object) ||
	    json_object_is_type(o, json_type_array)) ||
	    json_nodups(s, len) == -1) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

json_object *
json_parse_object(const char *s, size_t len)
{
	json_object	*o;

	if ((o = json_parse(s, len)) != NULL &&
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static json_object *
json_typed(json_object *o, const char *key, enum json_type t)
{
	json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, t))
		return NULL;
	return v;
}

const char *
json_get_str(json_object *o, const char *key)
{
	json_object	*v = json_typed(o, key, json_type_string);

	return v == NULL ? NULL : json_object_get_string(v);
}

json_object *
json_get_arr(json_object *o, const char *key)
{
	return json_typed(o, key, json_type_array);
}

json_object *
json_get_obj(json_object *o, const char *key)
{
	return json_typed(o, key, json_type_object);
}

int
json_has(json_object *o, const char *key)
{
	return o != NULL && json_object_object_get_ex(o, key, NULL);
}

int
json_get_bool(json_object *o, const char *key, int *v)
{
	json_object	*b;

	if (!json_has(o, key))
		return 0;
	if ((b = json_typed(o, key, json_type_boolean)) == NULL)
		return -1;
	*v = json_object_get_boolean(b);
	return 1;
}

int
json_get_int(json_object *o, const char *key, int64_t min, int64_t max,
    int64_t *v)
{
	json_object	*i;
	int64_t		 n;

	if (!json_has(o, key))
		return 0;
	if ((i = json_typed(o, key, json_type_int)) == NULL)
		return -1;
	errno = 0;
	n = json_object_get_int64(i);
	if (errno != 0 || n < min || n > max)
		return -1;
	*v = n;
	return 1;
}

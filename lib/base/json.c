/* Bounded JSON parsing on json-c, with the checks json-c lacks: duplicate
 * member names are refused by a scan of the text after json-c accepted
 * it, so the scan only ever sees well-formed JSON. */
#include <errno.h>
#include <string.h>

#include "bounds.h"
#include "json.h"

/*
 * A strict RFC 8259 check of the text, run before json-c builds the tree:
 * json-c's strict mode still takes single quotes, NaN, "1." and control
 * characters in strings, and checks UTF-8 only for its shape. The check
 * also refuses duplicate and escaped member names and deep nesting.
 */
struct scan {
	const unsigned char	*p, *end;
	int			 depth;
};

static void
json_ws(struct scan *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' ||
	    *sc->p == '\n' || *sc->p == '\r'))
		sc->p++;
}

/* One UTF-8 sequence of at least two octets starting at p: its length,
 * or 0 when overlong, a surrogate, above U+10FFFF or cut short. */
static size_t
json_utf8(const unsigned char *p, const unsigned char *end)
{
	unsigned int	 c = p[0], cp;
	size_t		 n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* 0 when the four octets at p (before end) are hex digits. */
static int
json_hex4(const unsigned char *p, const unsigned char *end)
{
	int	 i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f') || (p[i] >= 'A' && p[i] <= 'F')))
			return -1;
	return 0;
}

/* A string; *escaped set when it holds a backslash. -1 when invalid. */
static int
json_string(struct scan *sc, int *escaped)
{
	size_t	 n;

	*escaped = 0;
	if (sc->p >= sc->end || *sc->p++ != '"')
		return -1;
	while (sc->p < sc->end && *sc->p != '"') {
		if (*sc->p < 0x20)
			return -1;
		if (*sc->p == '\\') {
			*escaped = 1;
			if (++sc->p >= sc->end)
				return -1;
			if (*sc->p == 'u') {
				if (json_hex4(sc->p + 1, sc->end) == -1)
					return -1;
				sc->p += 5;
			} else if (strchr("\"\\/bfnrt", *sc->p) != NULL &&
			    *sc->p != '\0')
				sc->p++;
			else
				return -1;
		} else if (*sc->p < 0x80)
			sc->p++;
		else if ((n = json_utf8(sc->p, sc->end)) == 0)
			return -1;
		else
			sc->p += n;
	}
	if (sc->p >= sc->end)
		return -1;
	sc->p++;
	return 0;
}

/* Digits; -1 when there are none. */
static int
json_digits(struct scan *sc)
{
	const unsigned char	*start = sc->p;

	while (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9')
		sc->p++;
	return sc->p > start ? 0 : -1;
}

/* 0 when the integer of n digits at p (negative: neg) fits an int64:
 * json-c would silently clamp it otherwise. */
static int
json_int_fits(const unsigned char *p, size_t n, int neg)
{
	const char	*lim = neg ? "9223372036854775808" :
	    "9223372036854775807";

	if (n != 19)
		return n < 19 ? 0 : -1;
	return memcmp(p, lim, 19) <= 0 ? 0 : -1;
}

static int
json_number(struct scan *sc)
{
	const unsigned char	*digits;
	int			 neg = 0;

	if (sc->p < sc->end && *sc->p == '-') {
		neg = 1;
		sc->p++;
	}
	digits = sc->p;
	if (sc->p < sc->end && *sc->p == '0')
		sc->p++;
	else if (json_digits(sc) == -1)
		return -1;
	if ((sc->p >= sc->end || (*sc->p != '.' && *sc->p != 'e' &&
	    *sc->p != 'E')) && json_int_fits(digits, (size_t)(sc->p - digits),
	    neg) == -1)
		return -1;
	if (sc->p < sc->end && *sc->p == '.') {
		sc->p++;
		if (json_digits(sc) == -1)
			return -1;
	}
	if (sc->p < sc->end && (*sc->p == 'e' || *sc->p == 'E')) {
		sc->p++;
		if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-'))
			sc->p++;
		if (json_digits(sc) == -1)
			return -1;
	}
	return 0;
}

static int	json_value(struct scan *);

/* Record a member name; -1 on a duplicate or too many members. */
static int
json_addkey(const unsigned char **keys, size_t *lens, size_t *n,
    const unsigned char *k, size_t klen)
{
	size_t	 i;

	if (*n == JSON_MAX_MEMBERS)
		return -1;
	for (i = 0; i < *n; i++)
		if (lens[i] == klen && memcmp(keys[i], k, klen) == 0)
			return -1;
	keys[*n] = k;
	lens[(*n)++] = klen;
	return 0;
}

static int
json_object_scan(struct scan *sc)
{
	const unsigned char	*keys[JSON_MAX_MEMBERS], *k;
	size_t			 lens[JSON_MAX_MEMBERS], n = 0;
	int			 esc;

	sc->p++;
	json_ws(sc);
	if (sc->p < sc->end && *sc->p == '}') {
		sc->p++;
		return 0;
	}
	for (;;) {
		json_ws(sc);
		k = sc->p + 1;
		if (json_string(sc, &esc) == -1 || esc ||
		    json_addkey(keys, lens, &n, k, (size_t)(sc->p - k - 1)))
			return -1;
		json_ws(sc);
		if (sc->p >= sc->end || *sc->p++ != ':' || json_value(sc))
			return -1;
		json_ws(sc);
		if (sc->p < sc->end && *sc->p == ',') {
			sc->p++;
			continue;
		}
		if (sc->p < sc->end && *sc->p == '}') {
			sc->p++;
			return 0;
		}
		return -1;
	}
}

static int
json_array_scan(struct scan *sc)
{
	sc->p++;
	json_ws(sc);
	if (sc->p < sc->end && *sc->p == ']') {
		sc->p++;
		return 0;
	}
	for (;;) {
		if (json_value(sc) == -1)
			return -1;
		json_ws(sc);
		if (sc->p < sc->end && *sc->p == ',') {
			sc->p++;
			continue;
		}
		if (sc->p < sc->end && *sc->p == ']') {
			sc->p++;
			return 0;
		}
		return -1;
	}
}

/* 0 when the literal word is next. */
static int
json_word(struct scan *sc, const char *w)
{
	size_t	 n = strlen(w);

	if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, w, n) != 0)
		return -1;
	sc->p += n;
	return 0;
}

static int
json_value(struct scan *sc)
{
	int	 esc, rc;

	json_ws(sc);
	if (sc->p >= sc->end)
		return -1;
	switch (*sc->p) {
	case '{':
	case '[':
		if (++sc->depth > JSON_MAX_DEPTH)
			return -1;
		rc = *sc->p == '{' ? json_object_scan(sc) :
		    json_array_scan(sc);
		sc->depth--;
		return rc;
	case '"':
		return json_string(sc, &esc);
	case 't':
		return json_word(sc, "true");
	case 'f':
		return json_word(sc, "false");
	case 'n':
		return json_word(sc, "null");
	default:
		return json_number(sc);
	}
}

/* 0 when the text is one strict JSON object or array. */
static int
json_strict(const char *s, size_t len)
{
	struct scan	 sc;

	sc.p = (const unsigned char *)s;
	sc.end = sc.p + len;
	sc.depth = 0;
	json_ws(&sc);
	if (sc.p >= sc.end || (*sc.p != '{' && *sc.p != '['))
		return -1;
	if (json_value(&sc) == -1)
		return -1;
	json_ws(&sc);
	return sc.p == sc.end ? 0 : -1;
}

json_object *
json_parse(const char *s, size_t len)
{
	struct json_tokener	*tok;
	json_object		*o = NULL;

	if (len == 0 || len > BODY_MAX || json_strict(s, len) == -1)
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
	    json_object_is_type(o, json_type_array))) {
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
json_str(json_object *v, int flags, size_t *lenp)
{
	const char	*s;
	size_t		 len, i;
	unsigned char	 c;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (s == NULL || strlen(s) != len)
		return NULL;		/* an embedded NUL */
	for (i = 0; i < len && !(flags & JSON_CTRL); i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return NULL;
	}
	if (lenp != NULL)
		*lenp = len;
	return s;
}

const char *
json_get_strn(json_object *o, const char *key, int flags, size_t *len)
{
	return json_str(json_typed(o, key, json_type_string), flags, len);
}

const char *
json_get_str(json_object *o, const char *key)
{
	return json_get_strn(o, key, 0, NULL);
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

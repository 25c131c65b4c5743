/* Bounded JSON on json-c: the only place JSON text is parsed. */
#ifndef JSON_H
#define JSON_H
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Parse exactly len octets of UTF-8 JSON text: strict syntax, depth at
 * most JSON_MAX_DEPTH, no duplicate member names, no escaped member
 * names, an object or array at the top. Returns a new reference (the
 * caller puts it) or NULL. */
json_object	*json_parse(const char *, size_t);
/* As json_parse, but the top level must be an object. */
json_object	*json_parse_object(const char *, size_t);

/* Typed getters: the member's value, borrowed, or NULL when absent or of
 * another type. */
/* A string is whole or nothing: json_str gives the string of v, borrowed,
 * and its length in *len (len may be NULL), or NULL when v is not a
 * string, holds a NUL (U+0000), or holds another control character
 * (U+0001-U+001F, U+007F) and flags lack JSON_CTRL. json_get_strn does
 * the same for a member; json_get_str is json_get_strn(o, key, 0, NULL),
 * so it never hands out a string a C function would see cut short. */
#define JSON_CTRL	0x1	/* control characters other than NUL pass */
const char	*json_str(json_object *v, int flags, size_t *len);
const char	*json_get_strn(json_object *, const char *, int flags,
		    size_t *len);
const char	*json_get_str(json_object *, const char *);
json_object	*json_get_arr(json_object *, const char *);
json_object	*json_get_obj(json_object *, const char *);
/* 1 and *v set when the member is a boolean, 0 when absent, -1 when of
 * another type. */
int		 json_get_bool(json_object *, const char *, int *);
/* Same for an integer in [min, max]. */
int		 json_get_int(json_object *, const char *, int64_t min, int64_t max,
		    int64_t *);
/* 1 when the member exists (any type). */
int		 json_has(json_object *, const char *);

#endif

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

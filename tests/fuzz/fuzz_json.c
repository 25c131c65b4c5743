/* libFuzzer target: json_parse and json_parse_object, then every typed
 * getter on every member of the top object and of the objects in the
 * top array. An accepted text stays within the caps of lib/base/bounds.h,
 * and at most one getter accepts a member. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bounds.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Nesting depth of o (a scalar is 0); aborts past the cap. */
static int
depth(json_object *o)
{
	size_t	 i, n;
	int	 d, max = 0;

	if (json_object_is_type(o, json_type_object)) {
		if (json_object_object_length(o) > JSON_MAX_MEMBERS)
			abort();
		json_object_object_foreach(o, k, v) {
			(void)k;
			if ((d = depth(v)) > max)
				max = d;
		}
		return max + 1;
	}
	if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if ((d = depth(json_object_array_get_idx(o, i))) > max)
				max = d;
		return max + 1;
	}
	return 0;
}

/* Strings are whole: what a string getter gives has the length it
 * reports, holds no NUL, and no control character without JSON_CTRL. */
static void
whole(json_object *o, const char *key)
{
	const char	*s;
	size_t		 len, i;

	if ((s = json_get_strn(o, key, JSON_CTRL, &len)) != NULL &&
	    strlen(s) != len)
		abort();
	if ((s = json_get_strn(o, key, 0, &len)) == NULL)
		return;
	if (strlen(s) != len)
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
	if (json_get_str(o, key) != s)
		abort();
}

static void
getters(json_object *o)
{
	int64_t	 v;
	int	 b, hits, rb, ri;

	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (!json_has(o, key))
			abort();
		hits = 0;
		hits += json_get_str(o, key) != NULL;
		hits += json_get_arr(o, key) != NULL;
		hits += json_get_obj(o, key) != NULL;
		if ((rb = json_get_bool(o, key, &b)) == 1)
			hits++;
		if ((ri = json_get_int(o, key, INT64_MIN, INT64_MAX,
		    &v)) == 1)
			hits++;
		if (hits > 1 || rb == 0 || ri == 0)
			abort();
		if (json_get_int(o, key, 0, 10, &v) == 1 && (v < 0 ||
		    v > 10))
			abort();
		if (json_get_str(o, key) != NULL &&
		    strlen(json_get_str(o, key)) > BODY_MAX)
			abort();
		whole(o, key);
	}
	(void)json_has(o, "");
	(void)json_get_str(o, "absent member");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object	*o, *obj;
	size_t		 i, n;

	o = json_parse((const char *)data, size);
	obj = json_parse_object((const char *)data, size);
	if ((obj != NULL) != (o != NULL &&
	    json_object_is_type(o, json_type_object)))
		abort();
	json_object_put(obj);
	if (o == NULL)
		return 0;
	if (!json_object_is_type(o, json_type_object) &&
	    !json_object_is_type(o, json_type_array))
		abort();
	if (depth(o) > JSON_MAX_DEPTH)
		abort();
	getters(o);
	if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			getters(json_object_array_get_idx(o, i));
	}
	json_object_put(o);
	return 0;
}

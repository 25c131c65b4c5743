/* The test vectors of tests/vectors/: one loader for every unit test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vectors.h"

json_object *
vec_load(const char *file)
{
	const char	*dir;
	char		 path[1024];
	json_object	*o;

	if ((dir = getenv("VECTORS")) == NULL || dir[0] == '\0')
		dir = "tests/vectors";
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((o = json_object_from_file(path)) == NULL)
		fail_msg("cannot read %s", path);
	return o;
}

json_object *
vec_member(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("vector member %s missing", key);
	return v;
}

const char *
vec_str(json_object *o, const char *key)
{
	json_object	*v = vec_member(o, key);

	if (!json_object_is_type(v, json_type_string))
		fail_msg("vector member %s is not a string", key);
	return json_object_get_string(v);
}

/* The test vectors of tests/vectors/ (or $VECTORS): loading a file and
 * reaching its members, failing the running cmocka test when a file or a
 * member is missing. */
#ifndef VECTORS_H
#define VECTORS_H

#include <json-c/json.h>

/* The parsed file (a new reference: json_object_put). */
json_object	*vec_load(const char *file);
/* A member that must exist (borrowed). */
json_object	*vec_member(json_object *, const char *key);
/* A member that must be a string (borrowed). */
const char	*vec_str(json_object *, const char *key);

#endif

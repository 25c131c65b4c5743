/* libFuzzer target: ids taken from request paths (path_id of
 * lib/server/path.c, included), with every prefix the programs use. An
 * accepted id is ID_LEN base64url characters copied from the path, and
 * what follows it is empty or starts with '/'. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/server/path.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX	4096

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "/acct/", "/order/",
	    "/authz/", "/chall/", "/cert/", "/relay/", "/", "" };
	static struct req	 r;
	char			*path, id[ID_LEN + 1];
	const char		*rest;
	size_t			 i, plen;

	if (size > FUZZ_MAX)
		size = FUZZ_MAX;
	if ((path = malloc(size + 1)) == NULL)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.path = path;
		rest = NULL;
		memset(id, 'x', sizeof(id));
		if (path_id(&r, prefixes[i], id, &rest) != PROB_NONE) {
			if (r.detail[0] == '\0')
				abort();
			continue;
		}
		plen = strlen(prefixes[i]);
		if (strlen(id) != ID_LEN || strspn(id, alphabet) != ID_LEN ||
		    strncmp(path, prefixes[i], plen) != 0 ||
		    memcmp(id, path + plen, ID_LEN) != 0 ||
		    rest != path + plen + ID_LEN ||
		    (rest[0] != '\0' && rest[0] != '/'))
			abort();
	}
	free(path);
	return 0;
}

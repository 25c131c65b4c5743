/* URLs of resources and ids taken from paths. */
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "b64url.h"

int
url_of(const struct req *r, char *buf, size_t size, const char *kind,
    const char *id)
{
	int	 n;

	n = snprintf(buf, size, "%s/%s%s%s", r->cfg->base_url, kind,
	    id != NULL ? "/" : "", id != NULL ? id : "");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

enum prob
path_id(struct req *r, const char *prefix, char id[ID_LEN + 1],
    const char **rest)
{
	size_t		 plen = strlen(prefix);
	const char	*p;

	if (strncmp(r->path, prefix, plen) != 0)
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	p = r->path + plen;
	if (strspn(p, B64URL_ALPHABET) != ID_LEN || (p[ID_LEN] != '\0' &&
	    p[ID_LEN] != '/'))
		return resp_fail(r, PROB_NOT_FOUND, "no such resource");
	memcpy(id, p, ID_LEN);
	id[ID_LEN] = '\0';
	*rest = p + ID_LEN;
	return PROB_NONE;
}

/* The client address behind trusted proxies. Everything here reads text
 * a client may have written (all of a header but its rightmost hops):
 * every span is bounded, nothing is allocated, and a hop that is not
 * exactly an address is a hop that cannot be trusted. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "fwd.h"

struct span {
	const char	*p;
	size_t		 len;
};

static const char *const fwd_vars[FWD__MAX] = {
	[FWD_NONE] = NULL,
	[FWD_FORWARDED] = "HTTP_FORWARDED",
	[FWD_XFF] = "HTTP_X_FORWARDED_FOR",
};

int
fwd_addr(const char *s, size_t len, unsigned char out[16])
{
	char		 buf[INET6_ADDRSTRLEN];
	struct in_addr	 a4;

	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

/* 1 when addr is IPv4-mapped. */
static int
fwd_is_v4(const unsigned char a[16])
{
	static const unsigned char	 pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };

	return memcmp(a, pre, sizeof(pre)) == 0;
}

int
fwd_cidr(const char *s, struct cidr *c)
{
	const char	*slash = strchr(s, '/');
	size_t		 alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned	 bits = 0, max, i;

	if (fwd_addr(s, alen, c->addr) == -1)
		return -1;
	max = fwd_is_v4(c->addr) ? 32 : 128;
	if (slash == NULL)
		bits = max;
	else {
		if (slash[1] == '\0' || strlen(slash + 1) > 3 ||
		    strspn(slash + 1, "0123456789") != strlen(slash + 1))
			return -1;
		for (i = 1; slash[i] != '\0'; i++)
			bits = bits * 10 + (unsigned)(slash[i] - '0');
		if (bits > max)
			return -1;
	}
	c->bits = bits + 128 - max;
	for (i = c->bits; i < 128; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return 0;
}

int
fwd_trusted(const struct cidr *c, size_t n, const unsigned char a[16])
{
	size_t		 i;
	unsigned	 full, rest;

	for (i = 0; i < n; i++) {
		full = c[i].bits / 8;
		rest = c[i].bits % 8;
		if (memcmp(c[i].addr, a, full) != 0)
			continue;
		if (rest == 0 || ((c[i].addr[full] ^ a[full]) &
		    (0xff00 >> rest)) == 0)
			return 1;
	}
	return 0;
}

enum fwd_header
fwd_header_kind(const char *name)
{
	if (name == NULL)
		return FWD_NONE;
	if (strcasecmp(name, "Forwarded") == 0)
		return FWD_FORWARDED;
	if (strcasecmp(name, "X-Forwarded-For") == 0)
		return FWD_XFF;
	return FWD_NONE;
}

const char *
fwd_header_var(enum fwd_header k)
{
	return k < FWD__MAX ? fwd_vars[k] : NULL;
}

/* s without leading and trailing spaces and tabs (RFC 9110 OWS). */
static struct span
fwd_trim(struct span s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' ||
	    s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/*
 * Split h at sep outside double quotes into at most max spans, keeping
 * the rightmost ones (a ring of max). *n gets how many are kept, in
 * order; returns -1 on an unterminated quote.
 */
static int
fwd_split(struct span h, char sep, struct span *out, size_t max, size_t *n)
{
	size_t		 i, start = 0, count = 0, k;
	struct span	 tmp[FWD_HOPS_MAX];
	int		 quoted = 0;

	for (i = 0; i <= h.len; i++) {
		if (i < h.len && h.p[i] == '"')
			quoted = !quoted;
		else if (i < h.len && h.p[i] == '\\' && quoted)
			i++;	/* a quoted-pair: the next octet is taken */
		if (i < h.len && (quoted || h.p[i] != sep))
			continue;
		if (i > h.len)
			return -1;
		tmp[count % max].p = h.p + start;
		tmp[count % max].len = i - start;
		count++;
		start = i + 1;
	}
	if (quoted)
		return -1;
	*n = count < max ? count : max;
	for (k = 0; k < *n; k++)
		out[k] = tmp[(count - *n + k) % max];
	return 0;
}

/* The for= value of a Forwarded element, unquoted. */
static int
fwd_for(struct span el, struct span *v)
{
	struct span	 pairs[FWD_HOPS_MAX], p;
	size_t		 n, i;

	if (fwd_split(el, ';', pairs, FWD_HOPS_MAX, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		p = fwd_trim(pairs[i]);
		if (p.len < 4 || strncasecmp(p.p, "for=", 4) != 0)
			continue;
		p.p += 4;
		p.len -= 4;
		if (p.len >= 2 && p.p[0] == '"' && p.p[p.len - 1] == '"') {
			p.p++;
			p.len -= 2;
		}
		/* An address needs no escapes; one is junk. */
		if (memchr(p.p, '\\', p.len) != NULL ||
		    memchr(p.p, '"', p.len) != NULL)
			return -1;
		*v = p;
		return 0;
	}
	return -1;
}

/* 1 when s (len octets) is a port: digits, or an obfuscated one. */
static int
fwd_port(const char *s, size_t len)
{
	static const char	 ok[] = "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-";
	size_t			 i;

	if (len == 0 || len > 16)
		return 0;
	for (i = 0; i < len; i++)
		if (strchr(ok, s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

/* The address of one hop's value: "[v6]", "[v6]:port", "v4", "v4:port"
 * or a bare v6. */
static int
fwd_hop_addr(struct span v, unsigned char a[16])
{
	const char	*colon, *close;

	if (v.len == 0 || v.len > FWD_VALUE_MAX)
		return -1;
	if (v.p[0] == '[') {
		if ((close = memchr(v.p, ']', v.len)) == NULL)
			return -1;
		if ((size_t)(close - v.p) + 1 < v.len && (close[1] != ':' ||
		    !fwd_port(close + 2, v.len - (size_t)(close - v.p) - 2)))
			return -1;
		return fwd_addr(v.p + 1, (size_t)(close - v.p) - 1, a);
	}
	colon = memchr(v.p, ':', v.len);
	if (colon != NULL && memchr(colon + 1, ':', v.len -
	    (size_t)(colon - v.p) - 1) == NULL) {
		if (!fwd_port(colon + 1, v.len - (size_t)(colon - v.p) - 1))
			return -1;
		return fwd_addr(v.p, (size_t)(colon - v.p), a);
	}
	return fwd_addr(v.p, v.len, a);
}

/* The address of hop s of a header of kind k. */
static int
fwd_hop(struct span s, enum fwd_header k, unsigned char a[16])
{
	struct span	 v;

	if (k == FWD_FORWARDED) {
		if (fwd_for(s, &v) == -1)
			return -1;
	} else
		v = fwd_trim(s);
	return fwd_hop_addr(v, a);
}

/* a as text: IPv4-mapped addresses as dotted quads. */
static void
fwd_text(const unsigned char a[16], char *out, size_t outsz)
{
	char	 buf[INET6_ADDRSTRLEN];

	if (inet_ntop(fwd_is_v4(a) ? AF_INET : AF_INET6, fwd_is_v4(a) ?
	    (const void *)(a + 12) : (const void *)a, buf, sizeof(buf)) == NULL)
		snprintf(out, outsz, "unknown");
	else
		snprintf(out, outsz, "%s", buf);
}

int
fwd_client(const char *remote, const char *header, enum fwd_header kind,
    const struct cidr *trusted, size_t n, char *out, size_t outsz)
{
	unsigned char	 cur[16], a[16];
	struct span	 h, hops[FWD_HOPS_MAX];
	size_t		 nh, i;

	if (remote == NULL || fwd_addr(remote, strlen(remote), cur) == -1) {
		snprintf(out, outsz, "unknown");
		return -1;
	}
	if (kind != FWD_NONE && kind < FWD__MAX && header != NULL &&
	    fwd_trusted(trusted, n, cur)) {
		h.p = header;
		h.len = strnlen(header, FWD_HEADER_MAX + 1);
		if (h.len <= FWD_HEADER_MAX &&
		    fwd_split(h, ',', hops, FWD_HOPS_MAX, &nh) == 0) {
			for (i = nh; i > 0; i--) {
				if (fwd_hop(hops[i - 1], kind, a) == -1)
					break;
				memcpy(cur, a, sizeof(cur));
				if (!fwd_trusted(trusted, n, cur))
					break;
			}
		}
	}
	fwd_text(cur, out, outsz);
	return 0;
}

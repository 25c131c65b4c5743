/* The client address of a request behind trusted proxies: addresses and
 * CIDR ranges, and the Forwarded (RFC 7239) and X-Forwarded-For headers,
 * read from the right up to the first hop that is not a trusted proxy. */
#ifndef FWD_H
#define FWD_H
#include <stddef.h>

/* An address or a range; IPv4 is kept as IPv4-mapped IPv6 (::ffff:0:0/96),
 * so one comparison serves both families. */
struct cidr {
	unsigned char	 addr[16];
	unsigned	 bits;		/* prefix length, 0 to 128 */
};

/* The header a proxy names the client in. */
enum fwd_header { FWD_NONE, FWD_FORWARDED, FWD_XFF, FWD__MAX };

/* An address of len octets of text (IPv4 dotted quad or IPv6, no
 * brackets, no port) into out: 0, or -1 when it is not one. */
int		 fwd_addr(const char *s, size_t len, unsigned char out[16]);
/* "192.0.2.0/24", "2001:db8::/32" or a single address (all bits): 0, or
 * -1. Bits past the prefix must be zero. */
int		 fwd_cidr(const char *s, struct cidr *);
/* 1 when addr lies in one of the n ranges. */
int		 fwd_trusted(const struct cidr *, size_t n,
		    const unsigned char addr[16]);
/* The header named ("Forwarded", "X-Forwarded-For", any case), or
 * FWD_NONE; and the CGI variable that carries it (NULL for FWD_NONE). */
enum fwd_header	 fwd_header_kind(const char *name);
const char	*fwd_header_var(enum fwd_header);

/*
 * The client's address, as text into out (at least FWD_VALUE_MAX):
 * remote (REMOTE_ADDR) when it is not one of the n trusted ranges or
 * kind is FWD_NONE; otherwise the header's hops from the right, each
 * trusted hop giving way to the one before it, up to the first that is
 * not trusted. A hop that cannot be read (obfuscated, "unknown", junk),
 * a header over FWD_HEADER_MAX octets or more than FWD_HOPS_MAX trusted
 * hops stop the walk at the last trusted address, so that a client can
 * only ever lump itself with others who send junk. header may be NULL.
 * Returns 0, or -1 when remote itself is not an address (out is then
 * "unknown").
 */
int		 fwd_client(const char *remote, const char *header,
		    enum fwd_header kind, const struct cidr *trusted, size_t n,
		    char *out, size_t outsz);

#endif

/* ASN.1 modules compiled into the programs (libtasn1): each is parsed on
 * first use and kept for the life of the process. */
#ifndef ASN_H
#define ASN_H
#include <libtasn1.h>

struct asn_module {
	const asn1_static_node	*tab;	/* from asn1Parser */
	asn1_node		 defs;	/* NULL until first use */
};

/* A new, empty element of type (e.g. "TNAUTH.TNAuthorizationList");
 * NULL (logged) on failure. The first use is not thread-safe. The caller
 * frees it with asn1_delete_structure. */
asn1_node	 asn_element(struct asn_module *, const char *type);

#endif

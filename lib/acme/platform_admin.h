/* The operator's commands on platforms (idprover-admin(8)). Each
 * returns the tool's exit status and prints its result on stdout. */
#ifndef PLATFORM_ADMIN_H
#define PLATFORM_ADMIN_H

struct server;

/* platform add|list|show|disable|enable|rotate-key: argv[0] "platform". */
int	 platform_admin(struct server *, int argc, char **argv);
/* guard list [NAME] | guard release NAME PREFIX. */
int	 guard_admin(struct server *, int argc, char **argv);
/* Per day of the last days: SMS sent, proofs, conversion, certificates,
 * limits hit. */
int	 platform_stats(struct server *, const char *name, long days);

#endif

/* RFC 3339 times. */
#ifndef TIMEFMT_H
#define TIMEFMT_H
#include <stddef.h>
#include <time.h>

/* RFC 3339 time, UTC, second precision. */
int		 time_fmt(time_t, char *, size_t);
/* Parse RFC 3339; -1 when malformed. */
int		 time_parse(const char *, time_t *);


#endif

/* Logging to standard error (the web server's error log). */
#ifndef LOG_H
#define LOG_H

void	log_set_name(const char *);
void	log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif

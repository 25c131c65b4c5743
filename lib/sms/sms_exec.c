/* exec:// gateway: run a program with the number as argument and the
 * text on its standard input; no shell, environment reduced to PATH. */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "log.h"
#include "sms.h"
#include "transport.h"

#define EXEC_PATH_DEFAULT	"/usr/bin:/bin"
#define EXEC_EXIT_PERMANENT	2
#define EXEC_EXIT_NOEXEC	127
#define EXEC_REAP_MS		5	/* waitpid polling interval */

/* One run of the program. */
struct run {
	pid_t	 pid;
	int	 in;			/* write end of its stdin */
	int	 out;			/* read end of its stdout */
	char	 line[SMS_EXEC_OUT_MAX];	/* start of its stdout */
	size_t	 linelen;
	int	 timedout;
	int	 status;
};

/* Close all descriptors from low up (in the child). */
static void
exec_closefrom(int low, long maxfd)
{
	long	 fd;

	if (close_range((unsigned)low, ~0U, 0) == 0)
		return;
	for (fd = low; fd < maxfd; fd++)
		close((int)fd);
}

/* Make fd the descriptor target, without close-on-exec. */
static int
exec_dup(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target);
}

/* In the child: wire stdin/stdout and exec. Never returns. */
static void __attribute__((noreturn))
exec_child(const int in[2], const int out[2], char *const argv[],
    char *const envp[], long maxfd)
{
	struct sigaction	 sa;
	sigset_t		 none;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (exec_dup(in[0], STDIN_FILENO) == -1 ||
	    exec_dup(out[1], STDOUT_FILENO) == -1)
		_exit(EXEC_EXIT_NOEXEC);
	exec_closefrom(STDERR_FILENO + 1, maxfd);
	execve(argv[0], argv, envp);
	_exit(EXEC_EXIT_NOEXEC);
}

/* Write text to the child's stdin with SIGPIPE held. 0 or -1. */
static int
exec_write(int fd, const char *text, long long deadline)
{
	struct pollfd		 pfd = { .fd = fd, .events = POLLOUT };
	struct timespec		 zero = { 0, 0 };
	sigset_t		 pipe_set, old, pending;
	size_t			 len = strlen(text);
	ssize_t			 w;
	long long		 left;
	int			 rc = 0, had;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	had = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	while (len > 0 && rc == 0) {
		if ((left = deadline - sms_clock_ms()) <= 0 ||
		    poll(&pfd, 1, (int)left) == 0) {
			rc = -1;
			break;
		}
		w = write(fd, text, len);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w == -1) {
			/* The program need not read its input. */
			if (errno != EPIPE)
				rc = -1;
			if (errno == EPIPE && !had)
				sigtimedwait(&pipe_set, NULL, &zero);
			break;
		}
		text += w;
		len -= (size_t)w;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Read stdout until EOF, keeping the start. 0, or -1 on timeout. */
static int
exec_read(struct run *r, long long deadline)
{
	struct pollfd	 pfd = { .fd = r->out, .events = POLLIN };
	char		 sink[512];
	long long	 left;
	ssize_t		 n;

	for (;;) {
		if ((left = deadline - sms_clock_ms()) <= 0 ||
		    poll(&pfd, 1, (int)left) == 0)
			return -1;
		if (r->linelen < sizeof(r->line) - 1)
			n = read(r->out, r->line + r->linelen,
			    sizeof(r->line) - 1 - r->linelen);
		else
			n = read(r->out, sink, sizeof(sink));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return 0;
		if (r->linelen < sizeof(r->line) - 1)
			r->linelen += (size_t)n;
	}
}

/* Wait for the child until deadline. 1 when reaped, 0 if still running. */
static int
exec_wait(struct run *r, long long deadline)
{
	struct timespec	 ts = { 0, EXEC_REAP_MS * 1000000L };
	pid_t		 w;

	for (;;) {
		w = waitpid(r->pid, &r->status, WNOHANG);
		if (w == r->pid)
			return 1;
		if (w == -1 && errno != EINTR) {
			log_err("%s: waitpid: %s", __func__, strerror(errno));
			r->status = EXEC_EXIT_NOEXEC << 8;
			return 1;
		}
		if (sms_clock_ms() >= deadline)
			return 0;
		nanosleep(&ts, NULL);
	}
}

/* Reap the child; past the deadline, kill its process group first. */
static void
exec_reap(struct run *r, long long deadline)
{
	int	 reaped = 0;

	if (!r->timedout && !(reaped = exec_wait(r, deadline)))
		r->timedout = 1;
	if (!r->timedout)
		return;
	kill(-r->pid, SIGKILL);
	if (reaped)
		return;
	kill(r->pid, SIGKILL);
	while (waitpid(r->pid, &r->status, 0) == -1 && errno == EINTR)
		continue;
}

/* The first line of stdout, printable ASCII only, as message id. */
static void
exec_msgid(const struct run *r, char *msgid, size_t msgidsz)
{
	size_t	 i, n = 0;

	if (msgid == NULL || msgidsz == 0)
		return;
	for (i = 0; i < r->linelen && r->line[i] != '\n' &&
	    n + 1 < msgidsz; i++)
		if (r->line[i] >= 0x20 && r->line[i] < 0x7f)
			msgid[n++] = r->line[i];
	msgid[n] = '\0';
}

/* Map how the program ended to a result. */
static enum sms_result
exec_result(const struct run *r, char *msgid, size_t msgidsz, char *err,
    size_t errsz)
{
	int	 code;

	if (r->timedout) {
		log_err("%s: program timed out, killed", __func__);
		sms_err(err, errsz, "program timed out");
		return SMS_TRANSIENT;
	}
	if (WIFSIGNALED(r->status)) {
		log_err("%s: program killed by signal %d", __func__,
		    WTERMSIG(r->status));
		sms_err(err, errsz, "program killed by signal %d",
		    WTERMSIG(r->status));
		return SMS_TRANSIENT;
	}
	code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
	if (code == 0) {
		exec_msgid(r, msgid, msgidsz);
		return SMS_SENT;
	}
	log_err("%s: program exited with %d", __func__, code);
	sms_err(err, errsz, "program exited with %d", code);
	return code == EXEC_EXIT_PERMANENT ? SMS_PERMANENT : SMS_TRANSIENT;
}

/* Build "PATH=..." from ours. The result belongs to the caller. */
static char *
exec_pathenv(void)
{
	const char	*path = getenv("PATH");
	char		*env;

	if (path == NULL || *path == '\0')
		path = EXEC_PATH_DEFAULT;
	if (asprintf(&env, "PATH=%s", path) == -1) {
		log_err("%s: asprintf failed", __func__);
		return NULL;
	}
	return env;
}

/* Create the pipes and start the child. 0 or -1. */
static int
exec_start(struct run *r, const char *program, const char *to,
    char *pathenv)
{
	char	*argv[3], *envp[2];
	int	 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	long	 maxfd;

	argv[0] = (char *)program;
	argv[1] = (char *)to;
	argv[2] = NULL;
	envp[0] = pathenv;
	envp[1] = NULL;
	if ((maxfd = sysconf(_SC_OPEN_MAX)) < 0 || maxfd > 65536)
		maxfd = 65536;
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		log_err("%s: pipe2: %s", __func__, strerror(errno));
		goto fail;
	}
	if ((r->pid = fork()) == -1) {
		log_err("%s: fork: %s", __func__, strerror(errno));
		goto fail;
	}
	if (r->pid == 0)
		exec_child(in, out, argv, envp, maxfd);
	setpgid(r->pid, r->pid);	/* also done by the child; races */
	close(in[0]);
	close(out[1]);
	r->in = in[1];
	r->out = out[0];
	fcntl(r->in, F_SETFL, O_NONBLOCK);
	fcntl(r->out, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	if (in[0] != -1) {
		close(in[0]);
		close(in[1]);
	}
	if (out[0] != -1) {
		close(out[0]);
		close(out[1]);
	}
	return -1;
}

/*
 * Run program with argv {program, to}, text on stdin, environment PATH
 * only. Exit 0: sent (first stdout line is the message id); exit 2:
 * permanent; other exits, signals and timeouts (the process group is
 * killed): transient.
 */
enum sms_result
sms_exec_send(const char *program, const char *to, const char *text,
    int timeout_ms, char *msgid, size_t msgidsz, char *err, size_t errsz)
{
	struct run	 r;
	enum sms_result	 rc = SMS_TRANSIENT;
	char		*pathenv;
	long long	 deadline;

	memset(&r, 0, sizeof(r));
	r.in = r.out = -1;
	deadline = sms_clock_ms() + timeout_ms;
	if ((pathenv = exec_pathenv()) == NULL ||
	    exec_start(&r, program, to, pathenv) == -1) {
		sms_err(err, errsz, "cannot start program");
		goto out;
	}
	if (exec_write(r.in, text, deadline) == -1)
		r.timedout = 1;
	close(r.in);
	if (!r.timedout && exec_read(&r, deadline) == -1)
		r.timedout = 1;
	close(r.out);
	exec_reap(&r, deadline);
	rc = exec_result(&r, msgid, msgidsz, err, errsz);
out:
	free(pathenv);
	return rc;
}

/*
 * corral-workload: the service the scenario tests run.
 *
 * Every process it creates records itself as a file PIDS/<pid> holding its start time
 * (field 22 of /proc/self/stat), so a test can count survivors exactly: a survivor is a
 * live process with that pid *and* that start time, whatever pids were reused since.
 *
 * usage: corral-workload [--pids DIR] [--log FILE] [--log-signals] [--ignore SIG]...
 *                        [--exit-on SIG] [--reap-on SIG] [--term-delay-ms N] MODE [ARGS]
 *   sleep                 sleep forever
 *   exit N                exit with status N
 *   double-fork           child forks a grandchild that calls setsid; child exits; main sleeps (K1)
 *   trap                  a child with default signals; main waits for it, then sleeps on (K2)
 *   flood                 write to stdout as fast as possible (K3)
 *   tree N                N processes in all: children, grandchildren, some in new sessions (K5)
 *   forkstorm SECONDS [MS] fork children living MS ms (default 100) as fast as possible, print how
 *                         many, exit (K6)
 *   sigtree               main, child, grandchild that called setsid (K7)
 *   forkbomb [MS]         every process forks as fast as it can, its children too, until TasksMax=
 *                         refuses (then it tries again MS ms later, default 1); each reaps its own
 *                         and dies on SIGTERM (a stop under a storm)
 *   forking PIDFILE       fork a daemon that writes PIDFILE, then exit 0 (K12)
 *   hygiene FILE [sleep]  first thing: append this process's cgroup, SigBlk, SigIgn and fds to FILE (K11)
 *   raise SIG             send itself SIG (HUP INT TERM USR1 USR2 PIPE KILL ABRT), by its default action (W1)
 *   segv                  dereference a null pointer: a real fault (W1)
 *   alloc MB              allocate and touch MB mebibytes, then sleep (W3)
 *   oom-child MB          a child allocates MB mebibytes; main sleeps on (W4)
 *   pool N                keep N sleeping children alive, forking a new one for each that dies (kill storm)
 *   orphans N             N children each fork a grandchild and exit; the grandchildren, orphaned, exit 0.5 s later (Z1)
 *   zombies N             fork N children that exit at once and are never reaped; main sleeps on (Z2)
 *   burst N               N sleeping children; on SIGUSR1 main SIGKILLs them all at once, reaps them, sleeps on
 *   pidreuse TARGETS READY OUT
 *                         not a service: forks and reaps throwaway children until the next pid is just
 *                         below the pids listed in TARGETS, creates READY, waits for SIGUSR1 and for
 *                         those pids to be free, then forks on until a child gets one of them; that
 *                         child writes its pid to OUT,
 *                         forks a grandchild, and both sleep (an unrelated tree on a reused pid).
 *                         Bounded: three rounds of pid_max forks, and 60 s. Exit 3 when it gave up.
 *   serve-fds             a socket-activated service: checks LISTEN_PID is its pid, then serves the
 *                         LISTEN_FDS sockets from fd 3: answers each connection of a listening one
 *                         with "pid=P fds=N names=NAMES fd=K extra=FDS\n" (FDS: its open fds above
 *                         the passed ones, "-" if none), prints each datagram as "datagram fd=K: TEXT"
 *   fdstore PORT          a service that keeps its listening socket in the manager's fd store: given one
 *                         (LISTEN_FDS, its last), it serves that; else it binds 127.0.0.1:PORT and hands it
 *                         over (FDSTORE=1, FDNAME=keep); then READY=1, and each connection is answered
 *                         "pid=P stored|bound names=LISTEN_FDNAMES\n"
 *   notify STEP...        speak sd_notify's protocol on $NOTIFY_SOCKET, without libsystemd, step by step:
 *                         sleep:MS  send:TEXT (\n in TEXT is a newline)  barrier (wait until the manager
 *                         has handled what was sent)  send-child:TEXT (a child sends it, lives 3 s more)
 *                         pings:MS:N (WATCHDOG=1 N times, MS apart)  on-hup:TEXT (SIGHUP sends TEXT)
 *                         fork-main (a child goes on with the steps; this process sends MAINPID= of it,
 *                         waits on a barrier and exits 0)  exit:N  hang (sleep forever)
 *                         status-flood:MS (STATUS=<n> as fast as it can for MS ms; the count on stderr)
 *                         gate:PATH (wait until PATH exists, at most 60 s: the test decides when to go on)
 * --log-signals logs "<pid> <SIGNAME>" lines to --log for HUP INT TERM USR1 USR2; TERM and INT
 * then end the process by the default action (after --term-delay-ms), the others are survived.
 * --exit-on SIG makes SIG log and exit 0.
 * --reap-on SIG makes SIG reap every exited child (a zombie factory that mends its ways).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/personality.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *pids_dir;
static int log_fd = -1;
static int exit_on_sig;
static int reap_on_sig;
static int term_delay_ms;

static const char *signame(int sig)
{
	switch (sig) {
	case SIGHUP: return "HUP";
	case SIGINT: return "INT";
	case SIGTERM: return "TERM";
	case SIGUSR1: return "USR1";
	case SIGUSR2: return "USR2";
	default: return "OTHER";
	}
}

static int parse_sig(const char *s)
{
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE, SIGKILL, SIGABRT };
	const char *names[] = { "HUP", "INT", "TERM", "USR1", "USR2", "PIPE", "KILL", "ABRT" };
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (strcmp(s, names[i]) == 0)
			return sigs[i];
	fprintf(stderr, "workload: unknown signal %s\n", s);
	exit(2);
}

static void log_line(const char *what)
{
	if (log_fd < 0)
		return;
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%d %s\n", (int)getpid(), what);
	if (write(log_fd, buf, (size_t)n) < 0) { /* nothing to do in a handler */ }
}

static void on_signal(int sig)
{
	if (sig == reap_on_sig) {
		int saved = errno;
		while (waitpid(-1, NULL, WNOHANG) > 0) { }
		errno = saved;
		return;
	}
	log_line(signame(sig));
	if (sig == exit_on_sig)
		_exit(0);
	if (sig == SIGTERM || sig == SIGINT) {
		if (term_delay_ms > 0) {
			struct timespec ts = { term_delay_ms / 1000, (term_delay_ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

static unsigned long long self_starttime(void)
{
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* after ") " comes field 3; start time is field 22 */
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

static void record(void)
{
	if (!pids_dir)
		return;
	char path[4096], content[32];
	snprintf(path, sizeof path, "%s/%d", pids_dir, (int)getpid());
	int n = snprintf(content, sizeof content, "%llu\n", self_starttime());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, content, (size_t)n) < 0) { }
		close(fd);
	}
}

static void sleep_forever(void)
{
	for (;;)
		pause();
}

/* fork a child that records itself and runs fn; the parent gets the pid */
static pid_t spawn(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		record();
		fn(arg);
		_exit(0);
	}
	return pid;
}

static void do_sleep(void *arg) { (void)arg; sleep_forever(); }

static void do_setsid_sleep(void *arg)
{
	(void)arg;
	setsid();
	sleep_forever();
}

static void do_double_fork_child(void *arg)
{
	(void)arg;
	spawn(do_setsid_sleep, NULL);
	_exit(0);
}

static void do_sigtree_child(void *arg)
{
	(void)arg;
	spawn(do_setsid_sleep, NULL);
	sleep_forever();
}

static void do_default_term_sleep(void *arg)
{
	(void)arg;
	signal(SIGTERM, SIG_DFL);
	sleep_forever();
}

static void do_alloc(void *arg)
{
	size_t bytes = (size_t)*(int *)arg << 20;
	char *p = malloc(bytes);
	if (!p)
		_exit(12);
	for (size_t i = 0; i < bytes; i += 4096)
		p[i] = 1; /* touch every page: the memory cgroup charges it */
	sleep_forever();
}

static void do_exit_later(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 500 * 1000000L };
	nanosleep(&ts, NULL);
	_exit(0);
}

static void do_orphan_parent(void *arg)
{
	(void)arg;
	spawn(do_exit_later, NULL);
	_exit(0);
}

static void do_exit_now(void *arg)
{
	(void)arg;
	_exit(0);
}

static void do_tree_child(void *arg)
{
	int grandchildren = *(int *)arg;
	for (int i = 0; i < grandchildren; i++)
		spawn(i % 2 ? do_setsid_sleep : do_sleep, NULL);
	sleep_forever();
}

static volatile sig_atomic_t go;
static void on_go(int sig) { (void)sig; go = 1; }

static void wait_for_go(void)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!go)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static int burst(int n)
{
	pid_t *children = calloc((size_t)n, sizeof *children);
	if (!children)
		return 1;
	signal(SIGUSR1, on_go);
	for (int k = 0; k < n; k++)
		children[k] = spawn(do_sleep, NULL);
	wait_for_go();
	for (int k = 0; k < n; k++)
		kill(children[k], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR) { }
	sleep_forever();
	return 0;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = 0;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static int pidreuse(const char *targets, const char *ready, const char *out)
{
	long pid_max = read_long("/proc/sys/kernel/pid_max");
	if (pid_max <= 0)
		return 2;
	unsigned char *wanted = calloc((size_t)pid_max, 1);
	FILE *f = fopen(targets, "re");
	if (!wanted || !f)
		return 2;
	long lowest = pid_max, p;
	while (fscanf(f, "%ld", &p) == 1)
		if (p > 0 && p < pid_max) {
			wanted[p] = 1;
			if (p < lowest)
				lowest = p;
		}
	fclose(f);
	signal(SIGUSR1, on_go);
	alarm(60);
	/* 1. Up to just below the targets (other processes take pids too: a margin). */
	long start = lowest - 600 > 300 ? lowest - 600 : 300;
	for (long k = 0;; k++) {
		if (k > 3 * pid_max)
			return 3;
		pid_t c = fork();
		if (c == 0)
			_exit(0);
		if (c < 0)
			continue;
		waitpid(c, NULL, 0);
		if (c >= start && c < lowest)
			break;
	}
	int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	wait_for_go();
	/* The go comes with the targets' kill: forking on before they are gone (and reaped) would pass
	 * their pids while still taken and need a whole round of pid_max forks to come back, which a
	 * loaded machine may not finish in time. So first wait (at most 10 s) until every one is free. */
	for (int waited = 0; waited < 1000; waited++) {
		int alive = 0;
		for (long t = lowest; t < pid_max && !alive; t++)
			if (wanted[t] && (kill((pid_t)t, 0) == 0 || errno != ESRCH))
				alive = 1;
		if (!alive)
			break;
		usleep(10000);
	}
	alarm(60);
	/* 2. On until a child is born with a wanted pid: it stays, with a child of its own. */
	for (long k = 0;; k++) {
		if (k > 3 * pid_max)
			return 3;
		pid_t c = fork();
		if (c == 0) {
			if (!wanted[getpid()])
				_exit(0);
			record();
			char buf[32];
			int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
			int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (o < 0 || write(o, buf, (size_t)n) != n)
				_exit(1);
			close(o);
			spawn(do_sleep, NULL);
			sleep_forever();
		}
		if (c < 0)
			continue;
		if (wanted[c])
			break;
		waitpid(c, NULL, 0);
	}
	alarm(0);
	sleep_forever();
	return 0;
}

/* K11: what the service sees at its first instruction */
static int hygiene(const char *file)
{
	char cg[512] = "", blk[64] = "", ign[64] = "", fds[512] = "";
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (f) {
		char line[512];
		while (fgets(line, sizeof line, f))
			if (strncmp(line, "0::", 3) == 0) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(cg, sizeof cg, "%s", line + 3);
			}
		fclose(f);
	}
	f = fopen("/proc/self/status", "re");
	if (f) {
		char line[512];
		while (fgets(line, sizeof line, f)) {
			line[strcspn(line, "\n")] = '\0';
			if (strncmp(line, "SigBlk:", 7) == 0)
				snprintf(blk, sizeof blk, "%.32s", line + 8);
			if (strncmp(line, "SigIgn:", 7) == 0)
				snprintf(ign, sizeof ign, "%.32s", line + 8);
		}
		fclose(f);
	}
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		int dfd = dirfd(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.' || atoi(e->d_name) == dfd)
				continue;
			size_t len = strlen(fds);
			snprintf(fds + len, sizeof fds - len, "%s%s", len ? "," : "", e->d_name);
		}
		closedir(d);
	}
	char out[2048];
	int n = snprintf(out, sizeof out, "%d|%s|%s|%s|%s\n", (int)getpid(), cg, blk, ign, fds);
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, out, (size_t)n) != n)
		return 1;
	close(fd);
	return 0;
}

/* One datagram to $NOTIFY_SOCKET, with FD (if >= 0) passed along as sd_notify_barrier does. */
static int notify_send(const char *text, int fd)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return -1;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sun.sun_path)
		return -1;
	strcpy(sun.sun_path, path);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
	struct msghdr msg = { .msg_name = &sun, .msg_namelen = sizeof sun, .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof control.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	int rc = sendmsg(s, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
	close(s);
	return rc;
}

/* "a\nb" in an argument becomes a newline. */
static char *unescape(const char *in)
{
	char *out = strdup(in), *o = out;
	for (const char *p = in; *p; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			*o++ = '\n';
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* sd_notify_barrier: a pipe's write end goes with BARRIER=1; the manager closing it means it has
 * handled every message sent before. */
static void notify_barrier(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	if (notify_send("BARRIER=1", p[1]) == 0) {
		close(p[1]);
		struct pollfd pfd = { .fd = p[0], .events = 0 };
		poll(&pfd, 1, 5000);
	} else {
		close(p[1]);
	}
	close(p[0]);
}

static char *hup_text;

static void on_hup(int sig)
{
	(void)sig;
	int saved = errno;
	if (hup_text)
		notify_send(hup_text, -1);
	errno = saved;
}

/* serve-fds: what a socket-activated daemon does with sd_listen_fds(), without libsystemd. */
static int do_serve_fds(void)
{
	const char *pid_s = getenv("LISTEN_PID"), *n_s = getenv("LISTEN_FDS"), *names = getenv("LISTEN_FDNAMES");
	if (!pid_s || !n_s || atol(pid_s) != (long)getpid()) {
		printf("serve-fds: LISTEN_PID=%s is not my pid %ld\n", pid_s ? pid_s : "(unset)", (long)getpid());
		fflush(stdout);
		return 2;
	}
	int n = atoi(n_s);
	char extra[256] = "";
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd >= 3 + n && fd != dirfd(d) && strlen(extra) < 200)
			snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "%s%d", extra[0] ? "," : "", fd);
	}
	if (d)
		closedir(d);
	printf("serve-fds: pid=%ld fds=%d names=%s extra=%s\n", (long)getpid(), n, names ? names : "", extra[0] ? extra : "-");
	fflush(stdout);
	struct pollfd p[64];
	if (n < 1 || n > 64)
		return 2;
	for (int k = 0; k < n; k++)
		p[k] = (struct pollfd){ .fd = 3 + k, .events = POLLIN };
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		for (int k = 0; k < n; k++) {
			if (!(p[k].revents & POLLIN))
				continue;
			int listening = 0;
			socklen_t len = sizeof listening;
			if (getsockopt(p[k].fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening) {
				int c = accept4(p[k].fd, NULL, NULL, SOCK_CLOEXEC);
				if (c < 0)
					continue;
				dprintf(c, "pid=%ld fds=%d names=%s fd=%d extra=%s\n", (long)getpid(), n, names ? names : "", p[k].fd, extra[0] ? extra : "-");
				close(c);
			} else {
				char buf[512];
				ssize_t r = recv(p[k].fd, buf, sizeof buf - 1, 0);
				if (r < 0)
					continue;
				buf[r] = '\0';
				printf("datagram fd=%d: %s\n", p[k].fd, buf);
				fflush(stdout);
			}
		}
	}
}

/* fdstore: a listening socket that outlives the process through the manager's fd store. */
static int do_fdstore(const char *port_s)
{
	const char *n_s = getenv("LISTEN_FDS"), *pid_s = getenv("LISTEN_PID"), *names = getenv("LISTEN_FDNAMES");
	int lfd, stored = n_s && pid_s && atol(pid_s) == (long)getpid() && atoi(n_s) >= 1;
	if (stored) {
		lfd = 3 + atoi(n_s) - 1;
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port_s)), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int one = 1;
		lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 64) < 0) {
			perror("fdstore: bind");
			return 2;
		}
		if (notify_send("FDSTORE=1\nFDNAME=keep", lfd) < 0)
			return 2;
	}
	notify_send("READY=1", -1);
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		dprintf(c, "pid=%ld %s names=%s\n", (long)getpid(), stored ? "stored" : "bound", names ? names : "");
		close(c);
	}
}

static int do_notify(int argc, char **argv)
{
	for (int k = 0; k < argc; k++) {
		const char *step = argv[k];
		if (strncmp(step, "sleep:", 6) == 0) {
			struct timespec ts = { .tv_sec = atoi(step + 6) / 1000, .tv_nsec = (atoi(step + 6) % 1000) * 1000000L };
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR) { }
		} else if (strncmp(step, "send:", 5) == 0) {
			char *text = unescape(step + 5);
			notify_send(text, -1);
			free(text);
		} else if (strcmp(step, "barrier") == 0) {
			notify_barrier();
		} else if (strncmp(step, "send-child:", 11) == 0) {
			pid_t c = fork();
			if (c == 0) {
				record();
				char *text = unescape(step + 11);
				notify_send(text, -1);
				sleep(3);
				_exit(0);
			}
		} else if (strncmp(step, "pings:", 6) == 0) {
			int ms = atoi(step + 6), n = 0;
			const char *colon = strchr(step + 6, ':');
			if (colon)
				n = atoi(colon + 1);
			for (int p = 0; p < n; p++) {
				notify_send("WATCHDOG=1", -1);
				usleep((useconds_t)ms * 1000);
			}
		} else if (strncmp(step, "on-hup:", 7) == 0) {
			hup_text = unescape(step + 7);
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_hup;
			sa.sa_flags = SA_RESTART;
			sigaction(SIGHUP, &sa, NULL);
		} else if (strcmp(step, "fork-main") == 0) {
			pid_t c = fork();
			if (c < 0)
				return 1;
			if (c > 0) {
				char buf[32];
				snprintf(buf, sizeof buf, "MAINPID=%d", (int)c);
				notify_send(buf, -1);
				notify_barrier();
				_exit(0);
			}
			record();
		} else if (strncmp(step, "status-flood:", 13) == 0) {
			struct timespec t0, t;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			long sent = 0, limit_ms = atol(step + 13);
			char buf[48];
			do {
				snprintf(buf, sizeof buf, "STATUS=%ld", sent);
				if (notify_send(buf, -1) == 0)
					sent++;
				clock_gettime(CLOCK_MONOTONIC, &t);
			} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < limit_ms);
			fprintf(stderr, "workload: sent %ld status messages\n", sent);
		} else if (strncmp(step, "gate:", 5) == 0) {
			for (int waited = 0; access(step + 5, F_OK) != 0 && waited < 6000; waited++)
				usleep(10000);
		} else if (strncmp(step, "exit:", 5) == 0) {
			return atoi(step + 5);
		} else if (strcmp(step, "hang") == 0) {
			sleep_forever();
		} else {
			fprintf(stderr, "workload: unknown notify step %s\n", step);
			return 2;
		}
	}
	return 0;
}


/* One system call the sandbox may refuse: "NAME ok" or "NAME ERRNONAME" on stdout, at once (a filter may kill next). */
static void probe(const char *name)
{
	long r = -1;
	errno = 0;
	if (strcmp(name, "mount") == 0)
		r = mount("none", "/nonexistent-corral-probe", "tmpfs", 0, NULL);
	else if (strcmp(name, "adjtimex") == 0) {
		struct timex tx = { .modes = 0 }; /* a query: sets nothing */
		r = adjtimex(&tx);
	} else if (strcmp(name, "getppid") == 0)
		r = getppid();
	else if (strcmp(name, "personality") == 0)
		r = personality(PER_LINUX32);
	else if (strcmp(name, "mmap-wx") == 0)
		r = mmap(NULL, 4096, PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0;
	else if (strcmp(name, "socket-inet6") == 0)
		r = socket(AF_INET6, SOCK_STREAM, 0);
	else if (strcmp(name, "socket-unix") == 0)
		r = socket(AF_UNIX, SOCK_STREAM, 0);
	else if (strcmp(name, "socket-netlink") == 0)
		r = socket(AF_NETLINK, SOCK_RAW, 0);
	else if (strcmp(name, "securebits") == 0) {
		printf("securebits %d\n", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
		fflush(stdout);
		return;
	} else if (strcmp(name, "keyring") == 0) {
		/* KEYCTL_GET_KEYRING_ID (0) of KEY_SPEC_SESSION_KEYRING (-3), not created if missing. */
		printf("keyring %ld\n", syscall(SYS_keyctl, 0, -3, 0));
		fflush(stdout);
		return;
	} else if (strcmp(name, "pid") == 0) {
		printf("pid %d\n", (int)getpid());
		fflush(stdout);
		return;
	} else if (strcmp(name, "ids") == 0) {
		printf("ids %d %d\n", (int)getuid(), (int)getgid());
		fflush(stdout);
		return;
	} else if (strcmp(name, "shm-sysv") == 0)
		r = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	else if (strcmp(name, "msg-sysv") == 0)
		r = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	else if (strcmp(name, "sem-sysv") == 0)
		r = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	else if (strncmp(name, "shm-posix:", 10) == 0) {
		r = shm_open(name + 10, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
		if (r >= 0)
			close((int)r);
	} else if (strncmp(name, "write:", 6) == 0) {
		r = open(name + 6, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (r >= 0)
			close((int)r);
	} else if (strcmp(name, "unshare-net") == 0)
		r = unshare(CLONE_NEWNET);
	else if (strcmp(name, "unshare-uts") == 0)
		r = unshare(CLONE_NEWUTS);
	else if (strcmp(name, "sched-fifo") == 0) {
		struct sched_param sp = { .sched_priority = 1 };
		r = sched_setscheduler(0, SCHED_FIFO, &sp);
	} else if (strncmp(name, "chmod-suid:", 11) == 0) {
		int fd = open(name + 11, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		r = chmod(name + 11, 04755);
		int e = errno;
		unlink(name + 11);
		errno = e;
	} else {
		printf("%s unknown\n", name);
		fflush(stdout);
		return;
	}
	if (r < 0)
		printf("%s %s\n", name, strerrorname_np(errno));
	else
		printf("%s ok\n", name);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	/* Before anything else, so that nothing of ours disturbs what is measured. */
	if (argc >= 3 && strcmp(argv[1], "hygiene") == 0) {
		int rc = hygiene(argv[2]);
		if (argc >= 4 && strcmp(argv[3], "sleep") == 0)
			sleep_forever();
		return rc;
	}

	int i = 1, log_signals = 0;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--log-signals") == 0) { log_signals = 1; continue; }
		if (!v) { fprintf(stderr, "workload: %s needs a value\n", o); return 2; }
		i++;
		if (strcmp(o, "--pids") == 0) pids_dir = v;
		else if (strcmp(o, "--log") == 0) log_fd = open(v, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		else if (strcmp(o, "--ignore") == 0) signal(parse_sig(v), SIG_IGN);
		else if (strcmp(o, "--exit-on") == 0) exit_on_sig = parse_sig(v);
		else if (strcmp(o, "--reap-on") == 0) reap_on_sig = parse_sig(v);
		else if (strcmp(o, "--term-delay-ms") == 0) term_delay_ms = atoi(v);
		else { fprintf(stderr, "workload: unknown option %s\n", o); return 2; }
	}
	if (i >= argc) { fprintf(stderr, "workload: no mode\n"); return 2; }
	const char *mode = argv[i];
	const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	if (log_signals) {
		const int logged[] = { SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2 };
		for (unsigned k = 0; k < sizeof logged / sizeof logged[0]; k++) {
			struct sigaction old;
			sigaction(logged[k], NULL, &old);
			if (old.sa_handler != SIG_IGN)
				sigaction(logged[k], &sa, NULL);
		}
	}
	if (exit_on_sig)
		sigaction(exit_on_sig, &sa, NULL);
	if (reap_on_sig)
		sigaction(reap_on_sig, &sa, NULL);

	record();
	if (strcmp(mode, "sleep") == 0) {
		sleep_forever();
	} else if (strcmp(mode, "fdstore") == 0 && arg) {
		return do_fdstore(arg);
	} else if (strcmp(mode, "serve-fds") == 0) {
		return do_serve_fds();
	} else if (strcmp(mode, "notify") == 0) {
		return do_notify(argc - i - 1, argv + i + 1);
	} else if (strcmp(mode, "exit") == 0 && arg) {
		return atoi(arg);
	} else if (strcmp(mode, "raise") == 0 && arg) {
		int sig = parse_sig(arg);
		signal(sig, SIG_DFL);
		kill(getpid(), sig);
		sleep_forever();
	} else if (strcmp(mode, "alloc") == 0 && arg) {
		int mb = atoi(arg);
		do_alloc(&mb);
	} else if (strcmp(mode, "oom-child") == 0 && arg) {
		int mb = atoi(arg);
		pid_t child = spawn(do_alloc, &mb);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR) { }
		sleep_forever();
	} else if (strcmp(mode, "pool") == 0 && arg) {
		int n = atoi(arg);
		for (int k = 0; k < n; k++)
			spawn(do_sleep, NULL);
		for (;;) {
			if (wait(NULL) > 0)
				spawn(do_sleep, NULL);
			else if (errno != EINTR)
				sleep_forever();
		}
	} else if (strcmp(mode, "orphans") == 0 && arg) {
		int n = atoi(arg);
		for (int k = 0; k < n; k++) {
			pid_t c = spawn(do_orphan_parent, NULL);
			while (waitpid(c, NULL, 0) < 0 && errno == EINTR) { }
		}
		sleep_forever();
	} else if (strcmp(mode, "zombies") == 0 && arg) {
		int n = atoi(arg);
		for (int k = 0; k < n; k++)
			spawn(do_exit_now, NULL);
		sleep_forever(); /* never waits: the children stay zombies */
	} else if (strcmp(mode, "burst") == 0 && arg) {
		return burst(atoi(arg));
	} else if (strcmp(mode, "pidreuse") == 0 && i + 3 < argc) {
		return pidreuse(argv[i + 1], argv[i + 2], argv[i + 3]);
	} else if (strcmp(mode, "segv") == 0) {
		volatile int *nowhere = NULL;
		return *nowhere;
	} else if (strcmp(mode, "double-fork") == 0) {
		pid_t child = spawn(do_double_fork_child, NULL);
		waitpid(child, NULL, 0);
		sleep_forever();
	} else if (strcmp(mode, "trap") == 0) {
		pid_t child = spawn(do_default_term_sleep, NULL);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR) { }
		log_line("CHILD-GONE");
		sleep_forever();
	} else if (strcmp(mode, "flood") == 0) {
		static char buf[4096];
		memset(buf, 'x', sizeof buf);
		buf[sizeof buf - 1] = '\n';
		for (;;)
			if (write(1, buf, sizeof buf) < 0 && errno != EINTR && errno != EAGAIN)
				return 1;
	} else if (strcmp(mode, "tree") == 0 && arg) {
		int remaining = atoi(arg) - 1;
		while (remaining > 0) {
			remaining--;
			int g = remaining < 3 ? remaining : 3;
			remaining -= g;
			if (spawn(do_tree_child, &g) < 0)
				return 1;
		}
		sleep_forever();
	} else if (strcmp(mode, "forkstorm") == 0 && arg) {
		time_t end = time(NULL) + atoi(arg);
		long child_ms = i + 2 < argc ? atol(argv[i + 2]) : 100;
		if (child_ms < 1 || child_ms > 60000)
			child_ms = 100;
		long forked = 0;
		while (time(NULL) < end) {
			pid_t p = fork();
			if (p > 0)
				forked++;
			if (p == 0) {
				/* short-lived, but long enough for the storm to press against TasksMax= */
				struct timespec ts = { child_ms / 1000, (child_ms % 1000) * 1000000L };
				nanosleep(&ts, NULL);
				_exit(0);
			}
			while (waitpid(-1, NULL, WNOHANG) > 0) { }
		}
		while (wait(NULL) > 0) { }
		printf("forkstorm: %ld children forked\n", forked); /* the benchmark compares it with the records */
		return 0;
	} else if (strcmp(mode, "forkbomb") == 0) {
		long backoff_ms = arg ? atol(arg) : 1;
		if (backoff_ms < 1 || backoff_ms > 1000)
			backoff_ms = 1;
		for (;;) {
			pid_t p = fork();
			if (p < 0) {
				/* refused (TasksMax=): try again soon */
				struct timespec ts = { backoff_ms / 1000, (backoff_ms % 1000) * 1000000L };
				nanosleep(&ts, NULL);
			}
			while (waitpid(-1, NULL, WNOHANG) > 0) { }
		}
	} else if (strcmp(mode, "sigtree") == 0) {
		spawn(do_sigtree_child, NULL);
		sleep_forever();
	} else if (strcmp(mode, "calls") == 0) {
		for (int k = i + 1; k < argc; k++)
			probe(argv[k]);
		return 0;
	} else if (strcmp(mode, "forking") == 0 && arg) {
		int ready[2];
		if (pipe(ready) < 0)
			return 1;
		pid_t child = fork();
		if (child == 0) {
			close(ready[0]);
			setsid();
			record();
			char buf[32];
			int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
			int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0 || write(fd, buf, (size_t)n) != n)
				_exit(1);
			close(fd);
			close(ready[1]);
			sleep_forever();
		}
		close(ready[1]);
		char c;
		while (read(ready[0], &c, 1) < 0 && errno == EINTR) { }
		return 0;
	} else {
		fprintf(stderr, "workload: unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}

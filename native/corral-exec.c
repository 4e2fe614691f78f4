/*
 * corral-exec: the only non-C# part of Corral.
 *
 * The daemon is a multithreaded .NET process, so it cannot fork and then set up
 * a child.  It posix_spawn()s this program instead, which puts itself into the
 * service's cgroups *before* anything of the service runs, prepares the
 * execution environment and execve()s the service.  If a step fails, the step
 * and errno are written to the status fd and we exit 127; on success the
 * status fd is closed by execve (it is close-on-exec), which the daemon reads
 * as EOF = "exec succeeded".
 *
 * Usage: corral-exec [--cgroup DIR]... [--uid N] [--gid N] [--groups G,G,...]
 *                    [--chdir DIR] [--umask OCTAL] [--rlimit NAME=SOFT:HARD]...
 *                    [--oom-score-adj N] [--nice N] [--sched POLICY:PRIORITY:RESET] [--ioprio CLASS:LEVEL]
 *                    [--env-pid NAME]... [--listen-fds FIRST:N] [--sigpipe ignore|default]
 *                    [--cap-bounding HEX] [--cap-ambient HEX] [--no-new-privs] [--private-users] [--keyring private|shared] [--securebits N]
 *                    [--ns SPEC]... [--mount "KIND\tFLAGS\tDIRECTIVE\tDST\tSRC"]... [--mount-propagation shared|slave|private] [--seccomp SPEC]...
 *                    [--status-fd N] -- PATH ARGV0 [ARG]...
 * The service's environment is this program's own environment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <stdarg.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exec.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define MAX_CGROUPS 8
#define MAX_GROUPS 64
#define MAX_RLIMITS 16
#define MAX_NAMESPACES 4
#define MAX_MOUNTS 512

extern char **environ;

static int status_fd = 3;

/* Report a failed step to the daemon as "STEP\tERRNO\tDETAIL\n" and exit. */
void fail(const char *step, int err, const char *detail)
{
	char buf[PATH_MAX + 128];
	int n = snprintf(buf, sizeof buf, "%s\t%d\t%s\n", step, err, detail ? detail : "");
	if (n > (int)sizeof buf)
		n = sizeof buf;
	if (status_fd >= 0 && n > 0) {
		ssize_t w = write(status_fd, buf, (size_t)n);
		(void)w;
	}
	_exit(127);
}

static long parse_long(const char *s, int base, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, base);
	if (errno != 0 || *s == '\0' || *end != '\0')
		fail(what, EINVAL, s);
	return v;
}

/* A number that ends at a ':' ("3" of "3:0:1"). */
static long parse_long_prefix(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != ':')
		fail("usage", EINVAL, s);
	return v;
}

static void write_file(const char *path, const char *value, const char *step)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail(step, errno, path);
	size_t len = strlen(value);
	if (write(fd, value, len) != (ssize_t)len) {
		int e = errno;
		close(fd);
		fail(step, e, path);
	}
	close(fd);
}

/*
 * A step the kernel refused but the service can run without (a lower OOM score, a higher priority):
 * as systemd does for limits, the start goes on and says so, in the service's log and, as a
 * "WARN\tTEXT" line on the status pipe, to the daemon, which shows it in status.
 */
void warn(const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	dprintf(2, "corral-exec: %s\n", text);
	if (status_fd >= 0)
		dprintf(status_fd, "WARN\t%s\n", text);
}

/* Like write_file, but a refusal is a warning: "SETTING cannot be applied: ERROR; the service runs without it". */
static void write_file_or_warn(const char *path, const char *value, const char *setting)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(value);
	if (fd >= 0 && write(fd, value, len) == (ssize_t)len) {
		close(fd);
		return;
	}
	int e = errno;
	if (fd >= 0)
		close(fd);
	warn("%s cannot be applied: %s; the service runs without it", setting, strerror(e));
}

static void join_cgroup(const char *dir)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path)
		fail("cgroup", ENAMETOOLONG, dir);
	/* "0" means the writing process itself, on v1 and v2 alike. */
	write_file(path, "0", "cgroup");
}

static rlim_t parse_rlim(const char *s)
{
	if (strcmp(s, "infinity") == 0)
		return RLIM_INFINITY;
	return (rlim_t)parse_long(s, 10, "rlimit");
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "CPU", RLIMIT_CPU },		   { "FSIZE", RLIMIT_FSIZE },	  { "DATA", RLIMIT_DATA },
	{ "STACK", RLIMIT_STACK },	   { "CORE", RLIMIT_CORE },	  { "RSS", RLIMIT_RSS },
	{ "NPROC", RLIMIT_NPROC },	   { "NOFILE", RLIMIT_NOFILE },	  { "MEMLOCK", RLIMIT_MEMLOCK },
	{ "AS", RLIMIT_AS },		   { "LOCKS", RLIMIT_LOCKS },	  { "SIGPENDING", RLIMIT_SIGPENDING },
	{ "MSGQUEUE", RLIMIT_MSGQUEUE }, { "NICE", RLIMIT_NICE },	  { "RTPRIO", RLIMIT_RTPRIO },
	{ "RTTIME", RLIMIT_RTTIME },
};

static void set_rlimit(const char *spec)
{
	/* NAME=SOFT:HARD */
	char name[32];
	const char *eq = strchr(spec, '=');
	if (!eq || (size_t)(eq - spec) >= sizeof name)
		fail("rlimit", EINVAL, spec);
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = '\0';
	int resource = -1;
	for (size_t k = 0; k < sizeof rlimit_names / sizeof rlimit_names[0]; k++)
		if (strcmp(name, rlimit_names[k].name) == 0)
			resource = rlimit_names[k].resource;
	if (resource < 0)
		fail("rlimit", EINVAL, spec);

	char soft[64];
	const char *colon = strchr(eq + 1, ':');
	if (!colon || (size_t)(colon - eq - 1) >= sizeof soft)
		fail("rlimit", EINVAL, spec);
	memcpy(soft, eq + 1, (size_t)(colon - eq - 1));
	soft[colon - eq - 1] = '\0';
	struct rlimit rl = { .rlim_cur = parse_rlim(soft), .rlim_max = parse_rlim(colon + 1) };
	if (setrlimit(resource, &rl) == 0)
		return;
	/*
	 * A hard limit above our own needs CAP_SYS_RESOURCE. Without it, systemd sets the closest
	 * value it may and starts the service; so do we, and say so in the service's log.
	 */
	struct rlimit now;
	if (errno != EPERM || getrlimit(resource, &now) < 0 || now.rlim_max == RLIM_INFINITY || rl.rlim_max <= now.rlim_max)
		fail("rlimit", errno, spec);
	rl.rlim_max = now.rlim_max;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	if (setrlimit(resource, &rl) < 0)
		fail("rlimit", errno, spec);
	dprintf(2, "corral-exec: Limit%s=%s cannot be granted without CAP_SYS_RESOURCE; set to %llu:%llu, the most this supervisor may give\n",
		name, eq + 1, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	/* And to the daemon, which shows it in status: "WARN\tTEXT\n" lines come before any failure. */
	if (status_fd >= 0)
		dprintf(status_fd, "WARN\tLimit%s=%s cannot be granted (no CAP_SYS_RESOURCE, or above fs.nr_open); set to %llu:%llu\n",
			name, eq + 1, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
}

/* The kernel's struct sigaction for rt_sigaction(2), which glibc's wrapper hides. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static void reset_signals(int ignore_sigpipe)
{
	/*
	 * .NET leaves SIGPIPE ignored, and signals 32 and 33 (reserved by glibc, so its
	 * sigaction() refuses them) ignored too; an ignored disposition survives execve.
	 * The raw system call reaches every signal, so a service starts clean.
	 */
	struct kernel_sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.handler = SIG_DFL;
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, &sa, NULL, sizeof sa.mask) < 0)
			fail("sigaction", errno, NULL);
	}
	/* IgnoreSIGPIPE= (systemd's default: yes): a write to a closed pipe fails with EPIPE instead of killing. */
	if (ignore_sigpipe) {
		sa.handler = SIG_IGN;
		if (syscall(SYS_rt_sigaction, SIGPIPE, &sa, NULL, sizeof sa.mask) < 0)
			fail("sigaction", errno, "SIGPIPE");
	}
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		fail("sigprocmask", errno, NULL);
}

static void close_inherited_fds(void)
{
	/* Everything above 2, the status fd included, closes at execve. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (int fd = 3; fd < 65536; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap), 40 if it cannot be read. */
static int last_cap(void)
{
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	char buf[16] = { 0 };
	if (fd < 0)
		return 40;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n > 0 ? atoi(buf) : 40;
}

/* CapabilityBoundingSet=: every capability not kept leaves the bounding set (needs CAP_SETPCAP). */
static void drop_bounding(unsigned long long keep)
{
	int last = last_cap();
	for (int c = 0; c <= last && c < 64; c++) {
		if ((keep & (1ULL << c)) || prctl(PR_CAPBSET_READ, c, 0, 0, 0) <= 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			char detail[32];
			snprintf(detail, sizeof detail, "capability %d", c);
			fail("CapabilityBoundingSet", errno, detail);
		}
	}
}

/*
 * AmbientCapabilities=: each capability made inheritable, then raised into the ambient set, which
 * survives execve for a program without file capabilities, also as another user (PR_SET_KEEPCAPS
 * kept the permitted set across setuid). A capability this process does not hold cannot be raised.
 */
static void raise_ambient(unsigned long long caps)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &header, data) < 0)
		fail("capget", errno, NULL);
	for (int c = 0; c < 64; c++) {
		if (!(caps & (1ULL << c)))
			continue;
		char detail[32];
		snprintf(detail, sizeof detail, "capability %d", c);
		/* Not held (a host without it), or not in the bounding set (CapabilityBoundingSet= left it out). */
		if (!(data[c / 32].permitted & (1U << (c % 32))) || prctl(PR_CAPBSET_READ, c, 0, 0, 0) <= 0)
			fail("AmbientCapabilities", EPERM, detail);
		data[c / 32].inheritable |= 1U << (c % 32);
	}
	if (syscall(SYS_capset, &header, data) < 0)
		fail("AmbientCapabilities", errno, "capset");
	for (int c = 0; c < 64; c++) {
		if (!(caps & (1ULL << c)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) {
			char detail[32];
			snprintf(detail, sizeof detail, "capability %d", c);
			fail("AmbientCapabilities", errno, detail);
		}
	}
}

/*
 * KeyringMode=: a session keyring of the service's own (made as its user, so it owns it), instead of
 * the supervisor's, which every service would otherwise share; "shared" links its user's keyring in.
 * A kernel or container without keyrings leaves the service the one it has, said as a warning.
 */
static void own_keyring(const char *mode)
{
	/* KEYCTL_JOIN_SESSION_KEYRING (1) with no name: a new anonymous keyring. */
	if (syscall(SYS_keyctl, 1, NULL) < 0) {
		warn("KeyringMode=%s cannot be applied: %s; the service keeps the supervisor's session keyring", mode, strerror(errno));
		return;
	}
	/* KEYCTL_LINK (8) of KEY_SPEC_USER_KEYRING (-4) into KEY_SPEC_SESSION_KEYRING (-3). */
	if (strcmp(mode, "shared") == 0 && syscall(SYS_keyctl, 8, -4, -3) < 0)
		fail("KeyringMode", errno, "shared");
}

/*
 * corral-exec --hold: the holder of the socket units' listening sockets. The daemon spawns it like
 * a service's process, with the sockets moved to fds 3.. by the steps below, into a cgroup of its
 * own; this image only keeps them open, so they outlive a daemon killed with SIGKILL (the kernel
 * queues connections meanwhile) and the next daemon takes copies of them (pidfd_getfd). It ends
 * when the daemon that holds a newer set, or stops the sockets, kills it. Stray terminal signals
 * do not end it; SIGTERM and SIGKILL do.
 */
static _Noreturn void hold(void)
{
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *cgroups[MAX_CGROUPS];
	int ncgroups = 0;
	const char *rlimits[MAX_RLIMITS];
	int nrlimits = 0;
	gid_t groups[MAX_GROUPS];
	int ngroups = -1;
	long uid = -1, gid = -1, oom = LONG_MIN;
	const char *chdir_to = NULL;
	const char *env_pids[4];
	int nenv_pids = 0;
	long listen_first = -1, listen_count = 0;
	long umask_value = -1;
	int ignore_sigpipe = 0;
	long nice_value = LONG_MIN;
	const char *sched = NULL, *ioprio = NULL;
	unsigned long long cap_bounding = 0, cap_ambient = 0;
	int has_bounding = 0, no_new_privs = 0, private_users = 0;
	const char *keyring = NULL, *propagation = NULL;
	long securebits = 0;
	const char *namespaces[MAX_NAMESPACES];
	int nnamespaces = 0;
	static struct mount_op mounts[MAX_MOUNTS];
	int nmounts = 0;
	int i;

	if (argc == 2 && strcmp(argv[1], "--hold") == 0)
		hold();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--no-new-privs") == 0) {
			no_new_privs = 1;
			continue;
		}
		if (strcmp(a, "--private-users") == 0) {
			private_users = 1;
			continue;
		}
		if (!v)
			fail("usage", EINVAL, a);
		i++;
		if (strcmp(a, "--status-fd") == 0) {
			status_fd = (int)parse_long(v, 10, "usage");
		} else if (strcmp(a, "--cgroup") == 0) {
			if (ncgroups == MAX_CGROUPS)
				fail("usage", E2BIG, a);
			cgroups[ncgroups++] = v;
		} else if (strcmp(a, "--uid") == 0) {
			uid = parse_long(v, 10, "usage");
		} else if (strcmp(a, "--gid") == 0) {
			gid = parse_long(v, 10, "usage");
		} else if (strcmp(a, "--groups") == 0) {
			ngroups = 0;
			char *copy = strdup(v), *save = NULL;
			for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (ngroups == MAX_GROUPS)
					fail("usage", E2BIG, v);
				groups[ngroups++] = (gid_t)parse_long(tok, 10, "usage");
			}
			free(copy);
		} else if (strcmp(a, "--chdir") == 0) {
			chdir_to = v;
		} else if (strcmp(a, "--umask") == 0) {
			umask_value = parse_long(v, 8, "usage");
		} else if (strcmp(a, "--rlimit") == 0) {
			if (nrlimits == MAX_RLIMITS)
				fail("usage", E2BIG, a);
			rlimits[nrlimits++] = v;
		} else if (strcmp(a, "--oom-score-adj") == 0) {
			oom = parse_long(v, 10, "usage");
		} else if (strcmp(a, "--env-pid") == 0) {
			if (nenv_pids == 4)
				fail("usage", E2BIG, a);
			env_pids[nenv_pids++] = v;
		} else if (strcmp(a, "--listen-fds") == 0) {
			char *colon = strchr(v, ':');
			if (!colon)
				fail("usage", EINVAL, a);
			*colon = '\0';
			listen_first = parse_long(v, 10, "usage");
			listen_count = parse_long(colon + 1, 10, "usage");
			if (listen_first < 3 || listen_count < 1 || listen_count > 4096)
				fail("usage", EINVAL, a);
		} else if (strcmp(a, "--nice") == 0) {
			nice_value = parse_long(v, 10, "usage");
		} else if (strcmp(a, "--sched") == 0) {
			sched = v;
		} else if (strcmp(a, "--ioprio") == 0) {
			ioprio = v;
		} else if (strcmp(a, "--cap-bounding") == 0) {
			cap_bounding = strtoull(v, NULL, 16);
			has_bounding = 1;
		} else if (strcmp(a, "--cap-ambient") == 0) {
			cap_ambient = strtoull(v, NULL, 16);
		} else if (strcmp(a, "--ns") == 0) {
			if (nnamespaces == MAX_NAMESPACES)
				fail("usage", E2BIG, a);
			namespaces[nnamespaces++] = v;
		} else if (strcmp(a, "--mount") == 0) {
			if (nmounts == MAX_MOUNTS)
				fail("usage", E2BIG, a);
			mount_op_parse(&mounts[nmounts++], v);
		} else if (strcmp(a, "--mount-propagation") == 0) {
			propagation = v;
		} else if (strcmp(a, "--keyring") == 0) {
			keyring = v;
		} else if (strcmp(a, "--securebits") == 0) {
			securebits = parse_long(v, 10, "usage");
		} else if (strcmp(a, "--seccomp") == 0) {
			seccomp_option(v);
		} else if (strcmp(a, "--sigpipe") == 0) {
			if (strcmp(v, "ignore") == 0)
				ignore_sigpipe = 1;
			else if (strcmp(v, "default") != 0)
				fail("usage", EINVAL, v);
		} else {
			fail("usage", EINVAL, a);
		}
	}
	if (status_fd >= 0 && fcntl(status_fd, F_SETFD, FD_CLOEXEC) < 0)
		status_fd = -1;
	if (argc - i < 2)
		fail("usage", EINVAL, "missing PATH ARGV0 after --");

	/* 1. Into the cgroups first: nothing of the service may run outside them. */
	for (int c = 0; c < ncgroups; c++)
		join_cgroup(cgroups[c]);

	/* 2. A session of its own: no controlling terminal, its own process group. */
	if (setsid() < 0)
		fail("setsid", errno, NULL);

	/* 3. Limits that need privilege, before dropping it. */
	for (int r = 0; r < nrlimits; r++)
		set_rlimit(rlimits[r]);
	if (oom != LONG_MIN) {
		char buf[32];
		snprintf(buf, sizeof buf, "%ld", oom);
		char setting[48];
		snprintf(setting, sizeof setting, "OOMScoreAdjust=%ld", oom);
		/* Lowering it needs CAP_SYS_RESOURCE: refused, a warning (as systemd on a container host), not a failure. */
		write_file_or_warn("/proc/self/oom_score_adj", buf, setting);
	}
	/* Priorities, as systemd sets them before dropping privileges; refused, a warning. */
	if (nice_value != LONG_MIN && setpriority(PRIO_PROCESS, 0, (int)nice_value) < 0)
		warn("Nice=%ld cannot be applied: %s; the service runs at the supervisor's", nice_value, strerror(errno));
	if (sched) {
		long policy = parse_long_prefix(sched);
		const char *p2 = strchr(sched, ':'), *p3 = p2 ? strchr(p2 + 1, ':') : NULL;
		if (!p2 || !p3)
			fail("usage", EINVAL, sched);
		struct sched_param param = { .sched_priority = (int)parse_long_prefix(p2 + 1) };
		int flags = parse_long(p3 + 1, 10, "usage") ? SCHED_RESET_ON_FORK : 0;
		if (sched_setscheduler(0, (int)policy | flags, &param) < 0)
			warn("CPUSchedulingPolicy= (policy %ld, priority %d) cannot be applied: %s; the service runs with the default policy",
				policy, param.sched_priority, strerror(errno));
	}
	if (ioprio) {
		const char *colon = strchr(ioprio, ':');
		if (!colon)
			fail("usage", EINVAL, ioprio);
		long cls = parse_long_prefix(ioprio), level = parse_long(colon + 1, 10, "usage");
		/* ioprio_set(IOPRIO_WHO_PROCESS, self, class << 13 | level): no glibc wrapper. */
		if (syscall(SYS_ioprio_set, 1, 0, (int)(cls << 13 | level)) < 0)
			warn("IOSchedulingClass= (class %ld, priority %ld) cannot be applied: %s; the service runs with the default", cls, level, strerror(errno));
	}

	/*
	 * 4. Namespaces, then the file-system view (systemd's order): while still root, and before the
	 * working directory and the program are looked up, which are found in the view the service gets.
	 */
	for (int k = 0; k < nnamespaces; k++)
		setup_namespace(namespaces[k]);
	if (nmounts > 0)
		setup_mounts(mounts, nmounts);
	/* MountFlags=: once the view is made, how it and the host's share mounts from now on. */
	if (propagation) {
		unsigned long flag = strcmp(propagation, "shared") == 0 ? MS_SHARED
			: strcmp(propagation, "private") == 0 ? MS_PRIVATE : MS_SLAVE;
		if (nmounts == 0)
			fail("usage", EINVAL, "--mount-propagation without a mount namespace");
		if (mount(NULL, "/", NULL, MS_REC | flag, NULL) < 0)
			fail("MountFlags", errno, propagation);
	}
	/* PrivateUsers=: after the mounts and namespaces, made as the host's root; before the capabilities, which then are the new namespace's. */
	if (private_users)
		setup_private_users(uid, gid, groups, ngroups > 0 ? ngroups : 0);

	/* 5. The bounding set, while the privilege to change it (CAP_SETPCAP) is still held. */
	if (has_bounding)
		drop_bounding(cap_bounding);
	/* SecureBits=, while CAP_SETPCAP is held (keep-caps is cleared by the exec, the locks stay). */
	if (securebits && prctl(PR_SET_SECUREBITS, securebits, 0, 0, 0) < 0)
		fail("SecureBits", errno, NULL);
	/* Ambient capabilities of another user: the permitted set must outlive the setuid. */
	if (cap_ambient && uid >= 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		fail("prctl(PR_SET_KEEPCAPS)", errno, NULL);

	/* 6. Credentials: supplementary groups, then gid, then uid; then the ambient set. */
	if (ngroups >= 0 || gid >= 0) {
		if (setgroups(ngroups > 0 ? (size_t)ngroups : 0, groups) < 0)
			fail("setgroups", errno, NULL);
	}
	if (gid >= 0 && setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0)
		fail("setgid", errno, NULL);
	if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
		fail("setuid", errno, NULL);
	if (cap_ambient)
		raise_ambient(cap_ambient);
	if (keyring)
		own_keyring(keyring);

	/* 7. Working directory, checked with the service's own credentials. */
	if (chdir_to && chdir(chdir_to) < 0)
		fail("chdir", errno, chdir_to);

	if (umask_value >= 0)
		umask((mode_t)umask_value);

	/* 8. Variables that must name this very process (WATCHDOG_PID=, LISTEN_PID=): only known after the spawn. */
	for (int e = 0; e < nenv_pids; e++) {
		char buf[24];
		snprintf(buf, sizeof buf, "%ld", (long)getpid());
		if (setenv(env_pids[e], buf, 1) < 0)
			fail("setenv", errno, env_pids[e]);
	}

	reset_signals(ignore_sigpipe);
	close_inherited_fds();
	/* The sockets of its socket units, handed in at FIRST..FIRST+N-1 (above every other descriptor
	 * the daemon placed, the status fd after them): moved down to 3..3+N-1, the only descriptors
	 * above 2 the service keeps. Ascending, a target is never a socket not moved yet. */
	for (long k = 0; k < listen_count; k++) {
		int from = (int)(listen_first + k), to = (int)(3 + k);
		if (from != to && dup2(from, to) < 0)
			fail("dup2", errno, "a listening socket");
		if (from == to && fcntl(to, F_SETFD, 0) < 0)
			fail("fcntl", errno, "a listening socket");
	}

	/* 9. Last: from here on neither setuid bits nor file capabilities can give the service more. */
	if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail("NoNewPrivileges", errno, NULL);
	/* 10. The system-call filter: from here on, only execve of what was just set up. */
	if (seccomp_wanted())
		install_seccomp();

	execve(argv[i], &argv[i + 1], environ);
	fail("execve", errno, argv[i]);
	return 127;
}

/*
 * The service's system-call filter (SystemCallFilter=, RestrictNamespaces=, RestrictAddressFamilies=,
 * MemoryDenyWriteExecute=, RestrictRealtime=, RestrictSUIDSGID=, LockPersonality=,
 * SystemCallArchitectures=native): one classic BPF program, installed last before the exec.
 *
 * Layout: the architecture first (a call of another ABI, x32 included, gets the filter's own
 * action under an allow list or with SystemCallArchitectures=native); then one short block per call
 * the argument rules look at (each reloads the call's number, so blocks stand alone); then the list:
 * two instructions per call ("equal? allow" under an allow list, "equal? refuse" under a deny list)
 * and the default. No jump crosses more than a block, so the 8-bit jump offsets of BPF always reach.
 *
 * Names are resolved with this build's own table (syscall-table.h, made by build.sh from the C
 * library's headers): a name this architecture does not have is skipped, as systemd does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include "exec.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define X32_BIT 0x40000000U
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "corral-exec knows the audit architecture of x86_64 and aarch64 only"
#endif

#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *name;
	int nr;
} table[] = {
#include "syscall-table.h"
};

#define MAX_INSNS 4096

static struct sock_filter prog[MAX_INSNS];
static unsigned short len;

static struct {
	int mode; /* 0 none, 1 allow list, 2 deny list */
	char *calls;
	long errno_value; /* -1: kill */
	int native;
	unsigned long namespaces;
	int af_mode; /* 0 none, 1 allow list, 2 deny list */
	char *families;
	int mdwe, realtime, suid, personality;
	char *clock; /* ProtectClock=: these calls fail with EPERM, in a filter of their own */
	int log_mode; /* SystemCallLog=: 0 none, 1 these calls are logged, 2 all but these */
	char *log_calls;
} want = { .errno_value = -1 };

static void emit(struct sock_filter insn)
{
	if (len == MAX_INSNS)
		fail("SystemCallFilter", E2BIG, "the filter is longer than the kernel takes");
	prog[len++] = insn;
}

/* The table is sorted bytewise by name (build.sh): a binary search, as an allow list names hundreds. */
static int number_of(const char *name)
{
	size_t lo = 0, hi = sizeof table / sizeof table[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(table[mid].name, name);
		if (c == 0)
			return table[mid].nr;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

#define LOAD_NR() emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)))
/* The low 32 bits of argument N (this build is little-endian: x86_64, aarch64). */
#define LOAD_ARG(n) emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[n])))
#define JEQ(k, t, f) emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f)))
#define JSET(k, t, f) emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f)))
#define RET(k) emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (k)))
#define AND(k) emit((struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, (k)))
#define REFUSE(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

/* "If call NR has any of MASK in argument ARG, it fails with ERR." */
static void refuse_bits(const char *call, int arg, uint32_t mask, int err)
{
	int nr = number_of(call);
	if (nr < 0)
		return;
	LOAD_NR();
	JEQ((uint32_t)nr, 0, 3);
	LOAD_ARG(arg);
	JSET(mask, 0, 1);
	RET(REFUSE(err));
}

/* open(2) and its kin creating a file with a set-id mode: CALL's flags in argument FLAGS, mode in MODE. */
static void refuse_setid_create(const char *call, int flags, int mode)
{
	int nr = number_of(call);
	if (nr < 0)
		return;
	LOAD_NR();
	JEQ((uint32_t)nr, 0, 5);
	LOAD_ARG(flags);
	JSET(O_CREAT, 0, 3);
	LOAD_ARG(mode);
	JSET(S_ISUID | S_ISGID, 0, 1);
	RET(REFUSE(EPERM));
}

static void argument_rules(void)
{
	if (want.namespaces) {
		uint32_t d = (uint32_t)want.namespaces;
		refuse_bits("unshare", 0, d, EPERM);
		refuse_bits("clone", 0, d, EPERM);
		/* clone3's flags are in memory BPF cannot read: ENOSYS, and the C library falls back to clone. */
		int nr = number_of("clone3");
		if (nr >= 0) {
			LOAD_NR();
			JEQ((uint32_t)nr, 0, 1);
			RET(REFUSE(ENOSYS));
		}
		nr = number_of("setns");
		if (nr >= 0) {
			/* setns(fd, 0) joins whatever the fd is: refused too. */
			LOAD_NR();
			JEQ((uint32_t)nr, 0, 4);
			LOAD_ARG(1);
			JEQ(0, 1, 0);
			JSET(d, 0, 1);
			RET(REFUSE(EPERM));
		}
	}
	if (want.af_mode) {
		int families[64], n = 0;
		for (char *save = NULL, *tok = strtok_r(want.families, ",", &save); tok && n < 64; tok = strtok_r(NULL, ",", &save))
			families[n++] = atoi(tok);
		int nr = number_of("socket");
		if (nr >= 0) {
			LOAD_NR();
			if (want.af_mode == 1) {
				/* Only these: each match jumps over the refusal. */
				JEQ((uint32_t)nr, 0, (uint8_t)(n + 2));
				LOAD_ARG(0);
				for (int k = 0; k < n; k++)
					JEQ((uint32_t)families[k], (uint8_t)(n - k), 0);
				RET(REFUSE(EAFNOSUPPORT));
			} else {
				JEQ((uint32_t)nr, 0, (uint8_t)(2 * n + 1));
				LOAD_ARG(0);
				for (int k = 0; k < n; k++) {
					JEQ((uint32_t)families[k], 0, 1);
					RET(REFUSE(EAFNOSUPPORT));
				}
			}
		}
	}
	if (want.mdwe) {
		int nr = number_of("mmap");
		if (nr >= 0) {
			/* Writable and executable at once. */
			LOAD_NR();
			JEQ((uint32_t)nr, 0, 4);
			LOAD_ARG(2);
			AND(PROT_EXEC | PROT_WRITE);
			JEQ(PROT_EXEC | PROT_WRITE, 0, 1);
			RET(REFUSE(EPERM));
		}
		refuse_bits("mprotect", 2, PROT_EXEC, EPERM);
		refuse_bits("pkey_mprotect", 2, PROT_EXEC, EPERM);
		refuse_bits("shmat", 2, SHM_EXEC, EPERM);
	}
	if (want.realtime) {
		int nr = number_of("sched_setscheduler");
		if (nr >= 0) {
			LOAD_NR();
			JEQ((uint32_t)nr, 0, 6);
			LOAD_ARG(1);
			AND(~(uint32_t)SCHED_RESET_ON_FORK);
			JEQ(SCHED_FIFO, 2, 0);
			JEQ(SCHED_RR, 1, 0);
			JEQ(6 /* SCHED_DEADLINE */, 0, 1);
			RET(REFUSE(EPERM));
		}
		/* sched_setattr's policy is in memory: refused whole, as a realtime policy could hide there. */
		nr = number_of("sched_setattr");
		if (nr >= 0) {
			LOAD_NR();
			JEQ((uint32_t)nr, 0, 1);
			RET(REFUSE(EPERM));
		}
	}
	if (want.suid) {
		refuse_bits("chmod", 1, S_ISUID | S_ISGID, EPERM);
		refuse_bits("fchmod", 1, S_ISUID | S_ISGID, EPERM);
		refuse_bits("fchmodat", 2, S_ISUID | S_ISGID, EPERM);
		refuse_bits("fchmodat2", 2, S_ISUID | S_ISGID, EPERM);
		refuse_bits("mknod", 1, S_ISUID | S_ISGID, EPERM);
		refuse_bits("mknodat", 2, S_ISUID | S_ISGID, EPERM);
		refuse_bits("creat", 1, S_ISUID | S_ISGID, EPERM);
		refuse_setid_create("open", 1, 2);
		refuse_setid_create("openat", 2, 3);
	}
	if (want.personality) {
		int nr = number_of("personality");
		if (nr >= 0) {
			/* PER_LINUX, or the query 0xffffffff: nothing else. */
			LOAD_NR();
			JEQ((uint32_t)nr, 0, 4);
			LOAD_ARG(0);
			JEQ(0, 2, 0);
			JEQ(0xffffffffU, 1, 0);
			RET(REFUSE(EPERM));
		}
	}
}

void seccomp_option(const char *spec)
{
	if (strncmp(spec, "allow:", 6) == 0 || strncmp(spec, "deny:", 5) == 0) {
		want.mode = spec[0] == 'a' ? 1 : 2;
		want.calls = strdup(strchr(spec, ':') + 1);
	} else if (strncmp(spec, "errno:", 6) == 0) {
		want.errno_value = strtol(spec + 6, NULL, 10);
	} else if (strcmp(spec, "native") == 0) {
		want.native = 1;
	} else if (strncmp(spec, "ns:", 3) == 0) {
		want.namespaces = strtoul(spec + 3, NULL, 16);
	} else if (strncmp(spec, "af-allow:", 9) == 0 || strncmp(spec, "af-deny:", 8) == 0) {
		want.af_mode = spec[3] == 'a' ? 1 : 2;
		want.families = strdup(strchr(spec, ':') + 1);
	} else if (strncmp(spec, "log:", 4) == 0 || strncmp(spec, "log-others:", 11) == 0) {
		want.log_mode = spec[3] == ':' ? 1 : 2;
		want.log_calls = strdup(strchr(spec, ':') + 1);
	} else if (strncmp(spec, "clock:", 6) == 0) {
		want.clock = strdup(spec + 6);
	} else if (strcmp(spec, "mdwe") == 0) {
		want.mdwe = 1;
	} else if (strcmp(spec, "realtime") == 0) {
		want.realtime = 1;
	} else if (strcmp(spec, "suid") == 0) {
		want.suid = 1;
	} else if (strcmp(spec, "personality") == 0) {
		want.personality = 1;
	} else {
		fail("usage", EINVAL, spec);
	}
}

/* Whether the unit's own filter (beside ProtectClock='s) has anything to do. */
static int unit_filter_wanted(void)
{
	return want.mode || want.native || want.namespaces || want.af_mode || want.mdwe || want.realtime || want.suid || want.personality;
}

int seccomp_wanted(void)
{
	return want.clock || want.log_mode || unit_filter_wanted();
}

/* Installs the program built so far and starts the next one. */
static void load(const char *directive)
{
	struct sock_fprog fprog = { .len = len, .filter = prog };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0) {
		/* Without CAP_SYS_ADMIN (User=) the kernel takes a filter only with no new privileges, which systemd implies then too. */
		if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
			fail(directive, errno, "seccomp");
	}
	len = 0;
}

/*
 * A filter of its own beside the unit's: the native ABI's calls named in CALLS (comma-separated)
 * get NAMED, every other call OTHERS; another ABI's calls are let through (the unit's filter
 * decides about those). The kernel runs every filter installed and takes the strictest answer.
 */
static void install_list_filter(char *calls, uint32_t named, uint32_t others, const char *directive)
{
	emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
	JEQ(NATIVE_ARCH, 1, 0);
	RET(SECCOMP_RET_ALLOW);
	LOAD_NR();
	for (char *save = NULL, *tok = strtok_r(calls, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int nr = number_of(tok);
		if (nr < 0)
			continue;
		JEQ((uint32_t)nr, 0, 1);
		RET(named);
	}
	RET(others);
	load(directive);
}

void install_seccomp(void)
{
	/*
	 * First the filters of their own, while seccomp(2) is still allowed (the unit's allow list may
	 * not let it through for another). SystemCallLog=: the calls named (or all but them) are let
	 * through and logged by the kernel's audit; a call another filter refuses stays refused.
	 * ProtectClock=: the calls that set the clocks fail with EPERM, whatever the unit's filter says.
	 */
	if (want.log_mode == 1)
		install_list_filter(want.log_calls, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW, "SystemCallLog");
	else if (want.log_mode == 2)
		install_list_filter(want.log_calls, SECCOMP_RET_ALLOW, SECCOMP_RET_LOG, "SystemCallLog");
	if (want.clock)
		install_list_filter(want.clock, REFUSE(EPERM), SECCOMP_RET_ALLOW, "ProtectClock");
	if (!unit_filter_wanted())
		return;
	uint32_t filtered = want.errno_value >= 0 ? REFUSE((int)want.errno_value) : SECCOMP_RET_KILL_PROCESS;
	/* A call of another ABI: refused like an unlisted call where the unit narrowed what may run. */
	uint32_t foreign = want.native || want.mode == 1 ? filtered : SECCOMP_RET_ALLOW;

	emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
	JEQ(NATIVE_ARCH, 1, 0);
	RET(foreign);
#ifdef X32_BIT
	LOAD_NR();
	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1));
	RET(foreign);
#endif
	argument_rules();
	if (want.mode) {
		LOAD_NR();
		for (char *save = NULL, *tok = strtok_r(want.calls, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int nr = number_of(tok);
			if (nr < 0)
				continue;
			JEQ((uint32_t)nr, 0, 1);
			RET(want.mode == 1 ? SECCOMP_RET_ALLOW : filtered);
		}
		RET(want.mode == 1 ? filtered : SECCOMP_RET_ALLOW);
	} else {
		RET(SECCOMP_RET_ALLOW);
	}

	load("SystemCallFilter");
}

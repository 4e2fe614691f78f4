/*
 * What the executor's parts share: reporting a failed step (which ends the executor) and a warning
 * the service starts despite. corral-exec.c holds main() and the steps of every service; mounts.c
 * the file-system view; namespaces.c the other namespaces.
 */
#ifndef CORRAL_EXEC_H
#define CORRAL_EXEC_H

/* Writes "STEP\tERRNO\tDETAIL\n" to the status fd and exits 127. */
void fail(const char *step, int err, const char *detail) __attribute__((noreturn));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * One step of the file-system view, as the daemon computed it (--mount "KIND\tFLAGS\tDIRECTIVE\tDST\tSRC"):
 * KIND root|bind|self|tmpfs|dev|proc|inaccessible|ro|rw|noexec|exec; FLAGS o (a missing path is skipped),
 * R (read-only), n (not recursive), A (root: MountAPIVFS=), D (root: a private /dev follows).
 * DIRECTIVE names the unit's setting in a failure.
 */
struct mount_op {
	char *kind, *flags, *directive, *dst, *src;
};

void mount_op_parse(struct mount_op *op, const char *spec);
/* A private mount namespace, then every op in the order given (the daemon sorted them). */
void setup_mounts(struct mount_op *ops, int n);
/* --ns KIND[:PATH]: net:PIN, ipc:PIN (made by the run's first process, joined by the others), netpath:PATH, ipcpath:PATH, uts. */
void setup_namespace(const char *spec);

/* --private-users: a user namespace where only root, UID, GID and the groups are themselves (the rest is nobody). */
#include <sys/types.h>
void setup_private_users(long uid, long gid, const gid_t *groups, int ngroups);

/* --seccomp SPEC: allow:CALLS, deny:CALLS, errno:N, native, ns:HEX, af-allow:FAMILIES, af-deny:FAMILIES, mdwe, realtime, suid, personality, clock:CALLS. */
void seccomp_option(const char *spec);
int seccomp_wanted(void);
/* Builds the filter and installs it: the last step before execve. */
void install_seccomp(void);

#endif

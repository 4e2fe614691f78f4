/*
 * The service's other namespaces: PrivateNetwork= (a network of its own with only lo, up),
 * PrivateIPC= (System V IPC and POSIX message queues of its own), ProtectHostname= (a UTS namespace:
 * a hostname set inside stays inside), NetworkNamespacePath= (an existing network namespace joined).
 *
 * A run's processes share one network and one IPC namespace, as systemd's do: the daemon names a
 * pin file for the run; the first process finds it an ordinary empty file, makes the namespace and
 * binds its /proc/self/ns entry onto the pin (in the host's mount namespace, before its own); every
 * later process of the run finds the pin a namespace and joins it. The daemon unmounts the pin when
 * the run ends; the namespace lives on as long as a process is in it.
 *
 * PrivateUsers= (a user namespace of the process's own, after the mounts and the other namespaces,
 * which stay the host's root's): only root, the service's uid and gid and its supplementary groups
 * are themselves inside; every other id is the overflow id (nobody). A process cannot write its own
 * maps beyond a single line once inside, so a helper forked before the unshare writes them from the
 * host's namespace, where it is still root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include "exec.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

static void loopback_up(const char *directive)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		fail(directive, errno, "socket");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		fail(directive, errno, "lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		fail(directive, errno, "lo up");
	close(s);
}

static void join(int fd, int type, const char *directive, const char *path)
{
	if (setns(fd, type) < 0)
		fail(directive, errno, path);
	close(fd);
}

static void pinned(int type, const char *pin, const char *directive, const char *self)
{
	int fd = open(pin, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		fail(directive, errno, pin);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		fail(directive, errno, pin);
	if ((unsigned long)sfs.f_type == NSFS_MAGIC) {
		join(fd, type, directive, pin);
		return;
	}
	close(fd);
	if (unshare(type) < 0)
		fail(directive, errno, NULL);
	if (type == CLONE_NEWNET)
		loopback_up(directive);
	if (mount(self, pin, NULL, MS_BIND, NULL) < 0)
		fail(directive, errno, pin);
}

void setup_namespace(const char *spec)
{
	if (strncmp(spec, "net:", 4) == 0) {
		pinned(CLONE_NEWNET, spec + 4, "PrivateNetwork", "/proc/self/ns/net");
	} else if (strncmp(spec, "ipc:", 4) == 0) {
		pinned(CLONE_NEWIPC, spec + 4, "PrivateIPC", "/proc/self/ns/ipc");
	} else if (strncmp(spec, "netpath:", 8) == 0) {
		int fd = open(spec + 8, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("NetworkNamespacePath", errno, spec + 8);
		/* setns refuses (EINVAL) a file that is not a network namespace. */
		join(fd, CLONE_NEWNET, "NetworkNamespacePath", spec + 8);
	} else if (strncmp(spec, "ipcpath:", 8) == 0) {
		int fd = open(spec + 8, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("IPCNamespacePath", errno, spec + 8);
		join(fd, CLONE_NEWIPC, "IPCNamespacePath", spec + 8);
	} else if (strcmp(spec, "uts") == 0) {
		if (unshare(CLONE_NEWUTS) < 0)
			fail("ProtectHostname", errno, NULL);
	} else {
		fail("usage", EINVAL, spec);
	}
}

/* "0 0 1\nID ID 1\n…": root and each id given (once) mapped to itself. */
static void id_map(char *buf, size_t size, const long *ids, int n)
{
	size_t len = (size_t)snprintf(buf, size, "0 0 1\n");
	for (int i = 0; i < n; i++) {
		int seen = ids[i] <= 0;
		for (int j = 0; j < i && !seen; j++)
			seen = ids[j] == ids[i];
		if (!seen && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%ld %ld 1\n", ids[i], ids[i]);
	}
	if (len >= size)
		fail("PrivateUsers", E2BIG, "the id map");
}

static int write_map(pid_t pid, const char *file, const char *map)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ssize_t len = (ssize_t)strlen(map), w = write(fd, map, (size_t)len);
	int e = w == len ? 0 : (w < 0 ? errno : EIO);
	close(fd);
	return e;
}

void setup_private_users(long uid, long gid, const gid_t *groups, int ngroups)
{
	char uids[64], gids[4096];
	long uid_list[1] = { uid };
	long gid_list[1 + 64];
	int ngid = 0;
	gid_list[ngid++] = gid;
	for (int g = 0; g < ngroups && ngid < 65; g++)
		gid_list[ngid++] = (long)groups[g];
	id_map(uids, sizeof uids, uid_list, 1);
	id_map(gids, sizeof gids, gid_list, ngid);

	int go[2], result[2];
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(result, O_CLOEXEC) < 0)
		fail("PrivateUsers", errno, "pipe");
	pid_t self = getpid();
	pid_t helper = fork();
	if (helper < 0)
		fail("PrivateUsers", errno, "fork");
	if (helper == 0) {
		char c;
		int e = read(go[0], &c, 1) == 1 ? 0 : ECANCELED;
		if (!e)
			e = write_map(self, "uid_map", uids);
		if (!e)
			e = write_map(self, "gid_map", gids);
		if (write(result[1], &e, sizeof e) != (ssize_t)sizeof e)
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(result[1]);
	int e = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
	if (e == 0 && write(go[1], "u", 1) != 1)
		e = errno;
	close(go[1]); /* on failure: the helper reads nothing and ends */
	int written = ECANCELED;
	if (read(result[0], &written, sizeof written) != (ssize_t)sizeof written)
		written = EIO;
	close(result[0]);
	while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
		;
	if (e)
		fail("PrivateUsers", e, "unshare(CLONE_NEWUSER)");
	if (written)
		fail("PrivateUsers", written, "writing the uid and gid maps");
}

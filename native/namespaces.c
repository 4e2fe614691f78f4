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
	} else if (strcmp(spec, "uts") == 0) {
		if (unshare(CLONE_NEWUTS) < 0)
			fail("ProtectHostname", errno, NULL);
	} else {
		fail("usage", EINVAL, spec);
	}
}

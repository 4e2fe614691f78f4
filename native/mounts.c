/*
 * The service's view of the file system (PrivateTmp=, ProtectSystem=, ProtectHome=, ReadOnlyPaths=,
 * BindPaths=, PrivateDevices=, ...): a mount namespace of its own, where the daemon's list of steps
 * is applied in its order. Nothing here decides policy; the daemon (MountPlan) turned the unit's
 * directives into these steps, sorted so that a parent comes before what lies under it.
 *
 * Two phases in one list. Mounting steps (bind, self, tmpfs, dev, proc, inaccessible) put something
 * on a path; flag steps (ro, noexec) then walk every mount at or under their path and set the flag,
 * skipping what lies under a deeper rw (exec) step: ReadWritePaths=/var/lib/x under
 * ProtectSystem=strict keeps the host's own flags there, as in systemd, never more.
 *
 * Every path is resolved here, by the executor, component by component: a symbolic link that root
 * does not own is refused, or a service could point a path it owns at /etc before its next start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exec.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define ATTR_RDONLY 0x1ULL
#define ATTR_NOSUID 0x2ULL
#define ATTR_NODEV 0x4ULL
#define ATTR_NOEXEC 0x8ULL

struct attr_request {
	uint64_t set, clr, propagation, userns_fd;
};

static int set_attr(int dfd, const char *path, unsigned flags, uint64_t set)
{
	struct attr_request a = { set, 0, 0, 0 };
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, &a, sizeof a);
}

static int clone_tree(const char *path, int recursive)
{
	return (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
}

static int attach(int fd, const char *path)
{
	return (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
}

static int has(const struct mount_op *op, char flag)
{
	return strchr(op->flags, flag) != NULL;
}

void mount_op_parse(struct mount_op *op, const char *spec)
{
	char *copy = strdup(spec);
	char *fields[5] = { 0 };
	char *save = copy;
	for (int f = 0; f < 5; f++) {
		fields[f] = save;
		char *tab = save ? strchr(save, '\t') : NULL;
		if (tab)
			*tab = '\0';
		save = tab ? tab + 1 : NULL;
	}
	if (!fields[3] || fields[3][0] != '/')
		fail("usage", EINVAL, spec);
	op->kind = fields[0];
	op->flags = fields[1];
	op->directive = fields[2];
	op->dst = fields[3];
	op->src = fields[4] ? fields[4] : "";
}

/*
 * PATH resolved as the kernel would, into OUT. 0, or a negative errno; -EPERM (with *owner set) for a
 * symbolic link owned by another user than root.
 */
static int resolve(const char *path, char out[PATH_MAX], uid_t *owner)
{
	char rest[PATH_MAX * 2];
	if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
		return -ENAMETOOLONG;
	out[0] = '\0';
	int hops = 0;
	const char *p = rest;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		char comp[NAME_MAX + 1];
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, len);
		comp[len] = '\0';
		p += len;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(out, '/');
			if (slash)
				*slash = '\0';
			continue;
		}
		char next[PATH_MAX];
		if (snprintf(next, sizeof next, "%s/%s", out, comp) >= (int)sizeof next)
			return -ENAMETOOLONG;
		struct stat st;
		if (lstat(next, &st) < 0)
			return -errno;
		if (!S_ISLNK(st.st_mode)) {
			memcpy(out, next, strlen(next) + 1);
			continue;
		}
		if (st.st_uid != 0) {
			*owner = st.st_uid;
			return -EPERM;
		}
		if (++hops > 40)
			return -ELOOP;
		char target[PATH_MAX];
		ssize_t n = readlink(next, target, sizeof target - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		char joined[PATH_MAX * 2];
		if (snprintf(joined, sizeof joined, "%s/%s", target, p) >= (int)sizeof joined)
			return -ENAMETOOLONG;
		memcpy(rest, joined, strlen(joined) + 1);
		p = rest;
		if (target[0] == '/')
			out[0] = '\0';
	}
	if (!out[0])
		strcpy(out, "/");
	return 0;
}

/* Resolves a step's path: 1 when it is there, 0 when it is missing and may be (the '-' prefix); else fails. */
static int resolve_or_fail(const struct mount_op *op, const char *path, char out[PATH_MAX])
{
	uid_t owner = 0;
	int r = resolve(path, out, &owner);
	if (r == 0)
		return 1;
	if (r == -ENOENT && has(op, 'o'))
		return 0;
	if (r == -EPERM) {
		char detail[PATH_MAX + 96];
		snprintf(detail, sizeof detail, "%s: a symbolic link on the way is owned by uid %u, not root", path, (unsigned)owner);
		fail(op->directive, EPERM, detail);
	}
	fail(op->directive, -r, path);
}

/* Makes PATH (and its parents) as a directory, or as an empty file when the mount to come is one. */
static void make_mount_point(const struct mount_op *op, const char *path, int directory)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			fail(op->directive, errno, buf);
		*s = '/';
	}
	if (directory) {
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			fail(op->directive, errno, buf);
		return;
	}
	int fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		fail(op->directive, errno, buf);
	close(fd);
}

/* The destination of a mounting step: resolved, made when missing (1), or 0 when missing and optional. */
static int destination(const struct mount_op *op, char out[PATH_MAX], int directory)
{
	uid_t owner = 0;
	int r = resolve(op->dst, out, &owner);
	if (r == -ENOENT) {
		make_mount_point(op, op->dst, directory);
		r = resolve(op->dst, out, &owner);
	}
	if (r == 0)
		return 1;
	return resolve_or_fail(op, op->dst, out);
}

static int is_mount_root(const char *path)
{
	struct statx stx;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return 0;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strcmp(prefix, "/") == 0)
		return 1;
	return strncmp(path, prefix, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Mount options a tmpfs step names split into flags and the data the file system reads. */
static unsigned long tmpfs_options(const char *options, char *data, size_t size)
{
	unsigned long flags = MS_NODEV | MS_NOSUID;
	char copy[512];
	snprintf(copy, sizeof copy, "%s", options);
	data[0] = '\0';
	char *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "ro") == 0)
			flags |= MS_RDONLY;
		else if (strcmp(o, "rw") == 0)
			flags &= ~(unsigned long)MS_RDONLY;
		else if (strcmp(o, "nosuid") == 0)
			flags |= MS_NOSUID;
		else if (strcmp(o, "suid") == 0)
			flags &= ~(unsigned long)MS_NOSUID;
		else if (strcmp(o, "nodev") == 0)
			flags |= MS_NODEV;
		else if (strcmp(o, "dev") == 0)
			flags &= ~(unsigned long)MS_NODEV;
		else if (strcmp(o, "noexec") == 0)
			flags |= MS_NOEXEC;
		else if (strcmp(o, "exec") == 0)
			flags &= ~(unsigned long)MS_NOEXEC;
		else {
			size_t used = strlen(data);
			snprintf(data + used, size - used, "%s%s", used ? "," : "", o);
		}
	}
	if (!strstr(data, "mode=")) {
		size_t used = strlen(data);
		snprintf(data + used, size - used, "%smode=0755", used ? "," : "");
	}
	return flags;
}

/* PrivateDevices=: a tmpfs with the API devices only, each the host's node bound in. */
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
static const char *const dev_trees[] = { "shm", "mqueue", "hugepages" };
static int node_fds[6], tree_fds[3];

/* The host's pseudo-devices PrivateDevices= puts in its /dev, taken before any step (RootDirectory= leaves the host's /dev behind). */
static void clone_dev_sources(const struct mount_op *op)
{
	char path[PATH_MAX + 32];
	for (int k = 0; k < 6; k++) {
		snprintf(path, sizeof path, "/dev/%s", dev_nodes[k]);
		node_fds[k] = clone_tree(path, 0);
		if (node_fds[k] < 0 && errno != ENOENT)
			fail(op->directive, errno, path);
	}
	for (int k = 0; k < 3; k++) {
		snprintf(path, sizeof path, "/dev/%s", dev_trees[k]);
		tree_fds[k] = clone_tree(path, 1);
	}
}

static void private_dev(const struct mount_op *op, const char *dev)
{
	char path[PATH_MAX + 32];
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, "mode=0755,size=4m") < 0)
		fail(op->directive, errno, dev);
	for (int k = 0; k < 6; k++) {
		if (node_fds[k] < 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dev, dev_nodes[k]);
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0 || attach(node_fds[k], path) < 0)
			fail(op->directive, errno, path);
		close(fd);
		close(node_fds[k]);
	}
	for (int k = 0; k < 3; k++) {
		if (tree_fds[k] < 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dev, dev_trees[k]);
		if (mkdir(path, 0755) < 0 || attach(tree_fds[k], path) < 0)
			fail(op->directive, errno, path);
		close(tree_fds[k]);
	}
	snprintf(path, sizeof path, "%s/pts", dev);
	if (mkdir(path, 0755) < 0 || mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
		fail(op->directive, errno, path);
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	for (size_t k = 0; k < sizeof links / sizeof links[0]; k++) {
		snprintf(path, sizeof path, "%s/%s", dev, links[k][0]);
		if (symlink(links[k][1], path) < 0)
			fail(op->directive, errno, path);
	}
}

/* Replaces what is at PATH by an empty, read-only directory, or by a node no one may open. */
static void make_inaccessible(const struct mount_op *op, const char *path, int null_fd)
{
	struct stat st;
	if (stat(path, &st) < 0)
		fail(op->directive, errno, path);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=000,size=4k") < 0)
			fail(op->directive, errno, path);
		return;
	}
	/* The host's /dev/null, bound read-only and with device access off: opening it is refused (EACCES). */
	if (null_fd < 0 || attach(null_fd, path) < 0)
		fail(op->directive, null_fd < 0 ? EBADF : errno, path);
}

/* ro / noexec: the flag on every mount at or under the step's path, but none under a deeper rw / exec step. */
static void apply_flag(const struct mount_op *op, const struct mount_op *ops, int n, uint64_t attr, const char *keep_kind)
{
	char top[PATH_MAX];
	if (!resolve_or_fail(op, op->dst, top))
		return;
	char(*kept)[PATH_MAX] = calloc((size_t)n, PATH_MAX);
	int nkept = 0;
	for (int k = 0; k < n; k++) {
		char path[PATH_MAX];
		uid_t owner;
		if (strcmp(ops[k].kind, keep_kind) != 0 || resolve(ops[k].dst, path, &owner) != 0)
			continue;
		if (under(path, top) && strcmp(path, top) != 0)
			memcpy(kept[nkept++], path, PATH_MAX);
	}
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		fail(op->directive, errno, "/proc/self/mountinfo");
	char *line = NULL;
	size_t cap = 0;
	int done_top = 0;
	while (getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ...; the mount point with \040 for a space and its kin. */
		char *field = line;
		for (int k = 0; k < 4 && field; k++) {
			field = strchr(field, ' ');
			if (field)
				field++;
		}
		if (!field)
			continue;
		char mp[PATH_MAX];
		size_t m = 0;
		for (char *s = field; *s && *s != ' ' && m < sizeof mp - 1; s++) {
			if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
				mp[m++] = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
				s += 3;
			} else {
				mp[m++] = *s;
			}
		}
		mp[m] = '\0';
		if (!under(mp, top))
			continue;
		int skip = 0;
		for (int k = 0; k < nkept && !skip; k++)
			skip = under(mp, kept[k]);
		if (skip)
			continue;
		int is_top = strcmp(mp, top) == 0;
		if (set_attr(AT_FDCWD, mp, 0, attr) < 0 && is_top)
			fail(op->directive, errno, top);
		/* A mount hidden under another, or gone since: nothing of it can be reached. */
		done_top |= is_top;
	}
	free(line);
	fclose(f);
	free(kept);
	if (!done_top && set_attr(AT_FDCWD, top, 0, attr) < 0)
		fail(op->directive, errno, top);
}

/*
 * RootDirectory=: the directory becomes the service's /. Bound onto itself (pivot_root wants a mount),
 * MountAPIVFS= (flag A) puts /proc, /sys, /dev (the host's, unless a PrivateDevices= step follows:
 * flag D) and an empty /run in it, then pivot_root and the host's tree is let go. Every later step
 * names paths of the new root; bind sources were taken from the host before.
 */
static void enter_root(const struct mount_op *op)
{
	char root[PATH_MAX], path[PATH_MAX + 16];
	resolve_or_fail(op, op->dst, root);
	struct stat st;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		fail(op->directive, errno ? errno : ENOTDIR, root);
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		fail(op->directive, errno, root);
	if (has(op, 'A')) {
		struct { const char *name; int directory; } api[] = { { "proc", 1 }, { "sys", 1 }, { "dev", 1 }, { "run", 1 } };
		for (size_t k = 0; k < sizeof api / sizeof api[0]; k++) {
			snprintf(path, sizeof path, "%s/%s", root, api[k].name);
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				fail("MountAPIVFS", errno, path);
		}
		snprintf(path, sizeof path, "%s/proc", root);
		if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			fail("MountAPIVFS", errno, path);
		snprintf(path, sizeof path, "%s/sys", root);
		if (mount("/sys", path, NULL, MS_BIND | MS_REC, NULL) < 0)
			fail("MountAPIVFS", errno, path);
		if (!has(op, 'D')) {
			snprintf(path, sizeof path, "%s/dev", root);
			if (mount("/dev", path, NULL, MS_BIND | MS_REC, NULL) < 0)
				fail("MountAPIVFS", errno, path);
		}
		snprintf(path, sizeof path, "%s/run", root);
		if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=0755") < 0)
			fail("MountAPIVFS", errno, path);
	}
	if (chdir(root) < 0)
		fail(op->directive, errno, root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		fail(op->directive, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		fail(op->directive, errno, "the host's tree");
	if (chdir("/") < 0)
		fail(op->directive, errno, "/");
}

void setup_mounts(struct mount_op *ops, int n)
{
	if (unshare(CLONE_NEWNS) < 0)
		fail("mount namespace", errno, NULL);
	/* Nothing done here reaches the host; what the host mounts later still shows here. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		fail("mount namespace", errno, "/");

	/* Sources first, as the host has them, before any step changes the view they are taken from. */
	int *fds = calloc((size_t)n, sizeof *fds);
	for (int k = 0; k < n; k++) {
		struct mount_op *op = &ops[k];
		fds[k] = -1;
		if (strcmp(op->kind, "bind") == 0) {
			char src[PATH_MAX];
			if (!resolve_or_fail(op, op->src, src))
				continue;
			fds[k] = clone_tree(src, !has(op, 'n'));
			if (fds[k] < 0)
				fail(op->directive, errno, src);
			if (has(op, 'R') && set_attr(fds[k], "", AT_EMPTY_PATH | (has(op, 'n') ? 0 : AT_RECURSIVE), ATTR_RDONLY) < 0)
				fail(op->directive, errno, src);
		} else if (strcmp(op->kind, "dev") == 0) {
			clone_dev_sources(op);
		} else if (strcmp(op->kind, "inaccessible") == 0) {
			fds[k] = clone_tree("/dev/null", 0);
			if (fds[k] >= 0 && set_attr(fds[k], "", AT_EMPTY_PATH, ATTR_RDONLY | ATTR_NODEV | ATTR_NOEXEC | ATTR_NOSUID) < 0)
				fail(op->directive, errno, "/dev/null");
		}
	}

	for (int k = 0; k < n; k++) {
		struct mount_op *op = &ops[k];
		char dst[PATH_MAX];
		if (strcmp(op->kind, "bind") == 0) {
			if (fds[k] < 0)
				continue;
			struct stat st;
			int directory = fstat(fds[k], &st) == 0 && S_ISDIR(st.st_mode);
			if (!destination(op, dst, directory))
				continue;
			if (attach(fds[k], dst) < 0)
				fail(op->directive, errno, dst);
		} else if (strcmp(op->kind, "self") == 0) {
			if (!resolve_or_fail(op, op->dst, dst) || is_mount_root(dst))
				continue;
			int fd = clone_tree(dst, 1);
			if (fd < 0 || attach(fd, dst) < 0)
				fail(op->directive, errno, dst);
			close(fd);
		} else if (strcmp(op->kind, "tmpfs") == 0) {
			if (!destination(op, dst, 1))
				continue;
			char data[512];
			unsigned long flags = tmpfs_options(op->src, data, sizeof data);
			if (mount("tmpfs", dst, "tmpfs", flags, data) < 0)
				fail(op->directive, errno, dst);
		} else if (strcmp(op->kind, "root") == 0) {
			enter_root(op);
		} else if (strcmp(op->kind, "dev") == 0) {
			if (destination(op, dst, 1))
				private_dev(op, dst);
		} else if (strcmp(op->kind, "proc") == 0) {
			if (resolve_or_fail(op, op->dst, dst) && mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, op->src) < 0)
				fail(op->directive, errno, op->src);
		} else if (strcmp(op->kind, "inaccessible") == 0) {
			if (resolve_or_fail(op, op->dst, dst))
				make_inaccessible(op, dst, fds[k]);
		} else if (strcmp(op->kind, "ro") == 0) {
			apply_flag(op, ops, n, ATTR_RDONLY, "rw");
		} else if (strcmp(op->kind, "noexec") == 0) {
			apply_flag(op, ops, n, ATTR_NOEXEC, "exec");
		} else if (strcmp(op->kind, "rw") != 0 && strcmp(op->kind, "exec") != 0) {
			fail("usage", EINVAL, op->kind);
		}
		if (fds[k] >= 0)
			close(fds[k]);
	}
	free(fds);
}

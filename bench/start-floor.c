/*
 * start-floor: the floor of the start-100 benchmark (issue #16, item 5). No daemon: a bare loop
 * that, for each of N services, makes its cgroups (the cgroup2 directory and, on a hybrid host,
 * the v1 memory and pids twins, as the daemon does) and posix_spawns corral-exec into them with
 * the service's command, waiting for the exec to succeed (EOF on corral-exec's status pipe) as
 * the daemon's start does. Prints the milliseconds the N starts took. The processes are left
 * running: the benchmark kills them with cgroup.kill and removes the cgroups.
 *
 * usage: start-floor N CORRAL-EXEC ROOT[,ROOT...] -- COMMAND [ARG]...
 *        (the roots: where service cgroups go, the cgroup2 one first)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 6 || strcmp(argv[4], "--") != 0)
		return 2;
	int n = atoi(argv[1]);
	const char *exec = argv[2];
	char *roots[8];
	int nroots = 0;
	for (char *r = strtok(argv[3], ","); r && nroots < 8; r = strtok(NULL, ","))
		roots[nroots++] = r;
	int ncmd = argc - 5;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		char dirs[8][512];
		char *args[64];
		int a = 0;
		args[a++] = "corral-exec";
		for (int r = 0; r < nroots; r++) {
			snprintf(dirs[r], sizeof dirs[r], "%s/s%03d.service", roots[r], i);
			if (mkdir(dirs[r], 0755) < 0) {
				perror(dirs[r]);
				return 1;
			}
			args[a++] = "--cgroup";
			args[a++] = dirs[r];
		}
		int status[2];
		if (pipe2(status, O_CLOEXEC) < 0)
			return 1;
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, status[1], 3); /* dup2 clears close-on-exec */
		/* The services' output goes nowhere: holding this program's stdout, they would keep the
		 * benchmark reading it forever. */
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
		args[a++] = "--status-fd";
		args[a++] = "3";
		args[a++] = "--";
		for (int c = 0; c < ncmd && a < 62; c++)
			args[a++] = argv[5 + c];
		args[a] = NULL;
		pid_t pid;
		if (posix_spawn(&pid, exec, &fa, NULL, args, environ) != 0)
			return 1;
		posix_spawn_file_actions_destroy(&fa);
		close(status[1]);
		char buf[256];
		ssize_t got = read(status[0], buf, sizeof buf); /* 0: the service's exec succeeded */
		close(status[0]);
		if (got != 0) {
			fprintf(stderr, "start-floor: service %d did not start\n", i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f\n", (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}

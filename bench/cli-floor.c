/*
 * cli-floor: the smallest client of the daemon's socket, the floor of `corral show` in the cli
 * benchmark (issue #16, item 5). It sends the request `corral show UNIT -p PROP --value` sends
 * (one HTTP/1.1 GET per connection over the Unix socket), prints the answer's body, and nothing
 * else: no argument parsing beyond the three it needs, no JSON, no runtime.
 *
 * usage: cli-floor SOCKET UNIT PROP
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(argv[1]) >= sizeof addr.sun_path)
		return 2;
	strcpy(addr.sun_path, argv[1]);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		return 1;
	char req[1024];
	int n = snprintf(req, sizeof req,
		"GET /v1/units/%s.service/properties?p=%s&value HTTP/1.1\r\nHost: corral\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		argv[2], argv[3]);
	if (n <= 0 || n >= (int)sizeof req || write(fd, req, n) != n)
		return 1;
	static char buf[65536];
	size_t len = 0;
	ssize_t r;
	while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += r;
	buf[len] = 0;
	char *body = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || !body)
		return 1;
	fputs(body + 4, stdout);
	return 0;
}

// The cgroup v1 release_agent escape: writes the file the kernel executes, as root on the host,
// when a cgroup of the hierarchy empties. It writes back what the file already holds, so nothing
// changes. Usage: release_agent_write [path] (e.g. a hierarchy the container mounted itself)
#include "probe.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/sys/fs/cgroup/memory/release_agent";
  char current[4096] = "";
  printf("path %s\n", path);
  int in = (int)report("open(path, O_RDONLY)", open(path, O_RDONLY));
  long n = in >= 0 ? report("read(fd, current)", read(in, current, sizeof current - 1)) : 0;
  // An empty agent reads back as nothing; the kernel strips the newline, so "\n" keeps it empty.
  if (n <= 0) n = 1, current[0] = '\n';
  int out = (int)report("open(path, O_WRONLY)", open(path, O_WRONLY));
  if (out >= 0) report("write(fd, current)", write(out, current, (size_t)n));
  return 0;
}

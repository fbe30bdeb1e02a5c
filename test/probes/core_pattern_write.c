// The core_pattern escape: a "|program" pattern makes the kernel run that program as root on the
// host at the next crash. It writes back the pattern already set, so nothing changes.
// Usage: core_pattern_write [path]
#include "probe.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/proc/sys/kernel/core_pattern";
  char current[256] = "";
  printf("path %s\n", path);
  int in = (int)report("open(path, O_RDONLY)", open(path, O_RDONLY));
  long n = in >= 0 ? report("read(fd, current)", read(in, current, sizeof current - 1)) : 0;
  if (n <= 0) {
    puts("nothing read: not writing an empty pattern");
    return 0;
  }
  int out = (int)report("open(path, O_WRONLY)", open(path, O_WRONLY));
  if (out >= 0) report("write(fd, current)", write(out, current, (size_t)n));
  return 0;
}

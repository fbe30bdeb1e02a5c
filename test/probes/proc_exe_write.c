// runc CVE-2019-5736: a process opens the binary it runs (there: runc's, via /proc/<pid>/exe)
// for writing, directly and by reopening an O_PATH descriptor through /proc/self/fd. While the
// binary runs the kernel refuses with ETXTBSY, which the exploit retries until runc exits.
#include "probe.h"
#include <fcntl.h>
#include <unistd.h>

int main(void) {
  report("open(\"/proc/self/exe\", O_WRONLY)", open("/proc/self/exe", O_WRONLY));
  int fd = (int)report("open(\"/proc/self/exe\", O_PATH)", open("/proc/self/exe", O_PATH));
  char via[64];
  snprintf(via, sizeof via, "/proc/self/fd/%d", fd);
  printf("via %s\n", via);
  report("open(via, O_WRONLY)", open(via, O_WRONLY));
  return 0;
}

// Sets SUID and SGID bits on a file it creates, through chmod, fchmod, fchmodat and fchmodat2,
// then removes it. Usage: chmod_suid [path]
#include "probe.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// fchmodat2 (Linux 6.6) is newer than these headers; its number is the same on every ABI.
#define NR_FCHMODAT2 452

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/vigil-probe-suid";
  printf("path %s\n", path);
  int fd = (int)report("open(path, O_WRONLY|O_CREAT, 0755)", open(path, O_WRONLY | O_CREAT, 0755));
  report("chmod(path, 04755)", chmod(path, 04755));
  report("fchmod(fd, 02755)", fchmod(fd, 02755));
  report("fchmodat(AT_FDCWD, path, 06755, 0)", fchmodat(AT_FDCWD, path, 06755, 0));
  report("fchmodat2(AT_FDCWD, path, 04755, 0)", syscall(NR_FCHMODAT2, AT_FDCWD, path, 04755, 0));
  unlink(path);
  return 0;
}

// Asks for root with every set*id form. Run as a non-root user (docker run --user 1000) each
// fails with EPERM; run from a SUID-root copy, each succeeds.
#include "probe.h"
#include <sys/fsuid.h>
#include <unistd.h>

int main(void) {
  printf("before: uid=%d euid=%d gid=%d egid=%d\n", getuid(), geteuid(), getgid(), getegid());
  report("setgid(0)", setgid(0));
  report("setresgid(0, 0, 0)", setresgid(0, 0, 0));
  report("setreuid(-1, 0)", setreuid(-1, 0));
  report("setresuid(0, 0, 0)", setresuid(0, 0, 0));
  report("setuid(0)", setuid(0));
  // setfsuid has no error return: it gives the previous fsuid either way.
  report("setfsuid(0)", setfsuid(0));
  printf("after: uid=%d euid=%d gid=%d egid=%d\n", getuid(), geteuid(), getgid(), getegid());
  return 0;
}

// Shared by the probes: each prints every syscall it makes and the outcome, strace-style
// (`call = ret` or `call = -1 ENAME (message)`), so the audit records can be matched to them.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

static long report(const char *call, long ret) {
  int err = errno;
  if (ret < 0) printf("%s = -1 %s (%s)\n", call, strerrorname_np(err), strerror(err));
  else printf("%s = %ld\n", call, ret);
  // Flushed per line: a probe that dies mid-way (seccomp kill, signal) still shows its progress.
  fflush(stdout);
  errno = err;
  return ret;
}

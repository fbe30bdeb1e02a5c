// A new user and mount namespace: the first step of most unprivileged kernel exploits, which
// then hold CAP_SYS_ADMIN over the new namespaces.
#include "probe.h"
#include <sched.h>

int main(void) {
  report("unshare(CLONE_NEWNS|CLONE_NEWUSER)", unshare(CLONE_NEWNS | CLONE_NEWUSER));
  return 0;
}

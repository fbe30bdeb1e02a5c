// Writes into its own memory through /proc/self/mem, the way dirty-COW-style exploits and
// noexec bypasses do (the kernel writes even to read-only mappings through this file).
#include "probe.h"
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

static char target[] = "before";

int main(void) {
  int fd = (int)report("open(\"/proc/self/mem\", O_RDWR)", open("/proc/self/mem", O_RDWR));
  report("pwrite(fd, \"after!\", 6, &target)", pwrite(fd, "after!", 6, (off_t)(uintptr_t)target));
  printf("target is now \"%s\"\n", target);
  return 0;
}

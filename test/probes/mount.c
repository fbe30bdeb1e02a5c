// Mounts a small tmpfs on a fresh directory and unmounts it again. Usage: mount [dir]
#include "probe.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/vigil-probe-mnt";
  printf("dir %s\n", dir);
  mkdir(dir, 0700);
  if (report("mount(\"vigil-probe\", dir, \"tmpfs\", 0, \"size=1m\")", mount("vigil-probe", dir, "tmpfs", 0, "size=1m")) == 0)
    report("umount2(dir, 0)", umount2(dir, 0));
  rmdir(dir);
  return 0;
}

// Gives a file it creates a file capability (cap_net_raw+ep) by writing security.capability with
// setxattr, lsetxattr and fsetxattr, then removes it. Needs CAP_SETFCAP, which Docker grants by
// default. Usage: setxattr_cap [path]
#include "probe.h"
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/xattr.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/vigil-probe-cap";
  struct vfs_cap_data cap = {.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE};
  cap.data[0].permitted = 1u << CAP_NET_RAW;
  printf("path %s\n", path);
  int fd = (int)report("open(path, O_WRONLY|O_CREAT, 0755)", open(path, O_WRONLY | O_CREAT, 0755));
  report("setxattr(path, \"security.capability\")", setxattr(path, "security.capability", &cap, sizeof cap, 0));
  report("lsetxattr(path, \"security.capability\")", lsetxattr(path, "security.capability", &cap, sizeof cap, 0));
  report("fsetxattr(fd, \"security.capability\")", fsetxattr(fd, "security.capability", &cap, sizeof cap, 0));
  unlink(path);
  return 0;
}

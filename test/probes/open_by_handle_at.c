// "Shocker": a file handle taken with name_to_handle_at is opened with open_by_handle_at, which
// bypasses the path (and so the container's root). The handle is opened against the file's own
// filesystem, which for /etc/hostname in a container is the host's (a bind mount), as the
// exploit does before forging handles for other host inodes. Needs CAP_DAC_READ_SEARCH; without
// it the call fails with EPERM, but it is still made, and audited. Usage: open_by_handle_at [path]
#include "probe.h"
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/etc/hostname";
  struct file_handle *handle = calloc(1, sizeof *handle + MAX_HANDLE_SZ);
  handle->handle_bytes = MAX_HANDLE_SZ;
  int mount_id;
  printf("path %s\n", path);
  report("name_to_handle_at(AT_FDCWD, path)", name_to_handle_at(AT_FDCWD, path, handle, &mount_id, 0));
  int mount_fd = (int)report("open(path, O_RDONLY)", open(path, O_RDONLY));
  // Attempted even when no handle was obtained: the syscall is what the rule is about.
  int fd = (int)report("open_by_handle_at(mount_fd, handle, O_RDONLY)", open_by_handle_at(mount_fd, handle, O_RDONLY));
  char buf[128];
  if (fd >= 0) report("read(fd) through the handle", read(fd, buf, sizeof buf));
  return 0;
}

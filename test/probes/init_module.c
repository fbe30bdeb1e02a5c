// Kernel module loading and unloading with nothing loadable: finit_module on /dev/null, init_module
// on a few bytes that are not an ELF image, delete_module of a module that does not exist.
// Without CAP_SYS_MODULE each fails with EPERM; with it, with ENOEXEC/EINVAL/ENOENT.
#include "probe.h"
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  static const char image[] = "not a module";
  int fd = (int)report("open(\"/dev/null\", O_RDONLY)", open("/dev/null", O_RDONLY));
  report("finit_module(fd, \"\", 0)", syscall(SYS_finit_module, fd, "", 0));
  report("init_module(image, sizeof image, \"\")", syscall(SYS_init_module, image, sizeof image, ""));
  report("delete_module(\"vigil_probe_none\", O_NONBLOCK)", syscall(SYS_delete_module, "vigil_probe_none", O_NONBLOCK));
  return 0;
}

// Loads the smallest eBPF program (socket filter: return 0) and creates a map. Only the load is
// audited (vigil's bpf rule is BPF_PROG_LOAD only); the map shows the filter at work.
#include "probe.h"
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT},
  };
  union bpf_attr prog = {
      .prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
      .insn_cnt = 2,
      .insns = (__u64)(unsigned long)insns,
      .license = (__u64)(unsigned long)"GPL",
  };
  report("bpf(BPF_PROG_LOAD, socket filter)", syscall(SYS_bpf, BPF_PROG_LOAD, &prog, sizeof prog));
  union bpf_attr map = {.map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1};
  report("bpf(BPF_MAP_CREATE, array)", syscall(SYS_bpf, BPF_MAP_CREATE, &map, sizeof map));
  return 0;
}

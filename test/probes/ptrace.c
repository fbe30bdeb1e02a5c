// ptrace both ways: a child asks to be traced (PTRACE_TRACEME), and the probe attaches to another
// child (PTRACE_ATTACH) and writes into its memory (PTRACE_POKEDATA), as an injector would.
#include "probe.h"
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static long victim_word = 1;

int main(void) {
  int status;
  pid_t traced = fork();
  if (traced == 0) {
    report("child: ptrace(PTRACE_TRACEME)", ptrace(PTRACE_TRACEME, 0, 0, 0));
    raise(SIGSTOP);
    _exit(0);
  }
  waitpid(traced, &status, 0);
  ptrace(PTRACE_CONT, traced, 0, 0);
  waitpid(traced, &status, 0);

  pid_t victim = fork();
  if (victim == 0) {
    pause();
    _exit(0);
  }
  if (report("ptrace(PTRACE_ATTACH, victim)", ptrace(PTRACE_ATTACH, victim, 0, 0)) == 0) {
    waitpid(victim, &status, 0);
    report("ptrace(PTRACE_POKEDATA, victim, &word, 2)", ptrace(PTRACE_POKEDATA, victim, &victim_word, (void *)2));
    report("ptrace(PTRACE_DETACH, victim)", ptrace(PTRACE_DETACH, victim, 0, 0));
  }
  kill(victim, SIGKILL);
  waitpid(victim, &status, 0);
  return 0;
}

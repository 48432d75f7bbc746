// Test program: a jemalloc program that runs another program, for the preload library's rule that
// the children of a profiled process are not profiled.
// Usage: spawner PROGRAM [ARGS...]  (run with the preload library)
//   keeps 8 x malloc(50000) from spawner_keep(), starts PROGRAM with the environment it has by then,
//   prints "spawned PID", waits for it (SIGTERM is passed on) and exits with its status.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern char** environ;

static std::vector<void*> kept;
static pid_t child = -1;

__attribute__((noinline)) void spawner_keep() {
  for (int i = 0; i < 8; ++i) kept.push_back(malloc(50000));
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: spawner PROGRAM [ARGS...]\n");
    return 2;
  }
  kept.reserve(64);
  spawner_keep();
  std::signal(SIGTERM, [](int) {
    if (child > 0) kill(child, SIGTERM);
  });
  if (posix_spawn(&child, argv[1], nullptr, nullptr, argv + 1, environ) != 0) {
    std::perror("spawner: posix_spawn");
    return 2;
  }
  std::printf("spawned %d\n", static_cast<int>(child));
  std::fflush(stdout);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

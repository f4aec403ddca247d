#ifndef ROSTER_CPTY_H
#define ROSTER_CPTY_H
#include <sys/types.h>

/// Starts `path` with `argv`/`envp` on a new pseudo-terminal that becomes its controlling
/// terminal (so ^C typed on the master raises SIGINT in it). Returns the child's pid, or -1;
/// `*master` receives the master side. Everything between fork and exec happens in C.
pid_t roster_spawn_on_pty(const char *path, char *const argv[], char *const envp[], int *master, int rows, int cols);
#endif

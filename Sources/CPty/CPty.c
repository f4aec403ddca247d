#include "CPty.h"
#include <pty.h>
#include <unistd.h>
#include <string.h>
#include <termios.h>
#include <fcntl.h>

pid_t roster_spawn_on_pty(const char *path, char *const argv[], char *const envp[], int *master, int rows, int cols) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = (unsigned short)rows;
    ws.ws_col = (unsigned short)cols;
    pid_t pid = forkpty(master, NULL, NULL, &ws);
    if (pid == 0) {
        execve(path, argv, envp);
        _exit(127);
    }
    if (pid > 0) fcntl(*master, F_SETFD, FD_CLOEXEC);   // keep it out of other tests' children
    return pid;
}

// Implementations of CLinuxSupport.h. Compiled on their own with _GNU_SOURCE, which the
// Swift side must not see (it changes struct layouts in the system headers).
#define _GNU_SOURCE
#include "CLinuxSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <malloc.h>
#include <net/if.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

extern char **environ;

int fleet_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

short fleet_posix_spawn_setsid(void) { return POSIX_SPAWN_SETSID; }

char **fleet_environ(void) { return environ; }

int fleet_signalfd(const sigset_t *mask) { return signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC); }

int fleet_signalfd_record_size(void) { return (int)sizeof(struct signalfd_siginfo); }

void fleet_tune_malloc(void) {
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_TRIM_THRESHOLD, 512 * 1024);
}

int fleet_ioctl_freeze(int fd) { return ioctl(fd, FIFREEZE, 0); }

int fleet_ioctl_thaw(int fd) { return ioctl(fd, FITHAW, 0); }

int fleet_ioctl_fitrim(int fd, uint64_t minimum, uint64_t *trimmed) {
    struct fstrim_range range = { .start = 0, .len = (uint64_t)-1, .minlen = minimum };
    int rc = ioctl(fd, FITRIM, &range);
    if (rc == 0) *trimmed = range.len;
    return rc;
}

int fleet_get_hwaddr(int sock, const char *ifname, unsigned char out[6]) {
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, ifname, IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFHWADDR, &request) < 0) return -1;
    memcpy(out, request.ifr_hwaddr.sa_data, 6);
    return 0;
}

int fleet_open_pty(char *name, size_t size) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) return -1;
    if (grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, name, size) != 0) {
        close(master);
        return -1;
    }
    return master;
}

int fleet_inotify_watch_directory(const char *directory, int *watch) {
    int fd = inotify_init1(IN_CLOEXEC);
    if (fd < 0) return -1;
    int wd = inotify_add_watch(fd, directory,
        IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
    if (wd < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    *watch = wd;
    return fd;
}

int fleet_inotify_unwatch(int fd, int watch) { return inotify_rm_watch(fd, watch); }

unsigned int fleet_in_created(void) { return IN_CREATE | IN_MOVED_TO; }
unsigned int fleet_in_deleted(void) { return IN_DELETE | IN_MOVED_FROM; }
unsigned int fleet_in_gone(void) { return IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_Q_OVERFLOW; }
unsigned int fleet_in_ignored(void) { return IN_IGNORED; }

static int captured_argc;
static char **captured_argv;

// glibc calls the executable's init_array functions with (argc, argv, envp).
__attribute__((constructor)) static void fleet_capture_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    captured_argc = argc;
    captured_argv = argv;
}

int fleet_process_argc(void) { return captured_argc; }

char **fleet_process_argv(void) { return captured_argv; }

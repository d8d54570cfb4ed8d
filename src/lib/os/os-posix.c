/* The platform layer on POSIX systems (the offline tool and the test host). Outlook runs only on
 * Windows; the process checks here (Linux /proc, pidfd) serve the tests, where a process named
 * like a MAPI client stands in for Outlook, and the watch mode's wait. */
#include "compat.h"

#include "pm/os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int pm_os_exe_path(struct pm_buf *out)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        return PM_ERR_IO;
    buf[n] = 0;
    pm_buf_reset(out);
    return pm_buf_puts(out, buf);
}

int pm_os_exe_dir(struct pm_buf *out)
{
    struct pm_buf exe = PM_BUF_INIT;
    int rc = pm_os_exe_path(&exe);
    if (rc == 0) {
        pm_buf_reset(out);
        rc = pm_path_dirname(out, exe.data);
    }
    pm_buf_release(&exe);
    return rc;
}

int pm_os_home_dir(struct pm_buf *out)
{
    const char *h = getenv("HOME");
    if (!h || !*h) {
        struct passwd *pw = getpwuid(getuid());
        h = pw ? pw->pw_dir : NULL;
    }
    if (!h)
        return PM_ERR_NOTFOUND;
    pm_buf_reset(out);
    return pm_buf_puts(out, h);
}

int pm_os_getenv(const char *name, struct pm_buf *out)
{
    const char *v = getenv(name);
    if (!v)
        return PM_ERR_NOTFOUND;
    pm_buf_reset(out);
    return pm_buf_puts(out, v);
}

int pm_os_user_name(struct pm_buf *out)
{
    const char *u = getenv("USER");
    if (!u || !*u) {
        struct passwd *pw = getpwuid(getuid());
        u = pw ? pw->pw_name : "unknown";
    }
    pm_buf_reset(out);
    return pm_buf_puts(out, u);
}

int pm_os_computer_name(struct pm_buf *out)
{
    char buf[256] = "";
    const char *c = getenv("COMPUTERNAME");
    if (!c || !*c) {
        if (gethostname(buf, sizeof(buf) - 1) != 0)
            snprintf(buf, sizeof(buf), "unknown");
        buf[sizeof(buf) - 1] = 0;
        c = buf;
    }
    pm_buf_reset(out);
    return pm_buf_puts(out, c);
}

long long pm_os_time_now(void)
{
    return (long long)time(NULL);
}

uint64_t pm_os_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

long pm_os_pid(void)
{
    return (long)getpid();
}

void pm_os_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The folder itself first: it usually exists, and one mkdir (plus the stat that proves it is a
 * folder) is all a run pays on a share; the parents only when it is missing. */
static int mkdirs_at(char *tmp, size_t n)
{
    if (mkdir(tmp, 0777) == 0)
        return 0;
    if (errno == EEXIST) {
        struct stat sb;
        return stat(tmp, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : PM_ERR_IO;
    }
    if (errno != ENOENT)
        return PM_ERR_IO;
    size_t p = n;
    while (p > 1 && tmp[p - 1] != '/')
        p--;
    while (p > 1 && tmp[p - 1] == '/')
        p--;
    if (p <= 1)
        return PM_ERR_IO;
    char keep = tmp[p];
    tmp[p] = 0;
    int rc = mkdirs_at(tmp, p);
    tmp[p] = keep;
    if (rc < 0)
        return rc;
    return mkdir(tmp, 0777) == 0 || errno == EEXIST ? 0 : PM_ERR_IO;
}

int pm_os_mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(tmp))
        return PM_ERR_INVALID;
    memcpy(tmp, path, n + 1);
    while (n > 1 && tmp[n - 1] == '/')
        tmp[--n] = 0;
    return mkdirs_at(tmp, n);
}

int pm_os_dir_writable(const char *dir)
{
    char probe[PATH_MAX];
    snprintf(probe, sizeof(probe), "%s/.pm-probe-%ld", dir, (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return 0;
    close(fd);
    unlink(probe);
    return 1;
}

int pm_os_file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

long long pm_os_file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

long long pm_os_file_mtime(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode) ? (long long)sb.st_mtime : -1;
}

int pm_os_remove_file(const char *path)
{
    return unlink(path) == 0 ? 0 : PM_ERR_IO;
}

/* Opens what the tool writes without following a link someone planted in its place: O_NOFOLLOW
 * refuses a symbolic link, O_NONBLOCK keeps a FIFO from holding the open, and fstat must then
 * show a regular file with one name (a hard link to another file would have us write there). No
 * O_TRUNC: a file is cut only once it is known to be ours to cut. Returns the descriptor, or -1
 * with errno (ELOOP for a link, EINVAL for anything but a plain regular file, EPERM for a file of
 * another user when 'own' is set). */
static int open_plain(const char *path, int flags, mode_t mode, int own)
{
    int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    /* O_CREAT | O_EXCL made the file: it did not exist under any form (a link there, even a
     * dangling one, fails with EEXIST), so it is a new regular file with one name and ours. The
     * fstat would prove nothing more and costs a round trip on a share. */
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        return fd;
    struct stat sb;
    int why = 0;
    if (fstat(fd, &sb) != 0)
        why = errno;
    else if (!S_ISREG(sb.st_mode) || ((flags & O_ACCMODE) != O_RDONLY && sb.st_nlink != 1))
        why = EINVAL;
    else if (own && sb.st_uid != geteuid())
        why = EPERM;
    /* O_NONBLOCK stays: it changes nothing for a regular file, and clearing it would cost two
     * more calls (round trips on a share) per file. */
    if (why) {
        close(fd);
        errno = why;
        return -1;
    }
    return fd;
}

FILE *pm_os_fopen_write(const char *path, const char *mode)
{
    int append = mode[0] == 'a', plus = strchr(mode, '+') != NULL, excl = strchr(mode, 'x') != NULL;
    /* A file this open makes (C11's "x": O_CREAT | O_EXCL, which no link, even a dangling one,
     * passes) needs none of open_plain's checks, and fopen makes it in one call: fdopen would add
     * an fcntl, a round trip on a share for every backup ("e": close on exec, as open_plain). */
    if (excl)
        return fopen(path, append ? (plus ? "a+bxe" : "abxe") : plus ? "w+bxe" : "wbxe");
    int fd = open_plain(path, (plus ? O_RDWR : O_WRONLY) | O_CREAT | (append ? O_APPEND : 0), 0666, 0);
    if (fd < 0)
        return NULL;
    if (!append && ftruncate(fd, 0) != 0) {
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, append ? (plus ? "a+b" : "ab") : plus ? "w+b" : "wb");
    if (!f)
        close(fd);
    return f;
}

FILE *pm_os_fopen_read(const char *path, long long *size)
{
    int fd = open_plain(path, O_RDONLY, 0, 0);
    struct stat sb;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f)
        close(fd);
    else if (size)
        *size = (long long)sb.st_size;
    return f;
}

int pm_os_seek(FILE *f, long long offset)
{
    return fseeko(f, (off_t)offset, SEEK_SET) == 0 ? 0 : PM_ERR_IO;
}

int pm_os_file_owner(const char *path, struct pm_buf *out)
{
    /* A share mounted here maps owners as its mount says, not as the server saw them. */
    (void)path, (void)out;
    return 1;
}

int pm_os_file_foreign(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return 0;
    return sb.st_uid != geteuid() && sb.st_uid != 0;
}

int pm_os_append_open(const char *path, void **handle)
{
    *handle = NULL;
    /* A log owned by someone else was planted (anyone may create files in the Logs share): the
     * planter could rewrite what we append, so it is refused like a link. */
    int fd = open_plain(path, O_WRONLY | O_APPEND | O_CREAT, 0666, 1);
    if (fd < 0)
        return errno == ENOMEM ? PM_ERR_NOMEM : PM_ERR_IO;
    int *h = malloc(sizeof(*h));
    if (!h) {
        close(fd);
        return PM_ERR_NOMEM;
    }
    *h = fd;
    *handle = h;
    return 0;
}

int pm_os_append_write(void *handle, const void *data, size_t len)
{
    ssize_t n;
    do
        n = write(*(int *)handle, data, len);
    while (n < 0 && errno == EINTR);
    return n >= 0 && (size_t)n == len ? 0 : PM_ERR_IO;
}

void pm_os_append_close(void *handle)
{
    if (!handle)
        return;
    close(*(int *)handle);
    free(handle);
}

int pm_os_list_dir(const char *dir, size_t max, struct pm_strlist *names)
{
    DIR *d = opendir(dir);
    if (!d)
        return PM_ERR_IO;
    struct pm_buf path = PM_BUF_INIT;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
            /* Everything but folders: what is not a plain file (a FIFO, a link, a device) is for
             * the reader to refuse and say so, not to pass over unseen. d_type saves an lstat per
             * file on most file systems; fall back when it is unknown. */
#if defined(DT_DIR) && defined(DT_UNKNOWN)
        if (e->d_type == DT_DIR)
            continue;
        if (e->d_type == DT_UNKNOWN)
#endif
        {
            struct stat sb;
            pm_buf_reset(&path);
            if (pm_path_join(&path, dir, e->d_name) < 0 || lstat(path.data, &sb) != 0 ||
                S_ISDIR(sb.st_mode))
                continue;
        }
        if (names->n >= max)
            rc = PM_ERR_LIMIT;
        else
            rc = pm_strlist_add(names, e->d_name);
    }
    closedir(d);
    pm_buf_release(&path);
    return rc;
}

int pm_os_rename_file(const char *from, const char *to)
{
    /* link() + unlink() refuses to replace an existing target, unlike rename(). */
    if (link(from, to) != 0)
        return PM_ERR_IO;
    if (unlink(from) != 0) {
        unlink(to);
        return PM_ERR_IO;
    }
    return 0;
}

int pm_os_replace_file(const char *from, const char *to)
{
    return rename(from, to) == 0 ? 0 : PM_ERR_IO;
}

int pm_os_user_can_write(const char *path)
{
    return access(path, W_OK) == 0;
}

/* ---- processes (Linux: /proc; the test double of a MAPI client is a process named so) ---- */

#define POSIX_MAX_WAIT 64 /* as many as Windows waits on at once (MAXIMUM_WAIT_OBJECTS) */

#ifdef __linux__
/* The kernel keeps the first 15 bytes of an image name (TASK_COMM_LEN 16): a longer name
 * matches when those agree. */
static int posix_comm_matches(const char *comm, const char *name)
{
    size_t n = strlen(name);
    if (n > 15)
        n = 15;
    return strlen(comm) == n && pm_ascii_ncasecmp(comm, name, n) == 0;
}

/* Every process of this user whose name is one of 'names', not this one: each name found once
 * into 'found' (may be NULL), up to 'max' pids into 'pids'. The count of names found, or <0. */
static int posix_scan(const char *const *names, size_t n, struct pm_strlist *found, pid_t *pids,
                      size_t max, size_t *npids)
{
    DIR *d = opendir("/proc");
    if (!d)
        return PM_ERR_UNSUPPORTED;
    char *seen = calloc(n ? n : 1, 1);
    if (!seen) {
        closedir(d);
        return PM_ERR_NOMEM;
    }
    int count = 0, rc = 0;
    if (npids)
        *npids = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid())
            continue;
        char path[64], comm[32];
        struct stat sb;
        snprintf(path, sizeof(path), "/proc/%ld", pid);
        /* Another user's client does not hold our profile. */
        if (stat(path, &sb) != 0 || sb.st_uid != getuid())
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(comm, 1, sizeof(comm) - 1, f);
        fclose(f);
        comm[len] = 0;
        if (len && comm[len - 1] == '\n')
            comm[len - 1] = 0;
        for (size_t i = 0; i < n; i++) {
            if (!posix_comm_matches(comm, names[i]))
                continue;
            if (pids && *npids < max)
                pids[(*npids)++] = (pid_t)pid;
            if (!seen[i]) {
                seen[i] = 1;
                count++;
                if (found && pm_strlist_add(found, names[i]) < 0)
                    rc = PM_ERR_NOMEM;
            }
            break;
        }
    }
    closedir(d);
    free(seen);
    return rc < 0 ? rc : count;
}

int pm_os_find_processes(const char *const *names, size_t n, struct pm_strlist *found)
{
    if (n == 0)
        return 0;
    return posix_scan(names, n, found, NULL, 0, NULL);
}

/* A descriptor that becomes readable when the process exits (pidfd, Linux 5.3), or -1 when the
 * kernel has none (then the caller falls back to polling). */
static int posix_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int pm_os_wait_processes(const char *const *names, size_t n, unsigned long timeout_ms)
{
    pid_t pids[POSIX_MAX_WAIT];
    size_t npids = 0;
    int rc = n ? posix_scan(names, n, NULL, pids, POSIX_MAX_WAIT, &npids) : 0;
    if (rc <= 0)
        return rc;
    struct pollfd fds[POSIX_MAX_WAIT];
    size_t nfds = 0;
    int polling = 0;
    for (size_t i = 0; i < npids; i++) {
        int fd = posix_pidfd(pids[i]);
        if (fd >= 0) {
            fds[nfds].fd = fd;
            fds[nfds].events = POLLIN;
            fds[nfds++].revents = 0;
        } else if (errno != ESRCH) {
            polling = 1; /* no pidfd: kill(pid, 0) every 100 ms below */
        }
    }
    uint64_t deadline = pm_os_monotonic_ms() + timeout_ms;
    for (;;) {
        /* Done when every pidfd has fired and, for the polled ones, kill says they are gone. */
        size_t alive = 0;
        for (size_t i = 0; i < nfds; i++)
            if (fds[i].fd >= 0)
                alive++;
        if (polling) {
            polling = 0;
            for (size_t i = 0; i < npids; i++)
                if (kill(pids[i], 0) == 0 || errno == EPERM)
                    polling = 1;
        }
        if (!alive && !polling) {
            rc = 0;
            break;
        }
        uint64_t now = pm_os_monotonic_ms();
        if (now >= deadline) {
            rc = 1;
            break;
        }
        uint64_t left = deadline - now;
        int wait = left > INT_MAX ? INT_MAX : (int)left;
        if (polling && wait > 100)
            wait = 100;
        int pr = poll(fds, (nfds_t)nfds, wait);
        if (pr < 0 && errno != EINTR) {
            rc = PM_ERR_IO;
            break;
        }
        for (size_t i = 0; pr > 0 && i < nfds; i++)
            if (fds[i].fd >= 0 && fds[i].revents) {
                close(fds[i].fd);
                fds[i].fd = -1; /* poll ignores negative descriptors */
            }
    }
    for (size_t i = 0; i < nfds; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    return rc;
}
#else
int pm_os_find_processes(const char *const *names, size_t n, struct pm_strlist *found)
{
    (void)names;
    (void)n;
    (void)found;
    return PM_ERR_UNSUPPORTED;
}

int pm_os_wait_processes(const char *const *names, size_t n, unsigned long timeout_ms)
{
    (void)names;
    (void)n;
    (void)timeout_ms;
    return PM_ERR_UNSUPPORTED;
}
#endif

void pm_os_background(int on)
{
    /* The watch runs beside the user's work: the CPU and the disk are theirs first. Once only:
     * without privilege the nice value cannot come down again. A failure leaves the priority as
     * it was, which is only less polite. */
    static int niced;
    if (!on || niced)
        return;
    niced = 1;
    errno = 0;
    if (nice(10) == -1 && errno)
        return;
}

int pm_os_file_in_use(const char *path)
{
    (void)path;
    return 0;
}

/* Splits a command line as Windows does for simple cases: blanks separate, double quotes
 * group. At most 63 arguments. */
int pm_os_start_program(const char *program, const char *args)
{
    struct pm_strlist list = PM_STRLIST_INIT;
    int rc = pm_cmdline_split(args ? args : "", &list);
    char **argv = rc == 0 ? calloc(list.n + 2, sizeof(*argv)) : NULL;
    if (!argv) {
        pm_strlist_release(&list);
        return rc < 0 ? rc : PM_ERR_NOMEM;
    }
    argv[0] = (char *)program;
    for (size_t i = 0; i < list.n; i++)
        argv[i + 1] = list.items[i];
    /* Not waited for: the child is left to run on after this process exits. */
    pid_t pid;
    rc = posix_spawnp(&pid, program, NULL, NULL, argv, environ);
    free(argv);
    pm_strlist_release(&list);
    return rc == 0 ? 0 : PM_ERR_IO;
}

/* A folder only this user can change: ours, not a link, no group or other write bit. */
static int private_dir(const char *dir)
{
    struct stat sb;
    return dir[0] == '/' && lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == geteuid() &&
           !(sb.st_mode & (S_IWGRP | S_IWOTH));
}

int pm_os_state_dir(struct pm_buf *out)
{
    struct pm_buf base = PM_BUF_INIT;
    const char *x = getenv("XDG_CACHE_HOME");
    int rc = 0;
    if (x && x[0] == '/')
        rc = pm_buf_puts(&base, x) < 0 ? PM_ERR_NOMEM : 0;
    else if ((rc = pm_os_home_dir(&base)) == 0)
        rc = pm_buf_puts(&base, "/.cache") < 0 ? PM_ERR_NOMEM : 0;
    if (rc == 0 && mkdir(base.data, 0700) != 0 && errno != EEXIST)
        rc = PM_ERR_IO;
    pm_buf_reset(out);
    if (rc == 0)
        rc = pm_path_join(out, base.data, "profilemanager");
    pm_buf_release(&base);
    if (rc < 0)
        return rc;
    if (mkdir(out->data, 0700) != 0 && errno != EEXIST)
        return PM_ERR_IO;
    /* Another user's folder (or one others can write to) would let them choose our answers,
     * or take our lock. */
    return private_dir(out->data) ? 0 : PM_ERR_IO;
}

/* The lock's folder: $XDG_RUNTIME_DIR, else the state folder (pm_os_state_dir, 0700). Not the
 * shared temp folder, where another user could create the lock file first (and hold it for ever)
 * or leave a link there to a file of ours. */
static int lock_dir(char *out, size_t size)
{
    const char *x = getenv("XDG_RUNTIME_DIR");
    if (x && *x && private_dir(x) && (size_t)snprintf(out, size, "%s", x) < size)
        return 0;
    struct pm_buf state = PM_BUF_INIT;
    int rc = pm_os_state_dir(&state);
    if (rc == 0 && (size_t)snprintf(out, size, "%s", state.data) >= size)
        rc = PM_ERR_LIMIT;
    pm_buf_release(&state);
    return rc;
}

int pm_os_lock_acquire(const char *name, int wait_seconds, void **handle)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    if (lock_dir(dir, sizeof(dir)) < 0)
        return PM_ERR_IO;
    snprintf(path, sizeof(path), "%s/profilemanager-%ld-%s.lock", dir, (long)getuid(), name);
    int fd = open_plain(path, O_RDWR | O_CREAT, 0600, 1);
    if (fd < 0)
        return PM_ERR_IO;
    for (int waited = 0;; waited++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *handle = (void *)(intptr_t)(fd + 1);
            return 1;
        }
        if (waited >= wait_seconds * 10) {
            close(fd);
            return 0;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int pm_os_lock_is_local(const void *handle)
{
    (void)handle; /* one lock per user and machine: the lock file */
    return 0;
}

void pm_os_lock_release(void *handle)
{
    if (handle) {
        int fd = (int)(intptr_t)handle - 1;
        flock(fd, LOCK_UN);
        close(fd);
    }
}

/* ---- whole files ---- */

int pm_os_write_new_file(const char *path, const void *data, size_t len)
{
    /* O_EXCL: made new, never through a link. O_SYNC: each write returns with the data and the
     * file's size on the disk, as an fsync after it would; the fsync's call (a round trip on a
     * share, for every backup) is spared. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_SYNC, 0666);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            errno = e;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return close(fd) == 0 ? 0 : -1;
}

int pm_os_fsync(FILE *f)
{
    return fsync(fileno(f)) == 0 ? 0 : PM_ERR_IO;
}

int pm_os_fseek64(FILE *f, uint64_t off)
{
    if (off > (uint64_t)INT64_MAX)
        return PM_ERR_INVALID;
    return fseeko(f, (off_t)off, SEEK_SET) == 0 ? 0 : PM_ERR_IO;
}

long pm_os_pread(FILE *f, void *buf, size_t len, uint64_t off)
{
    if (off > (uint64_t)INT64_MAX || len > (size_t)LONG_MAX)
        return -1;
    /* One call: a regular file reads short only at its end (local disks, SMB and NFS alike), and
     * asking again there would cost a round trip to learn nothing. */
    ssize_t n;
    do
        n = pread(fileno(f), buf, len, (off_t)off);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : (long)n;
}

long long pm_os_fsize(FILE *f)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
        return -1;
    return (long long)sb.st_size;
}

/* ---- who else can change a file ---- */

static int posix_others(const char *what, const char *path, const struct stat *sb, int folder,
                        struct pm_buf *why)
{
    uid_t me = geteuid();
    if (sb->st_uid != 0 && sb->st_uid != me)
        return pm_buf_printf(why, "%s '%s' is owned by uid %ld, neither root nor the running user",
                             what, path, (long)sb->st_uid) < 0
                   ? PM_ERR_NOMEM
                   : 1;
    /* In a sticky folder others may add files but not rename or delete ours. */
    if (folder && (sb->st_mode & S_ISVTX))
        return 0;
    if (sb->st_mode & (S_IWGRP | S_IWOTH))
        return pm_buf_printf(why, "%s '%s' is writable by %s", what, path,
                             (sb->st_mode & S_IWOTH) ? "everyone" : "its group") < 0
                   ? PM_ERR_NOMEM
                   : 1;
    return 0;
}

int pm_os_fwritable_by_others(FILE *f, const char *path, struct pm_buf *why)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0)
        return PM_ERR_IO;
    return S_ISREG(sb.st_mode) ? posix_others("file", path, &sb, 0, why) : PM_ERR_IO;
}

int pm_os_file_writable_by_others(const char *path, struct pm_buf *why)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? PM_ERR_NOTFOUND : PM_ERR_IO;
    return posix_others("file", path, &sb, 0, why);
}

int pm_os_file_id(const char *path, struct pm_file_id *id, int *others, struct pm_buf *why)
{
    struct stat sb;
    memset(id, 0, sizeof(*id));
    if (stat(path, &sb) != 0)
        return errno == ENOENT || errno == ENOTDIR ? PM_ERR_NOTFOUND : PM_ERR_IO;
    if (!S_ISREG(sb.st_mode))
        return PM_ERR_IO;
    id->size = (uint64_t)sb.st_size;
    id->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    id->ctime_ns = (int64_t)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec;
    id->ino = (uint64_t)sb.st_ino;
    id->dev = (uint64_t)sb.st_dev;
    if (!others)
        return 0;
    int rc = posix_others("file", path, &sb, 0, why);
    if (rc < 0)
        return rc;
    *others = rc;
    return 0;
}

int pm_os_folder_writable_by_others(const char *dir, struct pm_buf *why)
{
    struct stat sb;
    return stat(dir, &sb) == 0 ? posix_others("folder", dir, &sb, 1, why) : PM_ERR_IO;
}

int pm_os_writable_by_others(const char *path, struct pm_buf *why)
{
    int rc = pm_os_file_writable_by_others(path, why);
    if (rc != 0)
        return rc;
    struct pm_buf dir = PM_BUF_INIT;
    rc = pm_path_dirname(&dir, path);
    if (rc == 0)
        rc = pm_os_folder_writable_by_others(dir.data, why);
    pm_buf_release(&dir);
    return rc;
}

/* The platform layer: what libpm and the tool need from the operating system. What differs
 * between systems is implemented in os-posix.c and os-win32.c, nowhere else; src/lib/os/file.c
 * (whole files) and cmdline.c (Windows command lines) are portable code on top. Paths are UTF-8. */
#ifndef PM_OS_H
#define PM_OS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pm/error.h"

#include "pm/util.h"

/* Full path of the running executable / its folder. 0 or <0. */
int pm_os_exe_path(struct pm_buf *out);
int pm_os_exe_dir(struct pm_buf *out);
/* %USERPROFILE% (Windows) or $HOME. */
int pm_os_home_dir(struct pm_buf *out);
/* An environment variable's value in UTF-8 (through the wide API on Windows, where the C
 * runtime's copy is in the ANSI code page). 0, PM_ERR_NOTFOUND when it is not set, or <0. */
int pm_os_getenv(const char *name, struct pm_buf *out);
/* %USERNAME% / login name, and the computer name. */
int pm_os_user_name(struct pm_buf *out);
int pm_os_computer_name(struct pm_buf *out);
/* Seconds since 1970 (UTC) and a monotonic millisecond clock. */
long long pm_os_time_now(void);
uint64_t pm_os_monotonic_ms(void);
long pm_os_pid(void);
/* Sleeps for the given milliseconds. */
void pm_os_sleep_ms(unsigned ms);

/* Joins two path parts with the platform separator (a second part that is absolute wins). */
int pm_path_join(struct pm_buf *out, const char *a, const char *b);
/* 1 when the path is absolute (/x, C:\x, \\server\share), else 0. */
int pm_path_is_absolute(const char *p);
/* Folder part of a path ("." when none). */
int pm_path_dirname(struct pm_buf *out, const char *p);

/* Creates a folder and its parents. 0 or PM_ERR_IO. */
int pm_os_mkdirs(const char *path);
/* 1 when a file can be created in the folder (tries it), else 0. */
int pm_os_dir_writable(const char *dir);
/* 1 exists, 0 not. */
int pm_os_file_exists(const char *path);
/* Size in bytes, or -1. */
long long pm_os_file_size(const char *path);
/* A file's last write time (seconds since 1970, UTC); -1 when it is missing or a folder. */
long long pm_os_file_mtime(const char *path);
/* What a regular file is now, from one call (stat; GetFileAttributesExW), to tell at a later
 * run whether it changed without reading it: its size, its last write time, its status change
 * time (POSIX) or creation time (Windows) and, where the system gives them, its inode and
 * device. Rewriting a file changes its write time and, on POSIX, its status change time; a copy
 * over it changes them too (or its inode). */
struct pm_file_id {
    uint64_t size;
    int64_t mtime_ns; /* since 1970 (Windows: in 100 ns steps) */
    int64_t ctime_ns;
    uint64_t ino, dev; /* 0 on Windows */
};
/* The identity of the regular file 'path'. With 'others' also whether someone other than the
 * administrators and its owner can change the file itself (pm_os_file_writable_by_others: *others
 * 1 and the reason in 'why', or 0), answered on POSIX from the same stat: one call on a share.
 * 0, PM_ERR_NOTFOUND when missing, PM_ERR_IO (a folder, a device, a stat that fails). */
int pm_os_file_id(const char *path, struct pm_file_id *id, int *others, struct pm_buf *why);
/* The running user's own folder for what the tool keeps on this computer between runs:
 * %LOCALAPPDATA%\ProfileManager (local, never roams), or $XDG_CACHE_HOME/profilemanager, else
 * ~/.cache/profilemanager (made 0700 and refused unless the user's alone). Made when missing.
 * 0, or <0. */
int pm_os_state_dir(struct pm_buf *out);
/* Deletes a file (not a folder). 0, or PM_ERR_IO. */
int pm_os_remove_file(const char *path);
/* A file opened for appending only, so that each pm_os_append_write() lands whole at the end even
 * when other processes append at the same time (O_APPEND; on Windows FILE_APPEND_DATA access
 * without FILE_WRITE_DATA). Created when missing. 0 and *handle, or PM_ERR_IO. */
int pm_os_append_open(const char *path, void **handle);
/* Every file the tool writes is opened through these: a symbolic link (Windows: a reparse
 * point), a FIFO, a device, a folder or a file with a second hard link in its place is refused
 * (NULL), not followed. pm_os_append_open also refuses a file owned by another user. Modes "wb",
 * "ab", "w+b"; "w" cuts the file only after the checks; "wbx" creates a new file and fails when
 * one exists (no cut needed: one call less on a share). */
FILE *pm_os_fopen_write(const char *path, const char *mode);
/* Opens a regular file for reading the same way (never blocks on a FIFO); *size its size. */
FILE *pm_os_fopen_read(const char *path, long long *size);
/* Opens a file to read with positioned reads (pm_os_pread) in one call and no check: a UTF-8
 * path as everywhere in libpm (the C runtime's fopen takes ANSI paths on Windows), sharing
 * delete on Windows so that a new file can be renamed into place meanwhile. For a caller outside
 * libpm (the CLI's open of the PUF), which does not get compat.h's fopen. */
FILE *pm_os_fopen_rb(const char *path);
/* 64-bit seek from the start. 0 or PM_ERR_IO. */
int pm_os_seek(FILE *f, long long offset);
/* The account owning a file when it is a user's account (Windows): 0 and its name in 'out'; 1
 * when the owner is a group, unknown or not available on this platform; PM_ERR_NOMEM. */
int pm_os_file_owner(const char *path, struct pm_buf *out);
/* 1 when the file belongs to another user's account: not the running user, not root (POSIX),
 * not a group such as Administrators or an unknown owner (Windows). A file another user planted
 * in a folder everyone can create files in (Logs\Backups) is then not taken for one of ours.
 * 0 otherwise, also when the file cannot be looked at (opening it fails later). */
int pm_os_file_foreign(const char *path);
/* Writes len bytes with one write call. 0, or PM_ERR_IO (short or failed write). */
int pm_os_append_write(void *handle, const void *data, size_t len);
void pm_os_append_close(void *handle);
/* Appends the names (not paths) of what a folder holds but folders (POSIX: also FIFOs, links,
 * devices, for the caller to open with pm_os_fopen_read, which refuses them) to 'names', in no
 * particular order. Returns 0, PM_ERR_IO when the folder cannot be read, PM_ERR_LIMIT past 'max'
 * names. */
int pm_os_list_dir(const char *dir, size_t max, struct pm_strlist *names);
/* Renames a file, replacing nothing: PM_ERR_IO when 'to' exists. */
int pm_os_rename_file(const char *from, const char *to);
/* Replaces 'to' by 'from' atomically (rename over). */
int pm_os_replace_file(const char *from, const char *to);
/* Reads a whole file (at most max bytes; 0 = PM_FILE_MAX) into out. PM_ERR_IO/PM_ERR_LIMIT. */
#define PM_FILE_MAX ((size_t)256 << 20)
int pm_file_read(const char *path, size_t max, struct pm_buf *out, struct pm_error *err);
/* Writes data to path through a temporary file in the same folder, flushed to the disk, then
 * renamed over path, so readers see the old file or the new one, never a part. */
int pm_file_write_atomic(const char *path, const void *data, size_t len, struct pm_error *err);
/* Makes a new file at 'path' (never one that exists in any form, a link included: -1 with errno
 * EEXIST), writes 'data' and has it on the disk when it returns, in as few calls as the system
 * allows (POSIX: opened O_SYNC, one write, close; Windows: written, _commit, closed). 0, or -1 with
 * errno set (the file may then be left, part written). */
int pm_os_write_new_file(const char *path, const void *data, size_t len);
/* Flushes a stream's written data to the disk (fsync, _commit). 0 or PM_ERR_IO. The caller
 * fflush()es first. */
int pm_os_fsync(FILE *f);
/* Positions a stream at a 64-bit offset from the start (fseeko, _fseeki64). 0 or <0. */
int pm_os_fseek64(FILE *f, uint64_t off);
/* Reads up to len bytes at 'off' of an open file in one system call (pread; ReadFile with an
 * OVERLAPPED offset on Windows), not through the stream's buffer: on a file share each call is a
 * round trip, so a lookup reads what it needs at once and never seeks first. Returns the count
 * read (short only at the end of the file: no second call is made to confirm it), or -1 with
 * errno. */
long pm_os_pread(FILE *f, void *buf, size_t len, uint64_t off);
/* The size of an open file (fstat, GetFileSizeEx), or -1. */
long long pm_os_fsize(FILE *f);
/* 1 when the current user could modify the file (its ACL or mode allows it), else 0. */
int pm_os_user_can_write(const char *path);

/* Whether someone other than the administrators and the file's owner (or the running user) can
 * change the file, or replace it through its folder: the question RequireReadOnlyConfig asks
 * about the files that decide what a run starts. POSIX: group or other write permission, or an
 * owner other than root and the running user, on the file or on its folder (a folder with the
 * sticky bit, where others cannot rename or delete the file, counts by its owner only). Windows:
 * an allow entry in the DACL of the file or its folder granting write, append, delete, delete
 * child, WRITE_DAC or WRITE_OWNER (or GENERIC_WRITE/ALL) to a SID other than Administrators,
 * SYSTEM, TrustedInstaller, CREATOR OWNER, the owner or the running user. 1 with the reason in
 * 'why' (e.g. "folder '/srv/pm' is writable by its group"), 0 when not, <0 when it cannot be
 * told (missing file: PM_ERR_NOTFOUND). */
int pm_os_writable_by_others(const char *path, struct pm_buf *why);
/* The same question for the file alone and for a folder alone (pm_os_writable_by_others asks
 * the first, then the second for the file's folder): a run that checks several files of one
 * folder on a share asks about the folder once. */
int pm_os_file_writable_by_others(const char *path, struct pm_buf *why);
int pm_os_folder_writable_by_others(const char *dir, struct pm_buf *why);
/* The file question for a file open for reading ('path' names it in the reason): the answer is
 * about the very file read, and costs no second open on a share (POSIX: fstat; Windows: the
 * handle's security descriptor). */
int pm_os_fwritable_by_others(FILE *f, const char *path, struct pm_buf *why);

/* Names (image names, case-insensitive, e.g. "OUTLOOK.EXE") of the given processes running for
 * the current user in the current session; found ones are appended to 'found'. Returns the number
 * found, or <0 when processes cannot be listed (PM_ERR_UNSUPPORTED off Windows and Linux; on
 * Linux the name is /proc/PID/comm, its first 15 bytes). */
int pm_os_find_processes(const char *const *names, size_t n, struct pm_strlist *found);
/* Waits until every process pm_os_find_processes matches now (at most 64 of them) has exited,
 * or 'timeout_ms' passed, without polling: Windows waits on the process handles
 * (OpenProcess(SYNCHRONIZE), WaitForMultipleObjects), Linux on pidfds (poll); where the kernel
 * has no pidfd_open it checks every 100 ms. A process that starts meanwhile is not waited for:
 * the caller looks again. 0 when none of them runs any more (or none ran), 1 at the timeout,
 * <0 when they cannot be waited for (PM_ERR_UNSUPPORTED). */
int pm_os_wait_processes(const char *const *names, size_t n, unsigned long timeout_ms);
/* on=1: makes this process a background one for a long wait: lower CPU (and on Windows I/O and
 * memory) priority, and on Windows no console window of its own (let go for good). on=0: back to
 * normal priority for the work after the wait (Windows; on POSIX an unprivileged process cannot
 * raise its priority again, so it stays niced). Failures are ignored. */
void pm_os_background(int on);
/* 1 when the file is held open by another process so it cannot be opened exclusively, 0 when it
 * can (or does not exist), <0 on other errors. */
int pm_os_file_in_use(const char *path);
/* Windows command lines (cmdline.c, portable). pm_cmdline_append appends one argument (after a
 * space when 'out' is not empty), quoted only when it must be, so that CommandLineToArgvW and the
 * C runtime give it back unchanged: embedded quotes as \", backslashes doubled only before a
 * quote. pm_cmdline_split is the reverse: the arguments of a command line (without a program
 * name), by the same rules. 0 or <0. */
int pm_cmdline_append(struct pm_buf *out, const char *arg);
int pm_cmdline_split(const char *cmdline, struct pm_strlist *out);

/* Starts a program without waiting for it; 'args' is a Windows command line (the program not
 * included), split on POSIX by pm_cmdline_split. 0 or <0. */
int pm_os_start_program(const char *program, const char *args);

/* A per-user, per-machine single-instance lock (Windows: a mutex Global\ProfileManager-<SID>-name,
 * else Local\...; POSIX: a lock file). Waits up to 'wait_seconds'. Returns 1 with
 * *handle set when acquired, 0 when another holder kept it, <0 on error. */
int pm_os_lock_acquire(const char *name, int wait_seconds, void **handle);
void pm_os_lock_release(void *handle);
/* 1 when the held lock covers only this logon session, not every session of the user on the
 * machine (Windows: the Global\ mutex named after the user's SID was refused, Local\ used);
 * 0 otherwise (always on POSIX). */
int pm_os_lock_is_local(const void *handle);

#endif

/* The platform layer on Windows: the tool runs here as the user whose Outlook profiles it
 * updates, often from a logon script or a network share. Everything inside libpm is UTF-8; this
 * file converts to UTF-16 right at each Win32 call and back, and nowhere else does. */
#include "compat.h"

#include "pm/os.h"

#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#include <shlobj.h>
#include <tlhelp32.h>

#include <fcntl.h>
#include <io.h>
#include <stdio.h>

#include <errno.h>
#include <io.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

/* Longest path the wide API accepts (with the \\?\ prefix); also our ceiling for any path. */
#define OS_MAX_WPATH 32768

/* UTF-8 -> a malloc'd NUL-terminated wide string, or NULL (out of memory / too long). */
static wchar_t *os_wide(const char *s)
{
    struct pm_buf b = PM_BUF_INIT;
    pm_buf_init(&b, (size_t)OS_MAX_WPATH * 2 + 2);
    if (pm_utf8_to_utf16le(s, strlen(s), 1, &b) < 0) {
        pm_buf_release(&b);
        return NULL;
    }
    return (wchar_t *)pm_buf_detach(&b, NULL);
}

/* Wide (n code units, or up to the NUL when n is -1) -> UTF-8, replacing out's content. */
static int os_utf8(struct pm_buf *out, const wchar_t *w, long n)
{
    size_t len = n < 0 ? wcslen(w) : (size_t)n;
    pm_buf_reset(out);
    int rc = pm_utf16le_to_utf8(w, len * 2, out);
    if (rc == 0 && !out->data)
        rc = pm_buf_puts(out, ""); /* an empty result is still a string */
    return rc;
}

int pm_os_exe_path(struct pm_buf *out)
{
    /* GetModuleFileNameW truncates silently when the buffer is short: grow until it fits. */
    for (DWORD size = MAX_PATH; size <= OS_MAX_WPATH; size *= 2) {
        wchar_t *w = malloc(size * sizeof(wchar_t));
        if (!w)
            return PM_ERR_NOMEM;
        DWORD n = GetModuleFileNameW(NULL, w, size);
        if (n == 0) {
            free(w);
            return PM_ERR_IO;
        }
        if (n < size) {
            int rc = os_utf8(out, w, (long)n);
            free(w);
            return rc;
        }
        free(w);
    }
    return PM_ERR_LIMIT;
}

int pm_os_exe_dir(struct pm_buf *out)
{
    struct pm_buf exe = PM_BUF_INIT;
    int rc = pm_os_exe_path(&exe);
    if (rc == 0)
        rc = pm_path_dirname(out, exe.data);
    pm_buf_release(&exe);
    return rc;
}

/* An environment variable through the wide API (the C runtime's copy is in the ANSI code page). */
static int os_getenv(const wchar_t *name, struct pm_buf *out)
{
    wchar_t small[512];
    DWORD n = GetEnvironmentVariableW(name, small, PM_ARRAY_SIZE(small));
    if (n == 0)
        return PM_ERR_NOTFOUND;
    if (n < PM_ARRAY_SIZE(small))
        return os_utf8(out, small, (long)n);
    if (n > OS_MAX_WPATH)
        return PM_ERR_LIMIT;
    wchar_t *w = malloc(n * sizeof(wchar_t));
    if (!w)
        return PM_ERR_NOMEM;
    DWORD m = GetEnvironmentVariableW(name, w, n);
    int rc = (m == 0 || m >= n) ? PM_ERR_IO : os_utf8(out, w, (long)m);
    free(w);
    return rc;
}

int pm_os_getenv(const char *name, struct pm_buf *out)
{
    wchar_t *w = os_wide(name);
    if (!w)
        return PM_ERR_NOMEM;
    int rc = os_getenv(w, out);
    free(w);
    return rc;
}

int pm_os_home_dir(struct pm_buf *out)
{
    if (os_getenv(L"USERPROFILE", out) == 0 && out->len > 0)
        return 0;
    /* Scheduled tasks and some deployment agents run with a thin environment. */
    wchar_t w[MAX_PATH];
    if (SUCCEEDED(SHGetFolderPathW(NULL, CSIDL_PROFILE, NULL, SHGFP_TYPE_CURRENT, w)))
        return os_utf8(out, w, -1);
    return PM_ERR_NOTFOUND;
}

int pm_os_user_name(struct pm_buf *out)
{
    wchar_t w[257]; /* UNLEN + 1 */
    DWORD n = PM_ARRAY_SIZE(w);
    if (GetUserNameW(w, &n))
        return os_utf8(out, w, -1);
    if (os_getenv(L"USERNAME", out) == 0)
        return 0;
    pm_buf_reset(out);
    return pm_buf_puts(out, "unknown");
}

int pm_os_computer_name(struct pm_buf *out)
{
    wchar_t w[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD n = PM_ARRAY_SIZE(w);
    if (GetComputerNameW(w, &n))
        return os_utf8(out, w, (long)n);
    if (os_getenv(L"COMPUTERNAME", out) == 0)
        return 0;
    pm_buf_reset(out);
    return pm_buf_puts(out, "unknown");
}

long long pm_os_time_now(void)
{
    return (long long)time(NULL);
}

uint64_t pm_os_monotonic_ms(void)
{
    /* The performance counter, not GetTickCount64: the tick count moves in 10-16 ms steps and
     * can lag behind a Sleep on a busy machine. */
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (!freq.QuadPart && !QueryPerformanceFrequency(&freq))
        return (uint64_t)GetTickCount64();
    QueryPerformanceCounter(&now);
    return (uint64_t)(now.QuadPart / freq.QuadPart) * 1000u +
           (uint64_t)(now.QuadPart % freq.QuadPart) * 1000u / (uint64_t)freq.QuadPart;
}

long pm_os_pid(void)
{
    return (long)GetCurrentProcessId();
}

static int is_sep(char c)
{
    return c == '\\' || c == '/';
}

static int os_is_dir(const wchar_t *w)
{
    DWORD a = GetFileAttributesW(w);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

int pm_os_mkdirs(const char *path)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return PM_ERR_NOMEM;
    size_t n = wcslen(w);
    if (n == 0) {
        free(w);
        return PM_ERR_INVALID;
    }
    /* Skip what cannot be created: the drive ("C:\") or the UNC share ("\\server\share\"). */
    size_t start = 0;
    if (n >= 2 && w[1] == L':')
        start = 2;
    else if (n >= 2 && (w[0] == L'\\' || w[0] == L'/') && (w[1] == L'\\' || w[1] == L'/')) {
        int seps = 0;
        for (start = 2; start < n && seps < 2; start++)
            if (w[start] == L'\\' || w[start] == L'/')
                seps++;
    }
    for (size_t i = start + 1; i < n; i++) {
        if (w[i] == L'\\' || w[i] == L'/') {
            wchar_t c = w[i];
            w[i] = 0;
            if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
                free(w);
                return PM_ERR_IO;
            }
            w[i] = c;
        }
    }
    CreateDirectoryW(w, NULL);
    int ok = os_is_dir(w);
    free(w);
    return ok ? 0 : PM_ERR_IO;
}

int pm_os_dir_writable(const char *dir)
{
    struct pm_buf probe = PM_BUF_INIT;
    if (pm_buf_printf(&probe, "%s%s.pm-probe-%lu", dir,
                      *dir && is_sep(dir[strlen(dir) - 1]) ? "" : "\\",
                      (unsigned long)GetCurrentProcessId()) < 0) {
        pm_buf_release(&probe);
        return 0;
    }
    wchar_t *w = os_wide(probe.data);
    pm_buf_release(&probe);
    if (!w)
        return 0;
    HANDLE h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_NEW,
                           FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    CloseHandle(h);
    return 1;
}

int pm_os_file_exists(const char *path)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return 0;
    DWORD a = GetFileAttributesW(w);
    free(w);
    return a != INVALID_FILE_ATTRIBUTES;
}

long long pm_os_file_size(const char *path)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return -1;
    WIN32_FILE_ATTRIBUTE_DATA d;
    BOOL ok = GetFileAttributesExW(w, GetFileExInfoStandard, &d);
    free(w);
    if (!ok || (d.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
        return -1;
    return ((long long)d.nFileSizeHigh << 32) | (long long)d.nFileSizeLow;
}

/* A FILETIME (100 ns steps since 1601) as nanoseconds since 1970. */
static int64_t os_filetime_ns(const FILETIME *t)
{
    int64_t v = (int64_t)(((uint64_t)t->dwHighDateTime << 32) | t->dwLowDateTime);
    return (v - 116444736000000000LL) * 100;
}

long long pm_os_file_mtime(const char *path)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return -1;
    WIN32_FILE_ATTRIBUTE_DATA d;
    BOOL ok = GetFileAttributesExW(w, GetFileExInfoStandard, &d);
    free(w);
    if (!ok || (d.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
        return -1;
    return (long long)(os_filetime_ns(&d.ftLastWriteTime) / 1000000000);
}

int pm_os_remove_file(const char *path)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return PM_ERR_NOMEM;
    BOOL ok = DeleteFileW(w);
    free(w);
    return ok ? 0 : PM_ERR_IO;
}

/* A handle opened with FILE_FLAG_OPEN_REPARSE_POINT is the link itself, not its target: what
 * the tool writes or reads must be a plain disk file, never a reparse point (symbolic link,
 * junction, mount point) someone left in the log or backup folder, a folder, a pipe or a device,
 * and (for writing) not a file with a second hard link. */
static int plain_file(HANDLE h, int writing, long long *size)
{
    BY_HANDLE_FILE_INFORMATION fi;
    if (GetFileType(h) != FILE_TYPE_DISK || !GetFileInformationByHandle(h, &fi))
        return 0;
    if (fi.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY))
        return 0;
    if (writing && fi.nNumberOfLinks > 1)
        return 0;
    if (size)
        *size = ((long long)fi.nFileSizeHigh << 32) | (long long)fi.nFileSizeLow;
    return 1;
}

static HANDLE open_plain(const char *path, DWORD access, DWORD share, DWORD disposition,
                         int writing, long long *size)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return INVALID_HANDLE_VALUE;
    HANDLE h = CreateFileW(w, access, share, NULL, disposition,
                           FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    free(w);
    if (h != INVALID_HANDLE_VALUE && !plain_file(h, writing, size)) {
        CloseHandle(h);
        h = INVALID_HANDLE_VALUE;
    }
    return h;
}

static FILE *handle_file(HANDLE h, int flags, const char *mode)
{
    int fd = _open_osfhandle((intptr_t)h, flags | _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        return NULL;
    }
    FILE *f = _fdopen(fd, mode);
    if (!f)
        _close(fd);
    return f;
}

FILE *pm_os_fopen_write(const char *path, const char *mode)
{
    int append = mode[0] == 'a', plus = strchr(mode, '+') != NULL, excl = strchr(mode, 'x') != NULL;
    DWORD access = append ? FILE_APPEND_DATA | SYNCHRONIZE : GENERIC_WRITE;
    if (plus)
        access |= GENERIC_READ;
    HANDLE h = open_plain(path, access, FILE_SHARE_READ, excl ? CREATE_NEW : OPEN_ALWAYS, 1, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (excl && (e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS))
            errno = EEXIST; /* what pm_file_write_atomic looks at, as on POSIX */
        return NULL;
    }
    /* Cut only now that the file is known to be a plain file; a file made by this open (x) is
     * empty already. */
    if (!append && !excl &&
        (SetFilePointer(h, 0, NULL, FILE_BEGIN) == INVALID_SET_FILE_POINTER || !SetEndOfFile(h))) {
        CloseHandle(h);
        return NULL;
    }
    return handle_file(h,
                       append ? _O_APPEND
                       : plus ? _O_RDWR
                              : _O_WRONLY,
                       append ? (plus ? "a+b" : "ab")
                       : plus ? "w+b"
                              : "wb");
}

FILE *pm_os_fopen_read(const char *path, long long *size)
{
    long long sz = 0;
    HANDLE h =
        open_plain(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                   OPEN_EXISTING, 0, &sz);
    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    FILE *f = handle_file(h, _O_RDONLY, "rb");
    if (f && size)
        *size = sz;
    return f;
}

int pm_os_seek(FILE *f, long long offset)
{
    return _fseeki64(f, offset, SEEK_SET) == 0 ? 0 : PM_ERR_IO;
}

int pm_os_file_owner(const char *path, struct pm_buf *out)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return PM_ERR_NOMEM;
    PSID owner = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD err = GetNamedSecurityInfoW(w, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL,
                                      NULL, NULL, &sd);
    free(w);
    if (err != ERROR_SUCCESS || !owner) {
        if (sd)
            LocalFree(sd);
        return 1;
    }
    wchar_t name[256], domain[256];
    DWORD nn = PM_ARRAY_SIZE(name), dn = PM_ARRAY_SIZE(domain);
    SID_NAME_USE use;
    int rc = 1;
    /* Only a user account says who wrote the file; a group (Administrators, for a copy made by
     * an administrator) or an unknown SID says nothing. */
    if (LookupAccountSidW(NULL, owner, name, &nn, domain, &dn, &use) && use == SidTypeUser)
        rc = os_utf8(out, name, -1) < 0 ? PM_ERR_NOMEM : 0;
    LocalFree(sd);
    return rc;
}

int pm_os_append_open(const char *path, void **handle)
{
    *handle = NULL;
    /* FILE_APPEND_DATA without FILE_WRITE_DATA: every WriteFile goes to the current end of file,
     * atomically with respect to other appenders (unlike the C runtime's seek-then-write). */
    HANDLE h =
        open_plain(path, FILE_APPEND_DATA | SYNCHRONIZE,
                   FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, OPEN_ALWAYS, 1, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return PM_ERR_IO;
    *handle = h;
    return 0;
}

int pm_os_append_write(void *handle, const void *data, size_t len)
{
    DWORD done = 0;
    if (len > 0x7fffffff)
        return PM_ERR_LIMIT;
    if (!WriteFile((HANDLE)handle, data, (DWORD)len, &done, NULL) || done != len)
        return PM_ERR_IO;
    return 0;
}

void pm_os_append_close(void *handle)
{
    if (handle)
        CloseHandle((HANDLE)handle);
}

int pm_os_list_dir(const char *dir, size_t max, struct pm_strlist *names)
{
    struct pm_buf pat = PM_BUF_INIT, name = PM_BUF_INIT;
    if (pm_path_join(&pat, dir, "*") < 0) {
        pm_buf_release(&pat);
        return PM_ERR_NOMEM;
    }
    wchar_t *w = os_wide(pat.data);
    pm_buf_release(&pat);
    if (!w)
        return PM_ERR_NOMEM;
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileExW(w, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL,
                                FIND_FIRST_EX_LARGE_FETCH);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : PM_ERR_IO;
    int rc = 0;
    do {
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
            continue;
        if (names->n >= max) {
            rc = PM_ERR_LIMIT;
            break;
        }
        rc = os_utf8(&name, fd.cFileName, -1);
        if (rc == 0)
            rc = pm_strlist_add(names, name.data);
    } while (rc == 0 && FindNextFileW(h, &fd));
    FindClose(h);
    pm_buf_release(&name);
    return rc;
}

static int os_move(const char *from, const char *to, DWORD flags)
{
    wchar_t *wf = os_wide(from), *wt = os_wide(to);
    int rc = PM_ERR_NOMEM;
    if (wf && wt)
        rc = MoveFileExW(wf, wt, flags) ? 0 : PM_ERR_IO;
    free(wf);
    free(wt);
    return rc;
}

int pm_os_rename_file(const char *from, const char *to)
{
    /* Without MOVEFILE_REPLACE_EXISTING the move fails when 'to' exists. */
    return os_move(from, to, 0);
}

int pm_os_replace_file(const char *from, const char *to)
{
    return os_move(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
}

/* 1 when the file's DACL grants the current user all of 'access', else 0. */
static int os_acl_grants(const wchar_t *w, DWORD access)
{
    const SECURITY_INFORMATION si =
        OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
    DWORD size = 0;
    GetFileSecurityW(w, si, NULL, 0, &size);
    if (size == 0 || size > 65536)
        return 0;
    PSECURITY_DESCRIPTOR sd = malloc(size);
    HANDLE token = NULL, imp = NULL;
    int granted = 0;
    if (sd && GetFileSecurityW(w, si, sd, size, &size) &&
        OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY | TOKEN_DUPLICATE, &token) &&
        DuplicateToken(token, SecurityImpersonation, &imp)) {
        GENERIC_MAPPING map = {FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE,
                               FILE_ALL_ACCESS};
        PRIVILEGE_SET ps;
        DWORD pslen = sizeof(ps), got = 0;
        BOOL status = FALSE;
        MapGenericMask(&access, &map);
        if (AccessCheck(sd, imp, access, &map, &ps, &pslen, &got, &status) && status)
            granted = 1;
    }
    if (imp)
        CloseHandle(imp);
    if (token)
        CloseHandle(token);
    free(sd);
    return granted;
}

int pm_os_user_can_write(const char *path)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return 0;
    /* Opening for writing (without writing, with full sharing) asks the system the exact
     * question: the DACL, share permissions and the read-only attribute all take part. */
    HANDLE h =
        CreateFileW(w, FILE_WRITE_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h != INVALID_HANDLE_VALUE) {
        CloseHandle(h);
        free(w);
        return 1;
    }
    /* A read-only attribute only stops someone who cannot clear it: ask the DACL whether this
     * user may change attributes and write data, i.e. whether "attrib -r" is one step away. */
    int writable = 0;
    DWORD a = GetFileAttributesW(w);
    if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_READONLY))
        writable = os_acl_grants(w, FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES);
    free(w);
    return writable;
}

/* The SID of the user a token belongs to (malloc'd TOKEN_USER), or NULL. */
static TOKEN_USER *os_token_user(HANDLE token)
{
    DWORD size = 0;
    GetTokenInformation(token, TokenUser, NULL, 0, &size);
    if (size == 0 || size > 4096)
        return NULL;
    TOKEN_USER *tu = malloc(size);
    if (tu && !GetTokenInformation(token, TokenUser, tu, size, &size)) {
        free(tu);
        tu = NULL;
    }
    return tu;
}

static TOKEN_USER *os_process_user(DWORD pid)
{
    HANDLE p = pid == GetCurrentProcessId()
                   ? GetCurrentProcess()
                   : OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (!p)
        return NULL;
    HANDLE token = NULL;
    TOKEN_USER *tu = NULL;
    if (OpenProcessToken(p, TOKEN_QUERY, &token)) {
        tu = os_token_user(token);
        CloseHandle(token);
    }
    if (pid != GetCurrentProcessId())
        CloseHandle(p);
    return tu;
}

int pm_os_file_foreign(const char *path)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return 0;
    PSID owner = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD err = GetNamedSecurityInfoW(w, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL,
                                      NULL, NULL, &sd);
    free(w);
    int foreign = 0;
    if (err == ERROR_SUCCESS && owner) {
        wchar_t name[256], domain[256];
        DWORD nn = PM_ARRAY_SIZE(name), dn = PM_ARRAY_SIZE(domain);
        SID_NAME_USE use;
        TOKEN_USER *me = os_process_user(GetCurrentProcessId());
        /* A group owner (Administrators: a copy an administrator made) is trusted as before. */
        foreign = me && LookupAccountSidW(NULL, owner, name, &nn, domain, &dn, &use) &&
                  use == SidTypeUser && !EqualSid(owner, me->User.Sid);
        free(me);
    }
    if (sd)
        LocalFree(sd);
    return foreign;
}

/* 1 when the process runs in our session for our user. Outlook of another user logged on to
 * the same terminal server does not hold our profile; one we cannot even open is not ours. */
static int os_process_is_ours(DWORD pid, DWORD our_session, const TOKEN_USER *me)
{
    DWORD session = 0;
    if (!ProcessIdToSessionId(pid, &session) || session != our_session)
        return 0;
    if (!me)
        return 1; /* our own SID is unknown: the session alone decides */
    TOKEN_USER *them = os_process_user(pid);
    if (!them)
        return 0;
    int same = EqualSid(me->User.Sid, them->User.Sid) ? 1 : 0;
    free(them);
    return same;
}

/* Every process of ours (os_process_is_ours) running one of 'names': each name found once into
 * 'found' (may be NULL), up to 'max' process ids into 'pids'. The count of names found, or <0. */
static int os_scan(const char *const *names, size_t n, struct pm_strlist *found, DWORD *pids,
                   size_t max, size_t *npids)
{
    if (npids)
        *npids = 0;
    if (n == 0)
        return 0;
    wchar_t **wnames = calloc(n, sizeof(*wnames));
    if (!wnames)
        return PM_ERR_NOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!(wnames[i] = os_wide(names[i])))
            rc = PM_ERR_NOMEM;
    HANDLE snap = INVALID_HANDLE_VALUE;
    TOKEN_USER *me = NULL;
    char *seen = calloc(n, 1);
    if (!seen)
        rc = PM_ERR_NOMEM;
    if (rc == 0) {
        snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        if (snap == INVALID_HANDLE_VALUE)
            rc = PM_ERR_IO;
    }
    DWORD our_session = 0;
    if (rc == 0) {
        ProcessIdToSessionId(GetCurrentProcessId(), &our_session);
        me = os_process_user(GetCurrentProcessId());
    }
    PROCESSENTRY32W pe;
    pe.dwSize = sizeof(pe);
    int count = 0;
    if (rc == 0 && Process32FirstW(snap, &pe)) {
        do {
            if (pe.th32ProcessID == GetCurrentProcessId())
                continue;
            for (size_t i = 0; i < n; i++) {
                /* Image names compare like the file system does: case-insensitively. */
                if ((seen[i] && !pids) || _wcsicmp(pe.szExeFile, wnames[i]) != 0)
                    continue;
                if (!os_process_is_ours(pe.th32ProcessID, our_session, me))
                    continue;
                if (pids && *npids < max)
                    pids[(*npids)++] = pe.th32ProcessID;
                if (!seen[i]) {
                    seen[i] = 1;
                    if (found && pm_strlist_add(found, names[i]) < 0)
                        rc = PM_ERR_NOMEM;
                    count++;
                }
                break;
            }
        } while (rc == 0 && Process32NextW(snap, &pe));
    }
    if (snap != INVALID_HANDLE_VALUE)
        CloseHandle(snap);
    free(me);
    free(seen);
    for (size_t i = 0; i < n; i++)
        free(wnames[i]);
    free(wnames);
    return rc < 0 ? rc : count;
}

int pm_os_find_processes(const char *const *names, size_t n, struct pm_strlist *found)
{
    return os_scan(names, n, found, NULL, 0, NULL);
}

int pm_os_wait_processes(const char *const *names, size_t n, unsigned long timeout_ms)
{
    DWORD pids[MAXIMUM_WAIT_OBJECTS];
    HANDLE h[MAXIMUM_WAIT_OBJECTS];
    size_t npids = 0, nh = 0;
    int rc = os_scan(names, n, NULL, pids, MAXIMUM_WAIT_OBJECTS, &npids);
    if (rc <= 0)
        return rc;
    /* SYNCHRONIZE is all a wait needs; a process that exited since the scan cannot be opened
     * and is not waited for. */
    for (size_t i = 0; i < npids; i++) {
        HANDLE p = OpenProcess(SYNCHRONIZE, FALSE, pids[i]);
        if (p)
            h[nh++] = p;
    }
    if (nh == 0)
        return 0;
    /* One wait for all of them: the thread sleeps until the last handle is signalled. */
    DWORD ms = timeout_ms >= INFINITE ? INFINITE - 1 : (DWORD)timeout_ms;
    DWORD r = WaitForMultipleObjects((DWORD)nh, h, TRUE, ms);
    for (size_t i = 0; i < nh; i++)
        CloseHandle(h[i]);
    if (r == WAIT_TIMEOUT)
        return 1;
    return r < WAIT_OBJECT_0 + nh || (r >= WAIT_ABANDONED_0 && r < WAIT_ABANDONED_0 + nh)
               ? 0
               : PM_ERR_IO;
}

void pm_os_background(int on)
{
    /* PROCESS_MODE_BACKGROUND_BEGIN lowers CPU, I/O and memory priority together (Vista and
     * later); where it is refused, below-normal CPU priority is what is left. After the wait
     * the update races the user reopening Outlook: very low I/O priority would lose it. */
    if (!on) {
        SetPriorityClass(GetCurrentProcess(), PROCESS_MODE_BACKGROUND_END);
        SetPriorityClass(GetCurrentProcess(), NORMAL_PRIORITY_CLASS);
        return;
    }
    if (!SetPriorityClass(GetCurrentProcess(), PROCESS_MODE_BACKGROUND_BEGIN))
        SetPriorityClass(GetCurrentProcess(), BELOW_NORMAL_PRIORITY_CLASS);
    /* A console made for this process alone (started by the task without a parent console) is
     * a window on the user's desktop for hours: let it go. Output then goes nowhere; the log
     * has every event. A console shared with a caller (cmd.exe, a script) stays. */
    DWORD pids[2];
    if (GetConsoleProcessList(pids, 2) == 1)
        FreeConsole();
}

int pm_os_file_in_use(const char *path)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return PM_ERR_NOMEM;
    /* No sharing at all: any other open handle (Outlook, the search indexer's MAPI handler)
     * makes this fail with a sharing violation. The handle is closed at once. */
    HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD e = h == INVALID_HANDLE_VALUE ? GetLastError() : 0;
    free(w);
    if (h != INVALID_HANDLE_VALUE) {
        CloseHandle(h);
        return 0;
    }
    if (e == ERROR_SHARING_VIOLATION || e == ERROR_LOCK_VIOLATION)
        return 1;
    if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
        return 0;
    return PM_ERR_IO;
}

/* Appends one argument quoted the way CommandLineToArgvW and the C runtime split it. */
static int os_quote_arg(struct pm_buf *b, const char *s)
{
    int rc = pm_buf_putc(b, '"');
    for (const char *p = s; *p && rc == 0; p++) {
        size_t slashes = 0;
        while (p[slashes] == '\\')
            slashes++;
        if (p[slashes] == 0 || p[slashes] == '"') {
            /* Backslashes before a quote (ours or the closing one) are doubled. */
            for (size_t i = 0; i < slashes * 2 && rc == 0; i++)
                rc = pm_buf_putc(b, '\\');
            p += slashes;
            if (!*p)
                break;
            if (rc == 0)
                rc = pm_buf_puts(b, "\\\"");
        } else {
            for (size_t i = 0; i < slashes && rc == 0; i++)
                rc = pm_buf_putc(b, '\\');
            p += slashes;
            if (rc == 0)
                rc = pm_buf_putc(b, *p);
        }
    }
    return rc ? rc : pm_buf_putc(b, '"');
}

int pm_os_start_program(const char *program, const char *args)
{
    if (!program || !*program)
        return PM_ERR_INVALID;
    /* The program is quoted as one argument; RunAfterArgs is passed as the administrator wrote
     * it, since it is already a Windows command line. */
    struct pm_buf cmd = PM_BUF_INIT;
    pm_buf_init(&cmd, (size_t)OS_MAX_WPATH);
    int rc = os_quote_arg(&cmd, program);
    if (rc == 0 && args && *args)
        rc = pm_buf_printf(&cmd, " %s", args);
    wchar_t *wcmd = rc == 0 ? os_wide(cmd.data) : NULL;
    wchar_t *wprog = rc == 0 && pm_path_is_absolute(program) ? os_wide(program) : NULL;
    pm_buf_release(&cmd);
    if (rc < 0)
        return rc;
    if (!wcmd || (pm_path_is_absolute(program) && !wprog)) {
        free(wcmd);
        free(wprog);
        return PM_ERR_NOMEM;
    }
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    memset(&pi, 0, sizeof(pi));
    /* No handles are inherited: the child must not keep our log file or our caller's pipes
     * open. A bare name ("outlook.exe") is searched for the usual way (lpApplicationName NULL). */
    BOOL ok = CreateProcessW(wprog, wcmd, NULL, NULL, FALSE, CREATE_DEFAULT_ERROR_MODE, NULL, NULL,
                             &si, &pi);
    free(wcmd);
    free(wprog);
    if (!ok)
        return GetLastError() == ERROR_FILE_NOT_FOUND || GetLastError() == ERROR_PATH_NOT_FOUND
                   ? PM_ERR_NOTFOUND
                   : PM_ERR_IO;
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return 0;
}

/* A held lock: the mutex, and whether it lives in the session's namespace (Local\) because the
 * machine-wide one (Global\) was refused. */
struct os_lock {
    HANDLE mutex;
    int local;
};

/* The running user's SID as text ("S-1-5-21-..."), or NULL. */
static char *os_user_sid(void)
{
    HANDLE token = NULL;
    TOKEN_USER *tu = NULL;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        tu = os_token_user(token);
        CloseHandle(token);
    }
    LPWSTR str = NULL;
    char *out = NULL;
    if (tu && ConvertSidToStringSidW(tu->User.Sid, &str)) {
        struct pm_buf b = PM_BUF_INIT;
        if (pm_utf16le_to_utf8(str, wcslen(str) * 2, &b) == 0)
            out = pm_buf_detach(&b, NULL);
        pm_buf_release(&b);
        LocalFree(str);
    }
    free(tu);
    return out;
}

static HANDLE os_mutex(const char *ns, const char *id, const char *name, DWORD *err)
{
    struct pm_buf mname = PM_BUF_INIT;
    *err = ERROR_NOT_ENOUGH_MEMORY;
    if (pm_buf_printf(&mname, "%s\\ProfileManager-%s-%s", ns, id, name) < 0) {
        pm_buf_release(&mname);
        return NULL;
    }
    /* A backslash is not allowed after the namespace prefix: one in a name becomes '_'. */
    for (size_t i = strlen(ns) + 1; i < mname.len; i++)
        if (mname.data[i] == '\\')
            mname.data[i] = '_';
    wchar_t *w = os_wide(mname.data);
    pm_buf_release(&mname);
    if (!w)
        return NULL;
    SetLastError(0);
    HANDLE m = CreateMutexW(NULL, FALSE, w);
    *err = GetLastError();
    free(w);
    return m;
}

int pm_os_lock_acquire(const char *name, int wait_seconds, void **handle)
{
    *handle = NULL;
    /* Global\ with the user's SID: one lock per user on the machine, so two sessions of one
     * user (RDS), which share one HKCU, are excluded too. Where creating global objects is
     * refused (SeCreateGlobalPrivilege), or the name is held by another user who denies us
     * access, Local\: one lock per user and session, as before; pm_os_lock_is_local() says so. */
    char *sid = os_user_sid();
    struct pm_buf user = PM_BUF_INIT;
    if (!sid && pm_os_user_name(&user) == 0)
        sid = pm_buf_detach(&user, NULL);
    pm_buf_release(&user);
    if (!sid)
        return PM_ERR_IO;
    DWORD err = 0;
    int local = 0;
    HANDLE m = os_mutex("Global", sid, name, &err);
    if (!m && err != ERROR_NOT_ENOUGH_MEMORY) {
        m = os_mutex("Local", sid, name, &err);
        local = 1;
    }
    free(sid);
    if (!m)
        return err == ERROR_NOT_ENOUGH_MEMORY ? PM_ERR_NOMEM : PM_ERR_IO;
    struct os_lock *l = malloc(sizeof(*l));
    if (!l) {
        CloseHandle(m);
        return PM_ERR_NOMEM;
    }
    l->mutex = m;
    l->local = local;
    DWORD ms = wait_seconds <= 0 ? 0 : (DWORD)wait_seconds * 1000u;
    DWORD r = WaitForSingleObject(m, ms);
    /* WAIT_ABANDONED: the previous holder died holding it and the lock is ours now. The
     * registry may hold part of its update; this run plans from what is there, as any rerun. */
    if (r == WAIT_OBJECT_0 || r == WAIT_ABANDONED) {
        *handle = l;
        return 1;
    }
    CloseHandle(m);
    free(l);
    return r == WAIT_TIMEOUT ? 0 : PM_ERR_IO;
}

int pm_os_lock_is_local(const void *handle)
{
    return handle && ((const struct os_lock *)handle)->local;
}

void pm_os_lock_release(void *handle)
{
    struct os_lock *l = handle;
    if (l) {
        ReleaseMutex(l->mutex);
        CloseHandle(l->mutex);
        free(l);
    }
}

void pm_os_sleep_ms(unsigned ms)
{
    Sleep(ms);
}

/* ---- whole files ---- */

int pm_os_write_new_file(const char *path, const void *data, size_t len)
{
    /* CREATE_NEW through pm_os_fopen_write, one unbuffered write, then _commit: the flush
     * FILE_FLAG_WRITE_THROUGH might spare is kept, as what the write-through leaves of the
     * file's metadata in the cache is not documented closely enough to rely on. */
    FILE *f = pm_os_fopen_write(path, "wbx");
    if (!f)
        return -1;
    setvbuf(f, NULL, _IONBF, 0);
    int ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && pm_os_fsync(f) == 0;
    int saved = errno;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        errno = saved ? saved : EIO;
        return -1;
    }
    return 0;
}

int pm_os_fsync(FILE *f)
{
    return _commit(_fileno(f)) == 0 ? 0 : PM_ERR_IO;
}

int pm_os_fseek64(FILE *f, uint64_t off)
{
    if (off > (uint64_t)INT64_MAX)
        return PM_ERR_INVALID;
    return _fseeki64(f, (long long)off, SEEK_SET) == 0 ? 0 : PM_ERR_IO;
}

long pm_os_pread(FILE *f, void *buf, size_t len, uint64_t off)
{
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(f));
    if (h == INVALID_HANDLE_VALUE || len > (size_t)0x7fffffff)
        return -1;
    /* One call, as on POSIX: a short read is the end of the file. */
    OVERLAPPED ov;
    memset(&ov, 0, sizeof(ov));
    ov.Offset = (DWORD)off;
    ov.OffsetHigh = (DWORD)(off >> 32);
    DWORD n = 0;
    if (!ReadFile(h, buf, (DWORD)len, &n, &ov))
        return GetLastError() == ERROR_HANDLE_EOF ? 0 : -1;
    return (long)n;
}

long long pm_os_fsize(FILE *f)
{
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(f));
    LARGE_INTEGER sz;
    if (h == INVALID_HANDLE_VALUE || !GetFileSizeEx(h, &sz))
        return -1;
    return (long long)sz.QuadPart;
}

/* ---- who else can change a file ---- */

/* SIDs whose write access is expected: the administrators, the system, the installer service,
 * CREATOR OWNER (applies to the owner), the object's owner and the running user. */
static int os_trusted_sid(PSID sid, PSID owner, PSID me)
{
    static const char *const installer = "S-1-5-80-956008885-3418522649-1831038044-1853292631-"
                                         "2271478464";
    if (IsWellKnownSid(sid, WinBuiltinAdministratorsSid) ||
        IsWellKnownSid(sid, WinLocalSystemSid) || IsWellKnownSid(sid, WinCreatorOwnerSid) ||
        (owner && EqualSid(sid, owner)) || (me && EqualSid(sid, me)))
        return 1;
    LPWSTR str = NULL;
    int ok = 0;
    if (ConvertSidToStringSidW(sid, &str)) {
        struct pm_buf u = PM_BUF_INIT;
        ok = pm_utf16le_to_utf8(str, wcslen(str) * 2, &u) == 0 && u.data &&
             !strcmp(u.data, installer);
        pm_buf_release(&u);
        LocalFree(str);
    }
    return ok;
}

/* A SID as text for the reason ("S-1-5-11" or DOMAIN\name when it resolves). */
static void os_sid_name(PSID sid, struct pm_buf *out)
{
    wchar_t name[256], dom[256];
    DWORD nl = 256, dl = 256;
    SID_NAME_USE use;
    struct pm_buf n = PM_BUF_INIT, dn = PM_BUF_INIT;
    if (LookupAccountSidW(NULL, sid, name, &nl, dom, &dl, &use) &&
        pm_utf16le_to_utf8(name, wcslen(name) * 2, &n) == 0 &&
        pm_utf16le_to_utf8(dom, wcslen(dom) * 2, &dn) == 0) {
        pm_buf_printf(out, "%s%s%s", dn.len ? dn.data : "", dn.len ? "\\" : "",
                      n.data ? n.data : "?");
    } else {
        LPWSTR str = NULL;
        if (ConvertSidToStringSidW(sid, &str)) {
            pm_utf16le_to_utf8(str, wcslen(str) * 2, out);
            LocalFree(str);
        } else {
            pm_buf_puts(out, "?");
        }
    }
    pm_buf_release(&n);
    pm_buf_release(&dn);
}

/* 1 with 'why' when an allow entry of the DACL lets an untrusted SID change the object. */
static int os_dacl_others(const char *what, const char *path, PSID owner, PACL dacl, PSID me,
                          struct pm_buf *why)
{
    const DWORD writes = FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_DELETE_CHILD | DELETE |
                         WRITE_DAC | WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL;
    if (!dacl) {
        /* A NULL DACL grants everyone everything. */
        return pm_buf_printf(why, "%s '%s' has no access list: everyone can change it", what,
                             path) < 0
                   ? PM_ERR_NOMEM
                   : 1;
    }
    int rc = 0;
    for (DWORD i = 0; rc == 0 && i < dacl->AceCount; i++) {
        ACE_HEADER *h = NULL;
        if (!GetAce(dacl, i, (void **)&h) || h->AceType != ACCESS_ALLOWED_ACE_TYPE ||
            (h->AceFlags & INHERIT_ONLY_ACE))
            continue;
        ACCESS_ALLOWED_ACE *a = (ACCESS_ALLOWED_ACE *)h;
        PSID sid = (PSID)&a->SidStart;
        if (!(a->Mask & writes) || os_trusted_sid(sid, owner, me))
            continue;
        struct pm_buf who = PM_BUF_INIT;
        os_sid_name(sid, &who);
        rc = pm_buf_printf(why, "%s '%s' can be changed by %s (access mask 0x%lx)", what, path,
                           who.data ? who.data : "?", (unsigned long)a->Mask) < 0
                 ? PM_ERR_NOMEM
                 : 1;
        pm_buf_release(&who);
    }
    return rc;
}

/* The DACL walk for an object whose owner and DACL were read (GetNamedSecurityInfoW or
 * GetSecurityInfo: 'err' is what it returned), against the running user's SID. Frees 'sd'. */
static int os_others_sd(const char *what, const char *path, DWORD err, PSECURITY_DESCRIPTOR sd,
                        PSID owner, PACL dacl, struct pm_buf *why)
{
    if (err != ERROR_SUCCESS)
        return err == ERROR_FILE_NOT_FOUND ? PM_ERR_NOTFOUND : PM_ERR_IO;
    HANDLE token = NULL;
    TOKEN_USER *tu = NULL;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        tu = os_token_user(token);
        CloseHandle(token);
    }
    int rc = os_dacl_others(what, path, owner, dacl, tu ? tu->User.Sid : NULL, why);
    free(tu);
    LocalFree(sd);
    return rc;
}

/* The same for a file or folder named by its path: an open, a query and a close on a share. */
static int os_others_one(const char *what, const char *path, struct pm_buf *why)
{
    wchar_t *w = os_wide(path);
    if (!w)
        return PM_ERR_NOMEM;
    PSID owner = NULL;
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD err = GetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                                      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                      &owner, NULL, &dacl, NULL, &sd);
    free(w);
    return os_others_sd(what, path, err, sd, owner, dacl, why);
}

int pm_os_fwritable_by_others(FILE *f, const char *path, struct pm_buf *why)
{
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(f));
    if (h == INVALID_HANDLE_VALUE)
        return PM_ERR_IO;
    /* A handle opened for reading holds READ_CONTROL (part of FILE_GENERIC_READ): the access
     * list comes with one query, without a second open. */
    PSID owner = NULL;
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD err = GetSecurityInfo(h, SE_FILE_OBJECT,
                                OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner,
                                NULL, &dacl, NULL, &sd);
    return os_others_sd("file", path, err, sd, owner, dacl, why);
}

int pm_os_file_writable_by_others(const char *path, struct pm_buf *why)
{
    return os_others_one("file", path, why);
}

int pm_os_folder_writable_by_others(const char *dir, struct pm_buf *why)
{
    return os_others_one("folder", dir, why);
}

int pm_os_file_id(const char *path, struct pm_file_id *id, int *others, struct pm_buf *why)
{
    memset(id, 0, sizeof(*id));
    wchar_t *w = os_wide(path);
    if (!w)
        return PM_ERR_NOMEM;
    WIN32_FILE_ATTRIBUTE_DATA d;
    BOOL ok = GetFileAttributesExW(w, GetFileExInfoStandard, &d);
    DWORD e = ok ? 0 : GetLastError();
    free(w);
    if (!ok)
        return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? PM_ERR_NOTFOUND : PM_ERR_IO;
    if (d.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE))
        return PM_ERR_IO;
    id->size = ((uint64_t)d.nFileSizeHigh << 32) | d.nFileSizeLow;
    id->mtime_ns = os_filetime_ns(&d.ftLastWriteTime);
    id->ctime_ns = os_filetime_ns(&d.ftCreationTime);
    if (!others)
        return 0;
    /* The access list is a second question (no call answers both on Windows). */
    int rc = os_others_one("file", path, why);
    if (rc < 0)
        return rc;
    *others = rc;
    return 0;
}

int pm_os_state_dir(struct pm_buf *out)
{
    struct pm_buf base = PM_BUF_INIT;
    int rc = os_getenv(L"LOCALAPPDATA", &base);
    if (rc != 0 || !base.len) {
        wchar_t w[MAX_PATH];
        pm_buf_reset(&base);
        rc = SUCCEEDED(SHGetFolderPathW(NULL, CSIDL_LOCAL_APPDATA, NULL, SHGFP_TYPE_CURRENT, w))
                 ? os_utf8(&base, w, -1)
                 : PM_ERR_NOTFOUND;
    }
    pm_buf_reset(out);
    if (rc == 0)
        rc = pm_path_join(out, base.data, "ProfileManager");
    pm_buf_release(&base);
    if (rc == 0)
        rc = pm_os_mkdirs(out->data);
    return rc;
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

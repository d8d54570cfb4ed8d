/* Tests of the Windows platform layer, run under Wine: paths and folders with non-ASCII names,
 * the no-replace rename and the atomic replace, a file held without sharing counts as in use, a
 * file open for reading can be opened for delete and moved aside (a new PUF published meanwhile),
 * a started program runs without being waited for and is then found by image name, the per-user
 * lock excludes a second holder and can be taken once released.
 *
 *   test-os-win32.exe FAKE_OUTLOOK_EXE */
#include "compat.h"

#include <windows.h>

#include <sddl.h>

#include <cmocka.h>

#include "pm/error.h"
#include "pm/os.h"
#include "testutil.h"

static const char *fake_outlook; /* argv[1] */

static wchar_t *wide(const char *s)
{
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_utf8_to_utf16le(s, strlen(s), 1, &b), 0);
    return (wchar_t *)pm_buf_detach(&b, NULL);
}

static void join(struct pm_buf *out, const char *a, const char *b)
{
    assert_int_equal(pm_path_join(out, a, b), 0);
}

static void test_exe_and_folders(void **state)
{
    (void)state;
    struct pm_buf exe = PM_BUF_INIT, dir = PM_BUF_INIT, home = PM_BUF_INIT, u = PM_BUF_INIT,
                  c = PM_BUF_INIT;
    assert_int_equal(pm_os_exe_path(&exe), 0);
    assert_true(pm_path_is_absolute(exe.data));
    size_t n = strlen(exe.data);
    assert_true(n > 17);
    assert_int_equal(pm_ascii_ncasecmp(exe.data + n - 17, "test-os-win32.exe", 17), 0);
    assert_int_equal(pm_os_exe_dir(&dir), 0);
    assert_true(dir.len < exe.len);
    assert_memory_equal(dir.data, exe.data, dir.len);
    assert_true(exe.data[dir.len] == '\\');

    assert_int_equal(pm_os_home_dir(&home), 0);
    wchar_t w[1024];
    DWORD wn = GetEnvironmentVariableW(L"USERPROFILE", w, 1024);
    assert_true(wn > 0 && wn < 1024);
    struct pm_buf want = PM_BUF_INIT;
    assert_int_equal(pm_utf16le_to_utf8(w, wn * 2, &want), 0);
    assert_string_equal(home.data, want.data);

    assert_int_equal(pm_os_user_name(&u), 0);
    assert_true(u.len > 0);
    assert_int_equal(pm_os_computer_name(&c), 0);
    assert_true(c.len > 0);
    assert_true(pm_os_pid() == (long)GetCurrentProcessId());
    uint64_t t0 = pm_os_monotonic_ms();
    pm_os_sleep_ms(50);
    assert_true(pm_os_monotonic_ms() >= t0 + 40);
    assert_true(pm_os_time_now() > 1700000000LL);
    pm_buf_release(&exe);
    pm_buf_release(&dir);
    pm_buf_release(&home);
    pm_buf_release(&want);
    pm_buf_release(&u);
    pm_buf_release(&c);
}

static void test_path_helpers(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    join(&b, "C:\\pm", "Logs");
    assert_string_equal(b.data, "C:\\pm\\Logs");
    join(&b, "C:\\pm\\", "Logs");
    assert_string_equal(b.data, "C:\\pm\\Logs");
    join(&b, "C:\\pm", "\\\\srv\\share\\x");
    assert_string_equal(b.data, "\\\\srv\\share\\x");
    join(&b, "C:\\pm", "D:\\y");
    assert_string_equal(b.data, "D:\\y");
    assert_int_equal(pm_path_dirname(&b, "C:\\pm\\prof.config"), 0);
    assert_string_equal(b.data, "C:\\pm");
    assert_int_equal(pm_path_dirname(&b, "C:\\prof.config"), 0);
    assert_string_equal(b.data, "C:\\");
    assert_int_equal(pm_path_dirname(&b, "\\\\srv\\share\\prof.config"), 0);
    assert_string_equal(b.data, "\\\\srv\\share");
    assert_int_equal(pm_path_dirname(&b, "prof.config"), 0);
    assert_string_equal(b.data, ".");
    assert_int_equal(pm_path_dirname(&b, "C:/pm/x"), 0);
    assert_string_equal(b.data, "C:/pm");
    assert_true(pm_path_is_absolute("\\\\srv\\share"));
    assert_true(pm_path_is_absolute("c:\\x"));
    assert_false(pm_path_is_absolute("Logs"));
    pm_buf_release(&b);
}

static void test_folders_and_files(void **state)
{
    (void)state;
    char *tmp = (char *)pmt_tempdir("os");
    struct pm_buf deep = PM_BUF_INIT, f = PM_BUF_INIT, g = PM_BUF_INIT, blocked = PM_BUF_INIT;
    /* Non-ASCII folder names must survive the UTF-8 -> UTF-16 trip. */
    join(&deep, tmp, "J\xc3\xbcrgen\\\xd0\x9b\xd0\xbe\xd0\xb3\xd0\xb8\\Logs");
    assert_int_equal(pm_os_mkdirs(deep.data), 0);
    assert_int_equal(pm_os_mkdirs(deep.data), 0); /* existing is fine */
    assert_true(pm_os_file_exists(deep.data));
    assert_int_equal(pm_os_dir_writable(deep.data), 1);
    wchar_t *wdeep = wide(deep.data);
    DWORD a = GetFileAttributesW(wdeep);
    assert_true(a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY));
    free(wdeep);

    join(&f, deep.data, "a.txt");
    assert_int_equal(pmt_write_file(f.data, "hello", 5), 0);
    assert_int_equal(pm_os_file_size(f.data), 5);
    assert_int_equal(pm_os_file_size(deep.data), -1); /* a folder is no file */
    join(&g, deep.data, "b.txt");
    assert_int_equal(pmt_write_file(g.data, "xy", 2), 0);
    /* rename never replaces ... */
    assert_true(pm_os_rename_file(f.data, g.data) < 0);
    assert_int_equal(pm_os_file_size(g.data), 2);
    /* ... replace does */
    assert_int_equal(pm_os_replace_file(f.data, g.data), 0);
    assert_false(pm_os_file_exists(f.data));
    assert_int_equal(pm_os_file_size(g.data), 5);
    assert_int_equal(pm_os_rename_file(g.data, f.data), 0);
    assert_int_equal(pm_os_file_size(f.data), 5);

    /* A file where a folder should be: mkdirs fails, and the folder is not "writable". */
    join(&blocked, f.data, "Logs");
    assert_true(pm_os_mkdirs(blocked.data) < 0);
    assert_int_equal(pm_os_dir_writable(blocked.data), 0);

    assert_int_equal(pm_os_user_can_write(f.data), 1);
    /* The read-only attribute alone does not stop the owner, who can clear it. */
    wchar_t *wf = wide(f.data);
    assert_true(SetFileAttributesW(wf, FILE_ATTRIBUTE_READONLY));
    assert_int_equal(pm_os_user_can_write(f.data), 1);
    assert_true(GetFileAttributesW(wf) & FILE_ATTRIBUTE_READONLY); /* and is left as it was */
    assert_true(SetFileAttributesW(wf, FILE_ATTRIBUTE_NORMAL));
    free(wf);
    assert_false(pm_os_file_exists(blocked.data));
    pm_buf_release(&deep);
    pm_buf_release(&f);
    pm_buf_release(&g);
    pm_buf_release(&blocked);
    free(tmp);
}

/* A file the tool only reads (the PUF, its index, the config) can be replaced meanwhile: an
 * administrator publishing a new PUF by renaming it over the old one is not refused because a
 * desktop happens to be reading it, and the reader goes on reading the old content. */
static void test_read_open_lets_a_replace_through(void **state)
{
    (void)state;
    char *tmp = (char *)pmt_tempdir("replace");
    struct pm_buf puf = PM_BUF_INIT, next = PM_BUF_INIT;
    join(&puf, tmp, "mb\xc3\xb6m.puf");
    join(&next, tmp, "mb\xc3\xb6m.puf.new");
    assert_int_equal(pmt_write_file(puf.data, "old content", 11), 0);
    assert_int_equal(pmt_write_file(next.data, "new", 3), 0);
    FILE *f = fopen(puf.data, "rb");
    assert_non_null(f);
    wchar_t *wp = wide(puf.data), *wn = wide(next.data);
    /* What a rename over the file needs of the handles open on it: delete shared. */
    HANDLE del = CreateFileW(wp, DELETE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                             NULL, OPEN_EXISTING, 0, NULL);
    if (del == INVALID_HANDLE_VALUE)
        fail_msg("the file cannot be opened for delete while it is read: error %lu",
                 GetLastError());
    CloseHandle(del);
    /* Publishing by moving the old file aside and the new one in. (Renaming the new one straight
     * over it is what Windows then allows too; Wine refuses to replace any open file, so that
     * step is not tested here.) */
    struct pm_buf aside = PM_BUF_INIT;
    join(&aside, tmp, "mb\xc3\xb6m.puf.old");
    wchar_t *wa = wide(aside.data);
    if (!MoveFileExW(wp, wa, 0))
        fail_msg("the file cannot be moved aside while it is read: error %lu", GetLastError());
    assert_true(MoveFileExW(wn, wp, 0));
    char got[32] = {0};
    assert_int_equal(fread(got, 1, sizeof(got) - 1, f), 11);
    assert_string_equal(got, "old content");
    fclose(f);
    assert_int_equal(pm_os_file_size(puf.data), 3);
    free(wa);
    pm_buf_release(&aside);
    /* Missing: NULL, as before. */
    assert_null(fopen(next.data, "rb"));
    free(wp);
    free(wn);
    pm_buf_release(&puf);
    pm_buf_release(&next);
    free(tmp);
}

static void test_file_in_use(void **state)
{
    (void)state;
    char *tmp = (char *)pmt_tempdir("inuse");
    struct pm_buf ost = PM_BUF_INIT;
    join(&ost, tmp, "j\xc3\xbcrgen@example.com.ost");
    assert_int_equal(pm_os_file_in_use(ost.data), 0); /* missing: not in use */
    assert_int_equal(pmt_write_file(ost.data, "!BDN", 4), 0);
    assert_int_equal(pm_os_file_in_use(ost.data), 0);
    wchar_t *w = wide(ost.data);
    HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    assert_int_equal(pm_os_file_in_use(ost.data), 1);
    CloseHandle(h);
    assert_int_equal(pm_os_file_in_use(ost.data), 0);
    free(w);
    pm_buf_release(&ost);
    free(tmp);
}

/* Waits up to ms for a file to appear. */
static int wait_file(const char *path, int ms)
{
    for (int t = 0; t < ms; t += 50) {
        if (pm_os_file_exists(path))
            return 1;
        Sleep(50);
    }
    return 0;
}

static void test_start_and_find_process(void **state)
{
    (void)state;
    if (!fake_outlook)
        skip();
    char *tmp = (char *)pmt_tempdir("proc");
    struct pm_buf dir = PM_BUF_INIT, exe = PM_BUF_INIT, ready = PM_BUF_INIT, stop = PM_BUF_INIT,
                  ost = PM_BUF_INIT, args = PM_BUF_INIT;
    /* A folder with a space: the program path must be quoted. */
    join(&dir, tmp, "Microsoft Office");
    assert_int_equal(pm_os_mkdirs(dir.data), 0);
    join(&exe, dir.data, "OUTLOOK.EXE");
    wchar_t *wsrc = wide(fake_outlook), *wdst = wide(exe.data);
    assert_true(CopyFileW(wsrc, wdst, FALSE));
    free(wsrc);
    free(wdst);
    join(&ready, tmp, "ready");
    join(&stop, tmp, "stop");
    join(&ost, tmp, "held.ost");
    pm_buf_printf(&args, "--hold \"%s\" --ready \"%s\" --until \"%s\" --max 60", ost.data,
                  ready.data, stop.data);

    const char *names[] = {"lync.exe", "outlook.exe", "UcMapi.exe"};
    struct pm_strlist found = PM_STRLIST_INIT;
    assert_int_equal(pm_os_find_processes(names, 3, &found), 0);
    assert_int_equal(found.n, 0);

    uint64_t t0 = pm_os_monotonic_ms();
    assert_int_equal(pm_os_start_program(exe.data, args.data), 0);
    /* not waited for: it runs up to 60 s, the start returns at once */
    assert_true(pm_os_monotonic_ms() - t0 < 5000);
    assert_true(wait_file(ready.data, 20000));
    assert_int_equal(pm_os_find_processes(names, 3, &found), 1);
    assert_int_equal(found.n, 1);
    assert_string_equal(found.items[0], "outlook.exe");
    assert_int_equal(pm_os_file_in_use(ost.data), 1); /* held by another process */

    assert_int_equal(pmt_write_file(stop.data, "", 0), 0);
    int gone = 0;
    for (int t = 0; t < 200 && !gone; t++) {
        pm_strlist_release(&found);
        gone = pm_os_find_processes(names, 3, &found) == 0;
        if (!gone)
            Sleep(100);
    }
    assert_true(gone);
    assert_int_equal(pm_os_file_in_use(ost.data), 0);

    struct pm_buf missing = PM_BUF_INIT;
    join(&missing, tmp, "no-such-program.exe");
    assert_true(pm_os_start_program(missing.data, NULL) < 0);
    pm_strlist_release(&found);
    pm_buf_release(&missing);
    pm_buf_release(&dir);
    pm_buf_release(&exe);
    pm_buf_release(&ready);
    pm_buf_release(&stop);
    pm_buf_release(&ost);
    pm_buf_release(&args);
    free(tmp);
}

struct lock_try {
    int wait;
    int result;
    void *handle;
};

/* Mutex ownership is per thread: another thread stands in for a second run. */
static DWORD WINAPI lock_thread(LPVOID p)
{
    struct lock_try *t = p;
    t->result = pm_os_lock_acquire("test", t->wait, &t->handle);
    if (t->result == 1)
        pm_os_lock_release(t->handle);
    return 0;
}

static int try_in_thread(int wait)
{
    struct lock_try t = {wait, -100, NULL};
    HANDLE th = CreateThread(NULL, 0, lock_thread, &t, 0, NULL);
    assert_non_null(th);
    WaitForSingleObject(th, 30000);
    CloseHandle(th);
    return t.result;
}

static void test_single_instance_lock(void **state)
{
    (void)state;
    void *h = NULL;
    assert_int_equal(pm_os_lock_acquire("test", 0, &h), 1);
    assert_non_null(h);
    uint64_t t0 = pm_os_monotonic_ms();
    assert_int_equal(try_in_thread(1), 0); /* held: gives up after the wait */
    uint64_t waited = pm_os_monotonic_ms() - t0;
    assert_true(waited >= 900 && waited < 10000);
    /* another name is another lock */
    void *other = NULL;
    assert_int_equal(pm_os_lock_acquire("other", 0, &other), 1);
    pm_os_lock_release(other);
    pm_os_lock_release(h);
    assert_int_equal(try_in_thread(0), 1);
}

/* The lock is machine-wide for the user: a mutex in the Global namespace named after the user's
 * SID, so a run in another session of the same user (RDS) waits for it too. */
static void test_lock_is_global_per_sid(void **state)
{
    (void)state;
    HANDLE token = NULL;
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
    DWORD size = 0;
    GetTokenInformation(token, TokenUser, NULL, 0, &size);
    TOKEN_USER *tu = malloc(size);
    assert_non_null(tu);
    assert_true(GetTokenInformation(token, TokenUser, tu, size, &size));
    CloseHandle(token);
    LPWSTR sid = NULL;
    assert_true(ConvertSidToStringSidW(tu->User.Sid, &sid));
    wchar_t name[512];
    _snwprintf(name, 512, L"Global\\ProfileManager-%ls-globaltest", sid);
    name[511] = 0;
    LocalFree(sid);
    free(tu);

    assert_null(OpenMutexW(SYNCHRONIZE, FALSE, name));
    void *h = NULL;
    assert_int_equal(pm_os_lock_acquire("globaltest", 0, &h), 1);
    assert_int_equal(pm_os_lock_is_local(h), 0);
    HANDLE m = OpenMutexW(SYNCHRONIZE, FALSE, name);
    assert_non_null(m);
    CloseHandle(m);
    pm_os_lock_release(h);
    assert_null(OpenMutexW(SYNCHRONIZE, FALSE, name));
}

int main(int argc, char **argv)
{
    fake_outlook = argc > 1 ? argv[1] : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exe_and_folders),
        cmocka_unit_test(test_path_helpers),
        cmocka_unit_test(test_folders_and_files),
        cmocka_unit_test(test_file_in_use),
        cmocka_unit_test(test_read_open_lets_a_replace_through),
        cmocka_unit_test(test_start_and_find_process),
        cmocka_unit_test(test_single_instance_lock),
        cmocka_unit_test(test_lock_is_global_per_sid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

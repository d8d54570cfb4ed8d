/* Entry point of ProfileManager.exe: Windows hands the command line over in UTF-16 (wmain, linked
 * with -municode); the tool works in UTF-8, so the arguments are converted once here. Around the
 * run it does what Windows expects of a tool: one Application event per run (source
 * ProfileManager, event id = exit code, text from the message table in src/cli/win/messages.mc)
 * and, when started on a console of its own (a double-click in Explorer), a key press before that
 * console closes so the user can read what it said. */
#if defined(_WIN32)
#include "cli.h"

#include <windows.h>

#include <conio.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

/* One event per run in the Application log. The source is registered by the MSI
 * (packaging/ProfileManager.wxs); without that, Windows still records the event, with a note that
 * the description is missing. Help and --version runs write none: they touch nothing. */
static void report_event(int argc, wchar_t **wargv, int rc)
{
    HANDLE src = RegisterEventSourceW(NULL, L"ProfileManager");
    if (!src)
        return;
    wchar_t text[512];
    const wchar_t *cmd =
        argc > 1 && wargv[1][0] != L'-' && wargv[1][0] != L'/' ? wargv[1] : L"update";
    _snwprintf(text, sizeof(text) / sizeof(text[0]) - 1, L"command %ls, exit code %d", cmd, rc);
    text[sizeof(text) / sizeof(text[0]) - 1] = 0;
    const wchar_t *strings[] = {text};
    WORD type = rc == 0              ? EVENTLOG_INFORMATION_TYPE
                : rc == 5 || rc == 7 ? EVENTLOG_WARNING_TYPE
                                     : EVENTLOG_ERROR_TYPE;
    ReportEventW(src, type, 0, (DWORD)rc, NULL, 1, 0, strings, NULL);
    DeregisterEventSource(src);
}

/* A console with this process alone on it was made for it: Explorer started it (double-click).
 * Started from cmd.exe, PowerShell or a script, the console has the caller on it too. Waits only
 * when there is something to read (an error, or the help or version asked for) and the console
 * is really there for input and output: a successful run from a rewritten Outlook shortcut must
 * close at once, and redirected runs never wait. */
static void pause_if_own_console(int rc, int info)
{
    DWORD pids[2];
    DWORD mode;
    if (rc == 0 && !info)
        return;
    if (GetConsoleProcessList(pids, 2) != 1)
        return;
    if (!GetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), &mode) ||
        !GetConsoleMode(GetStdHandle(STD_ERROR_HANDLE), &mode))
        return;
    fputs("\nPress any key to close this window.\n", stderr);
    (void)_getch();
}

int wmain(int argc, wchar_t **wargv)
{
    char **argv = calloc((size_t)argc + 1, sizeof(*argv));
    if (!argv)
        return PM_EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        struct pm_buf b = PM_BUF_INIT;
        if (pm_utf16le_to_utf8(wargv[i], wcslen(wargv[i]) * 2, &b) < 0 || pm_buf_puts(&b, "") < 0) {
            fputs("profilemanager: out of memory\n", stderr);
            return PM_EXIT_USAGE;
        }
        argv[i] = pm_buf_detach(&b, NULL);
    }
    /* Messages carry user and path names: show them as UTF-8 on the console, and give the
     * console its code page back afterwards since it belongs to the caller. */
    UINT old_cp = GetConsoleOutputCP();
    if (old_cp)
        SetConsoleOutputCP(CP_UTF8);
    char *argv0 = argv[0];
    int info = pm_cli_is_info(argc, argv);
    int rc = pm_cli_main(argc, argv);
    if (!info)
        report_event(argc, wargv, rc);
    fflush(stdout);
    pause_if_own_console(rc, info);
    if (old_cp)
        SetConsoleOutputCP(old_cp);
    /* pm_cli_main may have replaced argv[0] with a literal: free the one we made. */
    free(argv0);
    for (int i = 1; i < argc; i++)
        free(argv[i]);
    free(argv);
    return rc;
}
#else
/* Built only into the Windows tool; main.c holds the POSIX entry point. */
typedef int pm_main_win32_unused;
#endif

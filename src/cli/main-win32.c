/* Entry point of ProfileManager.exe: Windows hands the command line over in UTF-16 (wmain, linked
 * with -municode); the tool works in UTF-8, so the arguments are converted once here. */
#if defined(_WIN32)
#include "cli.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

int wmain(int argc, wchar_t **wargv)
{
    char **argv = calloc((size_t)argc + 1, sizeof(*argv));
    if (!argv)
        return PM_EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        struct pm_buf b = PM_BUF_INIT;
        if (pm_utf16le_to_utf8(wargv[i], wcslen(wargv[i]) * 2, &b) < 0 ||
            pm_buf_puts(&b, "") < 0) {
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
    int rc = pm_cli_main(argc, argv);
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

/* The RunAfter program of the Wine suites: proves it was started, and with which arguments, by
 * writing them to a marker file (the first argument), one per line, then exits at once. The
 * arguments are taken the way Windows programs split their command line, CommandLineToArgvW,
 * and written in UTF-8, so a suite can compare quotes, backslashes and non-ASCII text exactly.
 *
 *   marker.exe MARKERFILE [ARGS...] */
#include <windows.h>

#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>

static char *utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) <= 0) {
        free(s);
        s = NULL;
    }
    return s;
}

int main(void)
{
    int argc = 0;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (!argv || argc < 2)
        return 2;
    FILE *f = _wfopen(argv[1], L"wb");
    if (!f)
        return 1;
    fprintf(f, "started\r\n");
    for (int i = 2; i < argc; i++) {
        char *a = utf8(argv[i]);
        fprintf(f, "arg=%s\r\n", a ? a : "?");
        free(a);
    }
    LocalFree(argv);
    return fclose(f) == 0 ? 0 : 1;
}

/* A stand-in for OUTLOOK.EXE in the Wine suites: built as OUTLOOK.exe, it is a process of the
 * same user and session with Outlook's image name and, like Outlook with cached mode, can hold
 * a file (the OST) open with no sharing. It runs until a stop file appears or a time limit.
 *
 *   OUTLOOK.exe [--hold FILE] [--ready FILE] [--until FILE] [--max SECONDS]
 *
 * --ready is created once the process is up and holds its file, so a suite need not guess. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *hold = NULL, *ready = NULL, *until = NULL;
    int max = 120;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--hold"))
            hold = argv[i + 1];
        else if (!strcmp(argv[i], "--ready"))
            ready = argv[i + 1];
        else if (!strcmp(argv[i], "--until"))
            until = argv[i + 1];
        else if (!strcmp(argv[i], "--max"))
            max = atoi(argv[i + 1]);
    }
    HANDLE h = INVALID_HANDLE_VALUE;
    if (hold) {
        h = CreateFileA(hold, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_ALWAYS,
                        FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE) {
            fprintf(stderr, "fake OUTLOOK: cannot hold %s (%lu)\n", hold, GetLastError());
            return 2;
        }
    }
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f)
            fclose(f);
    }
    for (int t = 0; t < max * 10; t++) {
        if (until && GetFileAttributesA(until) != INVALID_FILE_ATTRIBUTES)
            break;
        Sleep(100);
    }
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    return 0;
}

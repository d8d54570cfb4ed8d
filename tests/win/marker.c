/* The RunAfter program of the Wine suites: proves it was started, and with which arguments, by
 * writing them to a marker file (the first argument), one per line, then exits at once.
 *
 *   marker.exe MARKERFILE [ARGS...] */
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    FILE *f = fopen(argv[1], "w");
    if (!f)
        return 1;
    fprintf(f, "started\n");
    for (int i = 2; i < argc; i++)
        fprintf(f, "arg=%s\n", argv[i]);
    return fclose(f) == 0 ? 0 : 1;
}

/* puf-bench: the helper of bench/puf-bench.sh. It writes large synthetic PUFs and, for runs that
 * do not go through the command line, asks libpm directly.
 *
 *   puf-bench gen N OUT [EXTRA]     N synthetic lines like a real migration's, with the lines of
 *                                   the PUF EXTRA (a fixture's mailboxes) in the middle
 *   puf-bench lookup [--no-index] PUF DN...
 *                                   resolves the DNs and prints the answers, the statistics and
 *                                   the time pm_puf_resolve took
 *   puf-bench run CMD ARG...        runs a command with its output discarded and prints, from
 *                                   outside it, its wall time, CPU time and peak RSS (wait4)
 * The figures the benchmark reports for a run are measured from outside the measured process. */
#include "compat.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pm/puf.h"

static int gen(unsigned long n, const char *out, const char *extra)
{
    FILE *f = fopen(out, "wb");
    if (!f) {
        perror(out);
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof(buf));
    fputs("# fields: source|target|smtp|display|server|serverdn\r\n", f);
    for (unsigned long i = 0; i < n; i++) {
        if (i == n / 2 && extra) {
            FILE *x = fopen(extra, "rb");
            char line[PM_PUF_MAX_LINE + 2];
            while (x && fgets(line, sizeof(line), x))
                if (line[0] != '#')
                    fputs(line, f);
            if (x)
                fclose(x);
            fputs("\r\n", f);
        }
        /* A realistic line: the hex-suffixed recipient names Exchange 2010+ generates. */
        unsigned long h = (i * 2654435761u) & 0xffffffffu;
        fprintf(f,
                "/o=Fabrikam/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/"
                "cn=%08lx-user%lu|/o=Contoso/ou=Exchange Administrative Group "
                "(FYDIBOHF23SPDLT)/cn=Recipients/cn=%08lx%08lx-user%lu|user%lu@contoso.com|"
                "User %lu|%08lx-%04lx-4c3b-9a55-1234567890ab@contoso.com|\r\n",
                h, i, h ^ 0x5bd1e995u, i * 31u, i, i, i, h, i & 0xffff);
    }
    if (fclose(f) != 0) {
        perror(out);
        return 1;
    }
    return 0;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* wait4() is BSD/Linux; the benchmark runs on the Linux build host. */
pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru);

static int run(char **argv)
{
    double t0 = now_us();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 1;
    }
    double wall = now_us() - t0;
    printf("wall_us=%.0f user_us=%ld sys_us=%ld maxrss_kb=%ld exit=%d\n", wall,
           (long)ru.ru_utime.tv_sec * 1000000L + (long)ru.ru_utime.tv_usec,
           (long)ru.ru_stime.tv_sec * 1000000L + (long)ru.ru_stime.tv_usec, ru.ru_maxrss,
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}

static const char *names[] = {"none", "source", "target", "conflict"};

static int lookup(int argc, char **argv)
{
    unsigned flags = 0;
    int i = 0;
    if (i < argc && strcmp(argv[i], "--no-index") == 0) {
        flags |= PM_PUF_NO_INDEX;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "puf-bench lookup: no PUF given\n");
        return 2;
    }
    const char *puf = argv[i++];
    size_t nq = (size_t)(argc - i);
    struct pm_puf_query *q = calloc(nq ? nq : 1, sizeof(*q));
    if (!q)
        return 1;
    for (size_t k = 0; k < nq; k++)
        q[k].dn = argv[i + (int)k];
    struct pm_puf_stats st;
    struct pm_error err;
    double t0 = now_us();
    int rc = pm_puf_resolve(puf, q, nq, flags, &st, NULL, NULL, &err);
    double took = now_us() - t0;
    if (rc < 0) {
        char msg[2048];
        fprintf(stderr, "puf-bench: %s\n", pm_error_format(&err, msg, sizeof(msg)));
        free(q);
        return 1;
    }
    for (size_t k = 0; k < nq; k++)
        printf("%s -> %s%s%s\n", q[k].dn, names[q[k].match], q[k].match ? " " : "",
               q[k].match ? q[k].entry.target_dn : "");
    printf("resolve_us=%.0f bytes_read=%llu used_index=%d malformed=%llu note=%s\n", took,
           (unsigned long long)st.bytes_read, st.used_index, (unsigned long long)st.malformed,
           st.index_note);
    pm_puf_queries_release(q, nq);
    free(q);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "gen") == 0)
        return gen(strtoul(argv[2], NULL, 10), argv[3], argc > 4 ? argv[4] : NULL);
    if (argc >= 3 && strcmp(argv[1], "lookup") == 0)
        return lookup(argc - 2, argv + 2);
    if (argc >= 3 && strcmp(argv[1], "run") == 0)
        return run(argv + 2);
    fprintf(stderr, "usage: puf-bench gen N OUT [EXTRA]\n"
                    "       puf-bench lookup [--no-index] PUF DN...\n"
                    "       puf-bench run CMD ARG...\n");
    return 2;
}

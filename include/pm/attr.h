/* Compiler annotations and format strings libpm and its tools share: the printf checking
 * attribute (mingw's "printf" means the MS runtime's, libpm formats with C99's through
 * __USE_MINGW_ANSI_STDIO) and the conversions for 64-bit counts and sizes, defined once so no
 * file spells out a platform's printf dialect. */
#ifndef PM_ATTR_H
#define PM_ATTR_H

#ifndef PM_PRINTF_ARCHETYPE
#if defined(__MINGW32__)
#define PM_PRINTF_ARCHETYPE gnu_printf
#else
#define PM_PRINTF_ARCHETYPE printf
#endif
#endif

/* PM_PRINTF(f, a): argument f is a printf format, its arguments start at a. */
#if defined(__GNUC__)
#define PM_PRINTF(f, a) __attribute__((format(PM_PRINTF_ARCHETYPE, f, a)))
#else
#define PM_PRINTF(f, a)
#endif

/* 64-bit integers in printf: PM_PRIu64 with a PM_U64() argument, PM_PRId64 with PM_I64().
 * C99's ll conversions, which both C libraries in use accept (mingw with ANSI stdio). */
#define PM_PRIu64 "llu"
#define PM_PRId64 "lld"
#define PM_U64(x) ((unsigned long long)(x))
#define PM_I64(x) ((long long)(x))

#endif

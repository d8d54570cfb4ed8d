/* First include of every libpm source file: feature macros and the few portability shims the
 * library needs, so ordinary code tests features (PM_HAVE_HIVEX), never operating systems. */
#ifndef PM_COMPAT_H
#define PM_COMPAT_H

#if !defined(_WIN32)
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif
#else
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN 1
#endif
#ifndef UNICODE
#define UNICODE 1
#define _UNICODE 1
#endif
#define __USE_MINGW_ANSI_STDIO 1
#endif

#include "pm/error.h"
#include "pm/util.h"
#include "pm/value.h"

#if defined(_WIN32)
#define PM_PATH_SEP '\\'
#define PM_PATH_SEP_STR "\\"
#else
#define PM_PATH_SEP '/'
#define PM_PATH_SEP_STR "/"
#endif

#if defined(_WIN32)
/* The C runtime's file functions take ANSI paths on Windows; libpm's paths are UTF-8. These
 * route them through the wide API (compat-win32.c), so a user folder like C:\Users\Zoë works. */
#include <stdio.h>
#include <sys/stat.h>
FILE *pm_win_fopen(const char *path, const char *mode);
int pm_win_remove(const char *path);
int pm_win_stat(const char *path, struct stat *sb);
#define fopen(p, m) pm_win_fopen(p, m)
#define remove(p) pm_win_remove(p)
#define stat(p, sb) pm_win_stat(p, sb)
#endif

#define PM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

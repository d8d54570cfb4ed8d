/* Windows shortcut files (.lnk, the Shell Link Binary File Format of [MS-SHLLINK]): a bounded
 * reader that tells what a shortcut starts (so `shortcut list` works on any system and the tests
 * can check what was written), and a writer for the few fields a rewritten Outlook shortcut needs
 * when the shell's own IShellLinkW is not available (offline rewrites on other systems).
 * Strings are UTF-8 inside; the file's UTF-16LE or ANSI strings are converted at the edge (ANSI
 * bytes are taken as Windows-1252's ASCII subset; anything else becomes U+FFFD). */
#ifndef PM_LNK_H
#define PM_LNK_H

#include <stddef.h>
#include <stdint.h>

#include "pm/error.h"
#include "pm/util.h"

/* Ceilings: a shortcut is a few hundred bytes to a few KB; anything past these is refused. */
#define PM_LNK_MAX_SIZE ((size_t)1 << 20) /* whole file */
#define PM_LNK_MAX_CHARS 32767            /* one StringData string, in characters */
#define PM_LNK_MAX_IDLIST_ITEMS 64        /* shell items in the LinkTargetIDList */

/* LinkFlags bits ([MS-SHLLINK] 2.1.1) the reader and writer care about. */
#define PM_LNK_HAS_IDLIST 0x00000001u
#define PM_LNK_HAS_LINKINFO 0x00000002u
#define PM_LNK_HAS_NAME 0x00000004u
#define PM_LNK_HAS_RELPATH 0x00000008u
#define PM_LNK_HAS_WORKDIR 0x00000010u
#define PM_LNK_HAS_ARGS 0x00000020u
#define PM_LNK_HAS_ICON 0x00000040u
#define PM_LNK_IS_UNICODE 0x00000080u
#define PM_LNK_HAS_EXPSTRING 0x00000200u
#define PM_LNK_HAS_DARWINID 0x00001000u
#define PM_LNK_HAS_EXPICON 0x00004000u

/* ShowCommand values. */
#define PM_LNK_SHOW_NORMAL 1u
#define PM_LNK_SHOW_MAXIMIZED 3u
#define PM_LNK_SHOW_MINNOACTIVE 7u

struct pm_lnk {
    uint32_t flags;           /* LinkFlags as read (or as written) */
    uint32_t file_attributes; /* of the target when the link was made */
    uint32_t show_command;    /* PM_LNK_SHOW_*; other values read as normal by Windows */
    int32_t icon_index;
    uint16_t hotkey;
    /* Owned UTF-8 strings, NULL when absent. */
    char *target;        /* the path the shortcut starts, best source first (see pm_lnk_parse) */
    char *name;          /* NAME_STRING: the description (tool tip) */
    char *relative_path; /* RELATIVE_PATH */
    char *working_dir;   /* WORKING_DIR */
    char *arguments;     /* COMMAND_LINE_ARGUMENTS */
    char *icon_location; /* ICON_LOCATION (may hold %VARS%) */
    char *env_target;    /* EnvironmentVariableDataBlock: target with %VARS% unexpanded */
    char *darwin_id;     /* DarwinDataBlock: an advertised (Windows Installer) shortcut */
};

void pm_lnk_init(struct pm_lnk *l);
void pm_lnk_release(struct pm_lnk *l);

/* Parses a shortcut held in memory; never reads past data[len). 'where' names it in errors.
 * The target is taken from, in order: LinkInfo's local path (Unicode form when present), its
 * network path (share name + suffix), the EnvironmentVariableDataBlock, and the
 * LinkTargetIDList's file-system items (8.3 names when that is all the item holds). A shortcut
 * with none of them parses with target NULL (an advertised shortcut, a control-panel item).
 * Returns 0, or PM_ERR_PARSE (not a shell link, or a structure runs past its container: the
 * message gives the byte offset), PM_ERR_LIMIT (past a ceiling above), PM_ERR_NOMEM. On error
 * 'out' holds nothing to release. */
int pm_lnk_parse(struct pm_lnk *out, const void *data, size_t len, const char *where,
                 struct pm_error *err);

/* Reads and parses a file (PM_ERR_IO when it cannot be read). */
int pm_lnk_read_file(struct pm_lnk *out, const char *path, struct pm_error *err);

/* Serialises a shortcut to 'out' (appended): header with show_command, icon_index, hotkey and
 * file_attributes; a LinkInfo holding 'target' as its local path (or, for a \\server\share path,
 * as its network path); then the Unicode strings name, working_dir, arguments and icon_location
 * that are set. No IDList, relative path or extra data is written: Windows resolves such a link by
 * its LinkInfo path. 'target' is required (PM_ERR_INVALID); PM_ERR_LIMIT when a string is longer
 * than PM_LNK_MAX_CHARS. */
int pm_lnk_write(const struct pm_lnk *l, struct pm_buf *out, struct pm_error *err);

/* The last path component of a Windows or POSIX path ("C:\\x\\OUTLOOK.EXE" -> "OUTLOOK.EXE"). */
const char *pm_lnk_basename(const char *path);

#endif

/* "restore X.outside.reg": puts back the settings outside the profile that an update removed
 * (AutodiscoverAction=clean, IdentityAction=remove) from the backup it wrote beside the profile
 * backup. The library checks that the file names only the places a clean removes from and
 * refuses to overwrite a value set again since, unless --force. */
#include "cli.h"

#include "pm/os.h"
#include "pm/outside.h"
#include "pm/pm.h"

#include <stdio.h>
#include <string.h>

int cli_is_outside_backup(const char *path)
{
    static const char sfx[] = ".outside.reg";
    size_t n = strlen(path), k = sizeof(sfx) - 1;
    return n > k && !pm_ascii_ncasecmp(path + n - k, sfx, k);
}

int cmd_restore_outside(const char *backup, const char *store_spec, int dry_run, int force)
{
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_buf text = PM_BUF_INIT;
    struct pm_store *st = NULL;
    size_t n = 0;
    int code = PM_EXIT_OK;
    if (pm_file_read(backup, 0, &text, &err) < 0) {
        cli_print_error(&err);
        pm_buf_release(&text);
        return PM_EXIT_USAGE;
    }
    /* A dry run restores into an empty store: the file is checked, the store is not touched. */
    int rc = pm_store_open(&st, dry_run ? "mem:" : store_spec, 0, &err);
    if (rc == 0)
        rc = pm_outside_restore(st, text.data, text.len, backup, force, &n, &err);
    if (rc < 0) {
        cli_print_error(&err);
        code = rc == PM_ERR_PARSE            ? PM_EXIT_USAGE
               : rc == PM_ERR_BUSY           ? PM_EXIT_ROLLED_BACK
               : !st && rc == PM_ERR_INVALID ? PM_EXIT_USAGE
                                             : PM_EXIT_STORE;
        if (rc == PM_ERR_BUSY)
            cli_error("nothing restored; --force overwrites the values set since the backup");
    } else if (dry_run)
        printf("dry run: the backup holds %zu setting(s) outside the profile; nothing written\n",
               n);
    else if (n == 0)
        printf("nothing to do: every setting in the backup matches the store\n");
    else
        printf("restored %zu setting(s) outside the profile from '%s'\n", n, backup);
    pm_store_close(st);
    pm_buf_release(&text);
    return code;
}

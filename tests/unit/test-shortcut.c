/* Tests of the shortcut state machine with the lnk.c ops on real folders: which shortcuts are
 * found and in which state, apply (original kept byte for byte, Outlook's icon, idempotent),
 * restore (the very bytes back, a deleted shortcut recreated), a re-created Office shortcut, a
 * moved tool, and a failing rewrite that must leave the shortcut as it was. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pm/lnk.h"
#include "pm/os.h"
#include "pm/shortcut.h"
#include "testutil.h"

#define OUTLOOK "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"
#define TOOL "\\\\fs01\\netlogon\\ProfileManager.exe"

/* Removes a test folder and everything in it (the tests leave nothing behind in /tmp). */
static void rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char sub[2048];
            snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
            rmtree(sub);
        }
        closedir(d);
    }
    remove(path);
}

static char *path_of(const char *dir, const char *name)
{
    static char buf[8][1024];
    static int i;
    i = (i + 1) % 8;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
    return buf[i];
}

static void write_link(const char *path, const char *target, const char *args, const char *icon)
{
    struct pm_lnk l;
    pm_lnk_init(&l);
    l.target = (char *)target;
    l.arguments = (char *)args;
    l.icon_location = (char *)icon;
    l.working_dir = "C:\\Users\\jdoe\\Documents";
    l.show_command = PM_LNK_SHOW_MAXIMIZED;
    struct pm_buf b = PM_BUF_INIT;
    struct pm_error err;
    assert_int_equal(pm_lnk_write(&l, &b, &err), 0);
    assert_int_equal(pmt_write_file(path, b.data, b.len), 0);
    pm_buf_release(&b);
}

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *da = pmt_read_file(a, &la), *db = pmt_read_file(b, &lb);
    int same = da && db && la == lb && !memcmp(da, db, la);
    free(da);
    free(db);
    return same;
}

struct fixture {
    char root[512], desk[600], menu[600], keep[600];
};

/* Desktop with Outlook and Notepad shortcuts, a nested Start Menu folder with an Outlook
 * shortcut that has its own icon, and copies of the originals outside the searched folders. */
static int setup(void **state)
{
    static struct fixture f;
    /* pmt_tempdir's string is heap memory it never frees: copy it and free it here. */
    char *root = (char *)pmt_tempdir("shortcut");
    snprintf(f.root, sizeof(f.root), "%s", root);
    free(root);
    snprintf(f.desk, sizeof(f.desk), "%s/Desktop", f.root);
    snprintf(f.menu, sizeof(f.menu), "%s/Start Menu/Programs/Microsoft Office", f.root);
    snprintf(f.keep, sizeof(f.keep), "%s/keep", f.root);
    assert_int_equal(pm_os_mkdirs(f.desk), 0);
    assert_int_equal(pm_os_mkdirs(f.menu), 0);
    assert_int_equal(pm_os_mkdirs(f.keep), 0);
    write_link(path_of(f.desk, "Outlook.lnk"), OUTLOOK, "/recycle", NULL);
    write_link(path_of(f.desk, "Notepad.lnk"), "C:\\Windows\\notepad.exe", NULL, NULL);
    write_link(path_of(f.menu, "Outlook 2016.LNK"), OUTLOOK, NULL,
               "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTICON.EXE");
    assert_int_equal(pmt_write_file(path_of(f.desk, "notes.txt"), "x", 1), 0);
    write_link(path_of(f.keep, "desk.lnk"), OUTLOOK, "/recycle", NULL);
    write_link(path_of(f.keep, "menu.lnk"), OUTLOOK, NULL,
               "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTICON.EXE");
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rmtree(f->root);
    return 0;
}

static int scan(struct fixture *f, struct pm_shortcut_list *l, const char *tool)
{
    const char *dirs[] = {f->desk, path_of(f->root, "Start Menu"), path_of(f->root, "nowhere")};
    struct pm_error err;
    pm_shortcut_list_release(l);
    int n = pm_shortcut_scan(pm_shortcut_ops_lnk(), dirs, 3, tool, l, NULL, NULL, &err);
    assert_true(n >= 0);
    return n;
}

static const struct pm_shortcut *find(const struct pm_shortcut_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(pm_lnk_basename(l->items[i].path), name))
            return &l->items[i];
    return NULL;
}

static void test_scan_finds_outlook_shortcuts_only(void **state)
{
    struct fixture *f = *state;
    struct pm_shortcut_list l = PM_SHORTCUT_LIST_INIT;
    assert_int_equal(scan(f, &l, TOOL), 2);
    assert_non_null(find(&l, "Outlook.lnk"));
    assert_int_equal(find(&l, "Outlook.lnk")->state, PM_SHORTCUT_OUTLOOK);
    assert_non_null(find(&l, "Outlook 2016.LNK"));
    assert_null(find(&l, "Notepad.lnk"));
    assert_null(find(&l, "Outlook.lnk")->backup);
    pm_shortcut_list_release(&l);
}

static void test_apply_restore_cycle(void **state)
{
    struct fixture *f = *state;
    struct pm_shortcut_list l = PM_SHORTCUT_LIST_INIT;
    struct pm_shortcut_counts c;
    struct pm_error err;
    char desk[1100], menu[1100];
    snprintf(desk, sizeof(desk), "%s/Outlook.lnk", f->desk);
    snprintf(menu, sizeof(menu), "%s/Outlook 2016.LNK", f->menu);
    scan(f, &l, TOOL);
    assert_int_equal(pm_shortcut_apply(pm_shortcut_ops_lnk(), &l, TOOL, &c, NULL, NULL, &err), 0);
    assert_int_equal(c.changed, 2);
    assert_int_equal(c.failed, 0);

    /* The rewritten shortcut starts the tool with everything else kept, and Outlook's icon. */
    struct pm_lnk r;
    assert_int_equal(pm_lnk_read_file(&r, desk, &err), 0);
    assert_string_equal(r.target, TOOL);
    assert_string_equal(r.arguments, "/recycle");
    assert_string_equal(r.working_dir, "C:\\Users\\jdoe\\Documents");
    assert_int_equal(r.show_command, PM_LNK_SHOW_MAXIMIZED);
    assert_string_equal(r.icon_location, OUTLOOK);
    assert_int_equal(r.icon_index, 0);
    pm_lnk_release(&r);
    assert_int_equal(pm_lnk_read_file(&r, menu, &err), 0);
    assert_non_null(strstr(r.icon_location, "OUTICON.EXE")); /* its own icon stays */
    pm_lnk_release(&r);

    /* Originals kept byte for byte beside the shortcuts. */
    assert_true(same_file(path_of(f->desk, "Outlook.lnk.pm-orig"), path_of(f->keep, "desk.lnk")));
    assert_true(
        same_file(path_of(f->menu, "Outlook 2016.LNK.pm-orig"), path_of(f->keep, "menu.lnk")));

    /* A fresh scan sees them applied; applying again changes no byte. */
    assert_int_equal(scan(f, &l, TOOL), 2);
    assert_int_equal(find(&l, "Outlook.lnk")->state, PM_SHORTCUT_APPLIED);
    size_t before_len;
    char *before = pmt_read_file(desk, &before_len);
    struct stat sb1, sb2;
    assert_int_equal(stat(desk, &sb1), 0);
    assert_int_equal(pm_shortcut_apply(pm_shortcut_ops_lnk(), &l, TOOL, &c, NULL, NULL, &err), 0);
    assert_int_equal(c.changed, 0);
    assert_int_equal(c.unchanged, 2);
    size_t after_len;
    char *after = pmt_read_file(desk, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    assert_int_equal(stat(desk, &sb2), 0);
    assert_int_equal(sb1.st_ino, sb2.st_ino); /* not even rewritten with the same bytes */
    free(before);
    free(after);

    /* Restore: the very originals back, no kept copies left. */
    assert_int_equal(pm_shortcut_restore(pm_shortcut_ops_lnk(), &l, &c, NULL, NULL, &err), 0);
    assert_int_equal(c.changed, 2);
    assert_true(same_file(desk, path_of(f->keep, "desk.lnk")));
    assert_true(same_file(menu, path_of(f->keep, "menu.lnk")));
    assert_false(pm_os_file_exists(path_of(f->desk, "Outlook.lnk.pm-orig")));
    assert_int_equal(scan(f, &l, TOOL), 2);
    assert_int_equal(find(&l, "Outlook.lnk")->state, PM_SHORTCUT_OUTLOOK);
    pm_shortcut_list_release(&l);
}

static void test_folder_given_twice(void **state)
{
    struct fixture *f = *state;
    struct pm_shortcut_list l = PM_SHORTCUT_LIST_INIT;
    struct pm_shortcut_counts c;
    struct pm_error err;
    char menu_root[700];
    snprintf(menu_root, sizeof(menu_root), "%s/Start Menu", f->root);
    const char *dirs[] = {f->desk, menu_root, f->desk, f->menu};
    assert_int_equal(pm_shortcut_scan(pm_shortcut_ops_lnk(), dirs, 4, TOOL, &l, NULL, NULL, &err),
                     2);
    assert_int_equal(pm_shortcut_apply(pm_shortcut_ops_lnk(), &l, TOOL, &c, NULL, NULL, &err), 0);
    assert_int_equal(c.changed, 2);
    assert_int_equal(c.failed, 0);
    pm_shortcut_list_release(&l);
}

static void test_deleted_shortcut_is_recreated(void **state)
{
    struct fixture *f = *state;
    struct pm_shortcut_list l = PM_SHORTCUT_LIST_INIT;
    struct pm_shortcut_counts c;
    struct pm_error err;
    char desk[1100];
    snprintf(desk, sizeof(desk), "%s/Outlook.lnk", f->desk);
    scan(f, &l, TOOL);
    assert_int_equal(pm_shortcut_apply(pm_shortcut_ops_lnk(), &l, TOOL, &c, NULL, NULL, &err), 0);
    assert_int_equal(remove(desk), 0);
    scan(f, &l, TOOL);
    assert_int_equal(find(&l, "Outlook.lnk")->state, PM_SHORTCUT_MISSING);
    assert_int_equal(pm_shortcut_restore(pm_shortcut_ops_lnk(), &l, &c, NULL, NULL, &err), 0);
    assert_true(same_file(desk, path_of(f->keep, "desk.lnk")));
    pm_shortcut_list_release(&l);
}

static void test_changed_recreated_and_moved(void **state)
{
    struct fixture *f = *state;
    struct pm_shortcut_list l = PM_SHORTCUT_LIST_INIT;
    struct pm_shortcut_counts c;
    struct pm_error err;
    char desk[1100], bk[1100];
    snprintf(desk, sizeof(desk), "%s/Outlook.lnk", f->desk);
    snprintf(bk, sizeof(bk), "%s/Outlook.lnk.pm-orig", f->desk);
    scan(f, &l, TOOL);
    assert_int_equal(pm_shortcut_apply(pm_shortcut_ops_lnk(), &l, TOOL, &c, NULL, NULL, &err), 0);

    /* The tool moved: apply re-points the shortcut from the kept original. */
    const char *moved = "C:\\Tools\\ProfileManager.exe";
    scan(f, &l, moved);
    assert_int_equal(find(&l, "Outlook.lnk")->state, PM_SHORTCUT_APPLIED);
    assert_int_equal(pm_shortcut_apply(pm_shortcut_ops_lnk(), &l, moved, &c, NULL, NULL, &err), 0);
    assert_int_equal(c.changed, 2);
    struct pm_lnk r;
    assert_int_equal(pm_lnk_read_file(&r, desk, &err), 0);
    assert_string_equal(r.target, moved);
    assert_string_equal(r.icon_location, OUTLOOK);
    pm_lnk_release(&r);
    assert_true(same_file(bk, path_of(f->keep, "desk.lnk")));

    /* Office repair re-creates the Outlook shortcut over ours: it is taken as the new original. */
    write_link(desk, OUTLOOK, "/safe", NULL);
    write_link(path_of(f->keep, "repaired.lnk"), OUTLOOK, "/safe", NULL);
    scan(f, &l, moved);
    assert_int_equal(find(&l, "Outlook.lnk")->state, PM_SHORTCUT_OUTLOOK);
    assert_non_null(find(&l, "Outlook.lnk")->backup);
    assert_int_equal(pm_shortcut_apply(pm_shortcut_ops_lnk(), &l, moved, &c, NULL, NULL, &err), 0);
    assert_true(same_file(bk, path_of(f->keep, "repaired.lnk")));

    /* The user points it somewhere else: "changed", left alone by apply, restorable. */
    write_link(desk, "C:\\Windows\\notepad.exe", NULL, NULL);
    scan(f, &l, moved);
    assert_int_equal(find(&l, "Outlook.lnk")->state, PM_SHORTCUT_CHANGED);
    assert_int_equal(pm_shortcut_apply(pm_shortcut_ops_lnk(), &l, moved, &c, NULL, NULL, &err), 0);
    assert_int_equal(find(&l, "Outlook.lnk")->state, PM_SHORTCUT_CHANGED);
    assert_int_equal(pm_shortcut_restore(pm_shortcut_ops_lnk(), &l, &c, NULL, NULL, &err), 0);
    assert_true(same_file(desk, path_of(f->keep, "repaired.lnk")));
    pm_shortcut_list_release(&l);
}

/* Ops whose rewrite always fails: the shortcut must come back untouched. */
static int failing_rewrite(const char *from, const char *to, const char *target,
                           struct pm_error *err)
{
    (void)from;
    (void)target;
    /* Leave a half-written file behind, as a crash in the middle would. */
    pmt_write_file(to, "garbage", 7);
    return pm_error_set(err, PM_ERR_IO, to, 0, "disk full");
}

static unsigned warnings;
static void count_warn(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)ctx;
    (void)where;
    (void)line;
    (void)msg;
    warnings++;
}

static void test_failed_rewrite_leaves_shortcut(void **state)
{
    struct fixture *f = *state;
    struct pm_shortcut_ops ops = *pm_shortcut_ops_lnk();
    ops.rewrite = failing_rewrite;
    struct pm_shortcut_list l = PM_SHORTCUT_LIST_INIT;
    struct pm_shortcut_counts c;
    struct pm_error err;
    write_link(path_of(f->desk, "Outlook.lnk"), OUTLOOK, "/recycle", NULL);
    scan(f, &l, TOOL);
    warnings = 0;
    assert_int_equal(pm_shortcut_apply(&ops, &l, TOOL, &c, count_warn, NULL, &err), 0);
    assert_int_equal(c.failed, 2);
    assert_int_equal(c.changed, 0);
    assert_int_equal(warnings, 2);
    assert_true(same_file(path_of(f->desk, "Outlook.lnk"), path_of(f->keep, "desk.lnk")));
    assert_false(pm_os_file_exists(path_of(f->desk, "Outlook.lnk.pm-orig")));
    pm_shortcut_list_release(&l);
}

static void test_starts_outlook(void **state)
{
    (void)state;
    struct pm_lnk l;
    pm_lnk_init(&l);
    l.target = "C:\\x\\outlook.exe";
    assert_true(pm_shortcut_starts_outlook(&l));
    l.target = "C:\\x\\OUTLOOK.EXE.bak";
    assert_false(pm_shortcut_starts_outlook(&l));
    l.target = NULL;
    l.env_target = "%ProgramFiles%\\Microsoft Office\\OUTLOOK.EXE";
    assert_true(pm_shortcut_starts_outlook(&l));
    l.env_target = NULL;
    l.darwin_id = "w_1^VX0GA&mE3!8D*@u4>OUTLOOKFiles";
    l.icon_location = "C:\\Windows\\Installer\\{90160000-0011-0000-0000-0000000FF1CE}\\outicon.exe";
    assert_true(pm_shortcut_starts_outlook(&l));
    l.icon_location =
        "C:\\Windows\\Installer\\{90160000-0011-0000-0000-0000000FF1CE}\\wordicon.exe";
    assert_false(pm_shortcut_starts_outlook(&l));
    assert_string_equal(pm_shortcut_state_name(PM_SHORTCUT_MISSING), "missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan_finds_outlook_shortcuts_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_restore_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_given_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_shortcut_is_recreated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_recreated_and_moved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_rewrite_leaves_shortcut, setup, teardown),
        cmocka_unit_test(test_starts_outlook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The shortcut ops on Windows: shortcuts read and rewritten by the shell's own IShellLinkW and
 * IPersistFile, so what ends up on disk is exactly what Windows writes (ID list, LinkInfo,
 * tracking data and all), and folders found through the shell's folder API (which follows
 * folder redirection). Built on Windows only; the state machine is in shortcut.c. */
#if defined(_WIN32)
#define COBJMACROS 1
#include "compat.h"

#include "pm/shortcut.h"

#include <objbase.h>
#include <shlobj.h>
#include <shobjidl.h>
#include <windows.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define SC_MAXW (MAX_PATH * 4) /* longest path/argument string the shell hands back */
/* SLDF_HAS_LOGO3ID ([MS-SHLLINK] 2.1.1 HasLogo3ID): not in every SDK's headers. */
#define SC_SLDF_HAS_LOGO3ID 0x00000800u

static wchar_t *sc_wide(const char *s)
{
    struct pm_buf b = PM_BUF_INIT;
    if (pm_utf8_to_utf16le(s, strlen(s), 1, &b) < 0) {
        pm_buf_release(&b);
        return NULL;
    }
    return (wchar_t *)pm_buf_detach(&b, NULL);
}

static char *sc_utf8(const wchar_t *w)
{
    struct pm_buf b = PM_BUF_INIT;
    if (pm_utf16le_to_utf8(w, wcslen(w) * 2, &b) < 0 || pm_buf_puts(&b, "") < 0) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_detach(&b, NULL);
}

static int sc_list_dir(const char *dir, struct pm_strlist *files, struct pm_strlist *subdirs,
                       struct pm_error *err)
{
    struct pm_buf pat = PM_BUF_INIT;
    if (pm_buf_printf(&pat, "%s\\*", dir) < 0)
        return pm_error_set(err, PM_ERR_NOMEM, dir, 0, "out of memory");
    wchar_t *w = sc_wide(pat.data);
    pm_buf_release(&pat);
    if (!w)
        return pm_error_set(err, PM_ERR_NOMEM, dir, 0, "out of memory");
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(w, &fd);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e == ERROR_PATH_NOT_FOUND || e == ERROR_FILE_NOT_FOUND)
            return 0; /* no such folder for this user: nothing to search */
        return pm_error_set(err, PM_ERR_IO, dir, 0, "cannot list folder (error %lu)",
                            (unsigned long)e);
    }
    int rc = 0;
    do {
        if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
            continue;
        char *name = sc_utf8(fd.cFileName);
        if (!name) {
            rc = PM_ERR_NOMEM;
            break;
        }
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            /* Junctions (e.g. the old "Start Menu" compatibility links) are not followed, so a
             * loop cannot trap the walk. */
            if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
                rc = pm_strlist_add(subdirs, name);
        } else {
            rc = pm_strlist_add(files, name);
        }
        free(name);
    } while (rc == 0 && FindNextFileW(h, &fd));
    FindClose(h);
    return rc < 0 ? pm_error_set(err, PM_ERR_NOMEM, dir, 0, "out of memory") : 0;
}

/* Opens a shortcut through the shell. COM is initialised per call (it is reference counted), so
 * callers need not know about it. */
static int sc_open(const char *path, IShellLinkW **sl, IPersistFile **pf, struct pm_error *err)
{
    HRESULT hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (FAILED(hr))
        return pm_error_set(err, PM_ERR_IO, path, 0, "cannot start COM (0x%08lx)",
                            (unsigned long)hr);
    *sl = NULL;
    *pf = NULL;
    hr = CoCreateInstance(&CLSID_ShellLink, NULL, CLSCTX_INPROC_SERVER, &IID_IShellLinkW,
                          (void **)sl);
    if (SUCCEEDED(hr))
        hr = IShellLinkW_QueryInterface(*sl, &IID_IPersistFile, (void **)pf);
    if (SUCCEEDED(hr)) {
        wchar_t *w = sc_wide(path);
        hr = w ? IPersistFile_Load(*pf, w, STGM_READ) : E_OUTOFMEMORY;
        free(w);
    }
    if (FAILED(hr)) {
        if (*pf)
            IPersistFile_Release(*pf);
        if (*sl)
            IShellLinkW_Release(*sl);
        CoUninitialize();
        return pm_error_set(err, hr == E_OUTOFMEMORY ? PM_ERR_NOMEM : PM_ERR_PARSE, path, 0,
                            "the shell cannot read this shortcut (0x%08lx)", (unsigned long)hr);
    }
    return 0;
}

static void sc_close(IShellLinkW *sl, IPersistFile *pf)
{
    IPersistFile_Release(pf);
    IShellLinkW_Release(sl);
    CoUninitialize();
}

/* A data block's Unicode string (EXP_SZ_LINK / EXP_DARWIN_ID share the layout), or NULL. */
static char *sc_block_string(IShellLinkW *sl, DWORD sig)
{
    IShellLinkDataList *dl = NULL;
    char *r = NULL;
    if (FAILED(IShellLinkW_QueryInterface(sl, &IID_IShellLinkDataList, (void **)&dl)))
        return NULL;
    void *blk = NULL;
    if (SUCCEEDED(IShellLinkDataList_CopyDataBlock(dl, sig, &blk)) && blk) {
        EXP_SZ_LINK *e = blk;
        e->swzTarget[MAX_PATH - 1] = 0;
        if (e->cbSize >= sizeof(*e) && e->swzTarget[0])
            r = sc_utf8(e->swzTarget);
        LocalFree(blk);
    }
    IShellLinkDataList_Release(dl);
    return r;
}

static int sc_read(const char *path, struct pm_lnk *out, struct pm_error *err)
{
    IShellLinkW *sl;
    IPersistFile *pf;
    pm_lnk_init(out);
    int rc = sc_open(path, &sl, &pf, err);
    if (rc < 0)
        return rc;
    wchar_t *buf = calloc(SC_MAXW, sizeof(wchar_t));
    int ok = buf != NULL, n = 0;
    if (ok && SUCCEEDED(IShellLinkW_GetPath(sl, buf, SC_MAXW, NULL, SLGP_RAWPATH)) && buf[0])
        ok = (out->target = sc_utf8(buf)) != NULL;
    if (ok && (buf[0] = 0, SUCCEEDED(IShellLinkW_GetArguments(sl, buf, SC_MAXW))) && buf[0])
        ok = (out->arguments = sc_utf8(buf)) != NULL;
    if (ok && (buf[0] = 0, SUCCEEDED(IShellLinkW_GetWorkingDirectory(sl, buf, SC_MAXW))) && buf[0])
        ok = (out->working_dir = sc_utf8(buf)) != NULL;
    if (ok && (buf[0] = 0, SUCCEEDED(IShellLinkW_GetDescription(sl, buf, SC_MAXW))) && buf[0])
        ok = (out->name = sc_utf8(buf)) != NULL;
    if (ok && (buf[0] = 0, SUCCEEDED(IShellLinkW_GetIconLocation(sl, buf, SC_MAXW, &n)))) {
        out->icon_index = n;
        if (buf[0])
            ok = (out->icon_location = sc_utf8(buf)) != NULL;
    }
    if (ok && SUCCEEDED(IShellLinkW_GetShowCmd(sl, &n)))
        out->show_command = (uint32_t)n;
    WORD hk = 0;
    if (ok && SUCCEEDED(IShellLinkW_GetHotkey(sl, &hk)))
        out->hotkey = hk;
    if (ok) {
        out->env_target = sc_block_string(sl, EXP_SZ_LINK_SIG);
        out->darwin_id = sc_block_string(sl, EXP_DARWIN_ID_SIG);
    }
    free(buf);
    sc_close(sl, pf);
    if (!ok) {
        pm_lnk_release(out);
        return pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    }
    return 0;
}

/* An advertised (Windows Installer) or %VAR% shortcut would keep starting what its data block
 * says whatever the path: drop those blocks so the new path is what runs. */
static void sc_drop_indirection(IShellLinkW *sl)
{
    IShellLinkDataList *dl = NULL;
    if (FAILED(IShellLinkW_QueryInterface(sl, &IID_IShellLinkDataList, (void **)&dl)))
        return;
    DWORD flags = 0;
    if (SUCCEEDED(IShellLinkDataList_GetFlags(dl, &flags))) {
        if (flags & SLDF_HAS_DARWINID)
            IShellLinkDataList_RemoveDataBlock(dl, EXP_DARWIN_ID_SIG);
        if (flags & SLDF_HAS_EXP_SZ)
            IShellLinkDataList_RemoveDataBlock(dl, EXP_SZ_LINK_SIG);
        IShellLinkDataList_SetFlags(
            dl, flags & ~(DWORD)(SLDF_HAS_DARWINID | SLDF_HAS_EXP_SZ | SC_SLDF_HAS_LOGO3ID));
    }
    IShellLinkDataList_Release(dl);
}

static int sc_rewrite(const char *from, const char *to, const char *target, struct pm_error *err)
{
    IShellLinkW *sl;
    IPersistFile *pf;
    int rc = sc_open(from, &sl, &pf, err);
    if (rc < 0)
        return rc;
    wchar_t *icon = calloc(SC_MAXW, sizeof(wchar_t));
    wchar_t *old = calloc(SC_MAXW, sizeof(wchar_t));
    wchar_t *wt = sc_wide(target), *wto = sc_wide(to);
    HRESULT hr = (icon && old && wt && wto) ? S_OK : E_OUTOFMEMORY;
    int idx = 0;
    if (SUCCEEDED(hr)) {
        /* Outlook's icon: the shortcut's own, else the program it started (raw, so
         * %ProgramFiles% forms stay portable). */
        if (FAILED(IShellLinkW_GetIconLocation(sl, icon, SC_MAXW, &idx)))
            icon[0] = 0;
        if (FAILED(IShellLinkW_GetPath(sl, old, SC_MAXW, NULL, SLGP_RAWPATH)))
            old[0] = 0;
        sc_drop_indirection(sl);
        hr = IShellLinkW_SetPath(sl, wt);
    }
    if (SUCCEEDED(hr)) {
        if (icon[0])
            hr = IShellLinkW_SetIconLocation(sl, icon, idx);
        else if (old[0])
            hr = IShellLinkW_SetIconLocation(sl, old, 0);
    }
    if (SUCCEEDED(hr))
        hr = IPersistFile_Save(pf, wto, TRUE);
    free(icon);
    free(old);
    free(wt);
    free(wto);
    sc_close(sl, pf);
    if (FAILED(hr))
        return pm_error_set(err, hr == E_OUTOFMEMORY ? PM_ERR_NOMEM : PM_ERR_IO, to, 0,
                            "the shell cannot write this shortcut (0x%08lx)", (unsigned long)hr);
    return 0;
}

static void sc_set_hidden(const char *path, int hidden)
{
    wchar_t *w = sc_wide(path);
    if (!w)
        return;
    DWORD a = GetFileAttributesW(w);
    if (a != INVALID_FILE_ATTRIBUTES) {
        DWORD na = hidden ? (a | FILE_ATTRIBUTE_HIDDEN) : (a & ~(DWORD)FILE_ATTRIBUTE_HIDDEN);
        if (na != a)
            SetFileAttributesW(w, na ? na : FILE_ATTRIBUTE_NORMAL);
    }
    free(w);
}

static int sc_add_folder(struct pm_strlist *out, int csidl, const char *below)
{
    wchar_t w[MAX_PATH];
    if (FAILED(SHGetFolderPathW(NULL, csidl, NULL, SHGFP_TYPE_CURRENT, w)))
        return 0; /* the folder does not exist for this user: nothing to search */
    char *s = sc_utf8(w);
    if (!s)
        return PM_ERR_NOMEM;
    struct pm_buf b = PM_BUF_INIT;
    int rc = pm_buf_puts(&b, s);
    if (rc == 0 && below)
        rc = pm_buf_printf(&b, "\\%s", below);
    if (rc == 0)
        rc = pm_strlist_add(out, b.data);
    free(s);
    pm_buf_release(&b);
    return rc;
}

static int sc_default_dirs(struct pm_strlist *out, struct pm_error *err)
{
    int rc = sc_add_folder(out, CSIDL_DESKTOPDIRECTORY, NULL);
    if (rc == 0)
        rc = sc_add_folder(out, CSIDL_STARTMENU, NULL);
    /* Quick Launch holds the taskbar and Start pins (User Pinned\TaskBar, \StartMenu). */
    if (rc == 0)
        rc = sc_add_folder(out, CSIDL_APPDATA, "Microsoft\\Internet Explorer\\Quick Launch");
    return rc < 0 ? pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory") : 0;
}

static const struct pm_shortcut_ops shell_ops = {
    "shell", sc_list_dir, sc_read, sc_rewrite, sc_set_hidden, sc_default_dirs,
};

const struct pm_shortcut_ops *pm_shortcut_ops_shell(void)
{
    return &shell_ops;
}
#endif

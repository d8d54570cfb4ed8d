/* Test helper for the Wine suites, built with mingw-w64: creates and reads shortcuts through the
 * shell's own IShellLinkW/IPersistFile, so the shortcuts the suites rewrite are made by Windows'
 * API (Wine's here), not by profilemanager's own writer.
 *
 *   mklnk create LNK TARGET [-a ARGS] [-w DIR] [-i ICONPATH] [-n ICONINDEX] [-s SHOW] [-d DESC]
 *   mklnk show LNK      prints target=, args=, workdir=, icon=, iconindex=, show=, desc= lines
 *
 * Exit 0 on success, 1 on a failure (the message names the call). */
#define COBJMACROS
#define UNICODE 1
#define _UNICODE 1
#include <objbase.h>
#include <shlobj.h>
#include <shobjidl.h>
#include <stdio.h>
#include <wchar.h>
#include <windows.h>

static void put(const char *key, const wchar_t *w)
{
    char buf[4096];
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, sizeof(buf), NULL, NULL);
    printf("%s=%s\n", key, n > 0 ? buf : "");
}

static int fail(const char *what, HRESULT hr)
{
    fprintf(stderr, "mklnk: %s failed (0x%08lx)\n", what, (unsigned long)hr);
    return 1;
}

static int create(int argc, wchar_t **argv)
{
    IShellLinkW *sl;
    IPersistFile *pf;
    HRESULT hr = CoCreateInstance(&CLSID_ShellLink, NULL, CLSCTX_INPROC_SERVER, &IID_IShellLinkW,
                                  (void **)&sl);
    if (FAILED(hr))
        return fail("CoCreateInstance", hr);
    hr = IShellLinkW_SetPath(sl, argv[3]);
    if (FAILED(hr))
        return fail("SetPath", hr);
    const wchar_t *icon = NULL;
    int index = 0;
    for (int i = 4; i + 1 < argc; i += 2) {
        const wchar_t *o = argv[i], *v = argv[i + 1];
        if (!wcscmp(o, L"-a"))
            hr = IShellLinkW_SetArguments(sl, v);
        else if (!wcscmp(o, L"-w"))
            hr = IShellLinkW_SetWorkingDirectory(sl, v);
        else if (!wcscmp(o, L"-i"))
            icon = v;
        else if (!wcscmp(o, L"-n"))
            index = _wtoi(v);
        else if (!wcscmp(o, L"-s"))
            hr = IShellLinkW_SetShowCmd(sl, _wtoi(v));
        else if (!wcscmp(o, L"-d"))
            hr = IShellLinkW_SetDescription(sl, v);
        else {
            fprintf(stderr, "mklnk: unknown option\n");
            return 2;
        }
        if (FAILED(hr))
            return fail("a setter", hr);
    }
    if (icon && FAILED(hr = IShellLinkW_SetIconLocation(sl, icon, index)))
        return fail("SetIconLocation", hr);
    hr = IShellLinkW_QueryInterface(sl, &IID_IPersistFile, (void **)&pf);
    if (FAILED(hr))
        return fail("QueryInterface(IPersistFile)", hr);
    hr = IPersistFile_Save(pf, argv[2], TRUE);
    if (FAILED(hr))
        return fail("IPersistFile::Save", hr);
    IPersistFile_Release(pf);
    IShellLinkW_Release(sl);
    return 0;
}

static int show(wchar_t *path)
{
    IShellLinkW *sl;
    IPersistFile *pf;
    wchar_t buf[MAX_PATH * 4];
    int n = 0;
    HRESULT hr = CoCreateInstance(&CLSID_ShellLink, NULL, CLSCTX_INPROC_SERVER, &IID_IShellLinkW,
                                  (void **)&sl);
    if (FAILED(hr))
        return fail("CoCreateInstance", hr);
    if (FAILED(hr = IShellLinkW_QueryInterface(sl, &IID_IPersistFile, (void **)&pf)))
        return fail("QueryInterface(IPersistFile)", hr);
    if (FAILED(hr = IPersistFile_Load(pf, path, STGM_READ)))
        return fail("IPersistFile::Load", hr);
    buf[0] = 0;
    IShellLinkW_GetPath(sl, buf, MAX_PATH * 4, NULL, SLGP_RAWPATH);
    put("target", buf);
    buf[0] = 0;
    IShellLinkW_GetArguments(sl, buf, MAX_PATH * 4);
    put("args", buf);
    buf[0] = 0;
    IShellLinkW_GetWorkingDirectory(sl, buf, MAX_PATH * 4);
    put("workdir", buf);
    buf[0] = 0;
    IShellLinkW_GetIconLocation(sl, buf, MAX_PATH * 4, &n);
    put("icon", buf);
    printf("iconindex=%d\n", n);
    IShellLinkW_GetShowCmd(sl, &n);
    printf("show=%d\n", n);
    buf[0] = 0;
    IShellLinkW_GetDescription(sl, buf, MAX_PATH * 4);
    put("desc", buf);
    IPersistFile_Release(pf);
    IShellLinkW_Release(sl);
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    if (FAILED(CoInitialize(NULL)))
        return 1;
    int rc = 2;
    if (argc >= 4 && !wcscmp(argv[1], L"create"))
        rc = create(argc, argv);
    else if (argc == 3 && !wcscmp(argv[1], L"show"))
        rc = show(argv[2]);
    else
        fprintf(stderr, "usage: mklnk create LNK TARGET [options] | mklnk show LNK\n");
    CoUninitialize();
    return rc;
}

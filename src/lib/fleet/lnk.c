/* The .lnk reader and writer ([MS-SHLLINK]): enough of the Shell Link Binary File Format to tell
 * what a shortcut starts and with which arguments, folder, icon and window state, and to write a
 * plain shortcut with those fields. Every structure's size is checked against its container before
 * it is read, so a hostile file can only be refused, never over-read (fuzzed by fuzz/fuzz-lnk.c).
 */
#include "compat.h"

#include "pm/lnk.h"
#include "pm/os.h"
#include "pm/regfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LNK_HEADER_SIZE 0x4Cu
/* LinkCLSID 00021401-0000-0000-C000-000000000046 in its on-disk byte order. */
static const uint8_t lnk_clsid[16] = {0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

#define LNK_SIG_ENVIRONMENT 0xA0000001u /* EnvironmentVariableDataBlock, 2.5.4 */
#define LNK_SIG_DARWIN 0xA0000006u      /* DarwinDataBlock, 2.5.3 */
#define LNK_ENV_BLOCK_SIZE 0x314u       /* both blocks: 8 + 260 ANSI + 520 Unicode bytes */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void pm_lnk_init(struct pm_lnk *l)
{
    memset(l, 0, sizeof(*l));
}

void pm_lnk_release(struct pm_lnk *l)
{
    free(l->target);
    free(l->name);
    free(l->relative_path);
    free(l->working_dir);
    free(l->arguments);
    free(l->icon_location);
    free(l->env_target);
    free(l->darwin_id);
    pm_lnk_init(l);
}

const char *pm_lnk_basename(const char *path)
{
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (*p == '\\' || *p == '/' || (*p == ':' && p == path + 1))
            base = p + 1;
    return base;
}

/* ANSI (the system code page) -> UTF-8. The code page is unknown offline: ASCII and Latin-1's
 * letters (0xA0-0xFF) are kept, the C1 range that code pages disagree on becomes U+FFFD. */
static char *ansi_to_utf8(const uint8_t *s, size_t n)
{
    struct pm_buf b;
    pm_buf_init(&b, PM_LNK_MAX_SIZE * 3);
    int rc = pm_buf_append(&b, "", 0);
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint8_t c = s[i];
        if (c < 0x80) {
            rc = pm_buf_putc(&b, (char)c);
        } else if (c < 0xA0) {
            rc = pm_buf_append(&b, "\xEF\xBF\xBD", 3);
        } else {
            char u[2] = {(char)(0xC0 | (c >> 6)), (char)(0x80 | (c & 0x3F))};
            rc = pm_buf_append(&b, u, 2);
        }
    }
    if (rc < 0) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_detach(&b, NULL);
}

static char *utf16_to_utf8(const uint8_t *s, size_t nbytes)
{
    struct pm_buf b;
    pm_buf_init(&b, PM_LNK_MAX_SIZE * 3);
    if (pm_buf_append(&b, "", 0) < 0 || pm_utf16le_to_utf8(s, nbytes, &b) < 0) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_detach(&b, NULL);
}

/* A NUL-terminated ANSI string at 'off' inside p[0..n): its length, or -1 when it is not
 * terminated inside. */
static long cstr_len(const uint8_t *p, size_t n, size_t off)
{
    if (off >= n)
        return -1;
    const uint8_t *z = memchr(p + off, 0, n - off);
    return z ? (long)(z - (p + off)) : -1;
}

/* Same for a NUL-terminated UTF-16LE string; length in bytes without the NUL. */
static long wstr_len(const uint8_t *p, size_t n, size_t off)
{
    for (size_t i = off; i + 1 < n; i += 2)
        if (p[i] == 0 && p[i + 1] == 0)
            return (long)(i - off);
    return -1;
}

struct lnk_ctx {
    const char *where;
    struct pm_error *err;
};

static int bad(struct lnk_ctx *c, size_t off, const char *what)
{
    return pm_error_set(c->err, PM_ERR_PARSE, c->where, 0, "%s at byte %zu", what, off);
}

static int nomem(struct lnk_ctx *c)
{
    return pm_error_set(c->err, PM_ERR_NOMEM, c->where, 0, "out of memory");
}

/* Reads an ANSI or UTF-16 string at 'off' of p[0..n) into *out. */
static int take_str(struct lnk_ctx *c, const uint8_t *p, size_t n, size_t off, int wide,
                    size_t base, char **out)
{
    long len = wide ? wstr_len(p, n, off) : cstr_len(p, n, off);
    if (len < 0)
        return bad(c, base + off, "unterminated string in LinkInfo");
    *out = wide ? utf16_to_utf8(p + off, (size_t)len) : ansi_to_utf8(p + off, (size_t)len);
    return *out ? 0 : nomem(c);
}

static char *concat3(const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *r = malloc(la + ls + lb + 1);
    if (!r)
        return NULL;
    memcpy(r, a, la);
    memcpy(r + la, sep, ls);
    memcpy(r + la + ls, b, lb + 1);
    return r;
}

/* LinkInfo (2.3): p[0..n) is the whole structure, 'base' its offset in the file. Sets *target to
 * the local path, or the network path, or leaves it NULL. */
static int parse_linkinfo(struct lnk_ctx *c, const uint8_t *p, size_t n, size_t base, char **target)
{
    if (n < 0x1C)
        return bad(c, base, "LinkInfo shorter than its header");
    uint32_t hsize = rd32(p + 4), flags = rd32(p + 8);
    if (hsize < 0x1C || hsize > n)
        return bad(c, base + 4, "LinkInfoHeaderSize out of range");
    uint32_t lbp = rd32(p + 16), cnrl = rd32(p + 20), cps = rd32(p + 24);
    uint32_t lbpu = 0, cpsu = 0;
    if (hsize >= 0x24) {
        lbpu = rd32(p + 28);
        cpsu = rd32(p + 32);
    }
    char *suffix = NULL, *head = NULL;
    int rc = 0;
    if (cpsu)
        rc = take_str(c, p, n, cpsu, 1, base, &suffix);
    else if (cps)
        rc = take_str(c, p, n, cps, 0, base, &suffix);
    if (rc < 0)
        return rc;
    if (flags & 1u) { /* VolumeIDAndLocalBasePath */
        rc =
            lbpu ? take_str(c, p, n, lbpu, 1, base, &head) : take_str(c, p, n, lbp, 0, base, &head);
        if (rc == 0) {
            *target = concat3(head, "", suffix ? suffix : "");
            if (!*target)
                rc = nomem(c);
        }
    } else if (flags & 2u) { /* CommonNetworkRelativeLinkAndPathSuffix */
        if (cnrl > n || n - cnrl < 0x14) {
            rc = bad(c, base + 20, "CommonNetworkRelativeLink out of range");
        } else {
            const uint8_t *q = p + cnrl;
            uint32_t qsize = rd32(q);
            if (qsize < 0x14 || qsize > n - cnrl) {
                rc = bad(c, base + cnrl, "CommonNetworkRelativeLinkSize out of range");
            } else {
                uint32_t net = rd32(q + 8), netu = net > 0x14 && qsize >= 0x18 ? rd32(q + 0x14) : 0;
                rc = netu ? take_str(c, q, qsize, netu, 1, base + cnrl, &head)
                          : take_str(c, q, qsize, net, 0, base + cnrl, &head);
                if (rc == 0) {
                    *target = suffix && *suffix ? concat3(head, "\\", suffix) : pm_strdup(head);
                    if (!*target)
                        rc = nomem(c);
                }
            }
        }
    }
    free(head);
    free(suffix);
    return rc;
}

/* LinkTargetIDList (2.2): a best-effort path from file-system shell items, used only when the
 * link has no LinkInfo. Root (0x1F), volume (0x2x, "C:\") and file entry (0x3x) items are
 * understood; any other item means the target is not a plain file, and the result stays NULL. */
static int parse_idlist(struct lnk_ctx *c, const uint8_t *p, size_t n, size_t base, char **target)
{
    struct pm_buf path;
    pm_buf_init(&path, PM_LNK_MAX_SIZE * 3); /* names come from the file: cannot exceed */
    int rc = pm_buf_append(&path, "", 0), plain = 1;
    size_t off = 0, items = 0;
    while (rc == 0 && off + 2 <= n) {
        uint16_t isize = rd16(p + off);
        if (isize == 0)
            break; /* TerminalID */
        if (isize < 2 || isize > n - off) {
            rc = bad(c, base + off, "ItemIDSize out of range");
            break;
        }
        if (++items > PM_LNK_MAX_IDLIST_ITEMS) {
            rc = pm_error_set(c->err, PM_ERR_LIMIT, c->where, 0, "more than %d shell items",
                              PM_LNK_MAX_IDLIST_ITEMS);
            break;
        }
        const uint8_t *it = p + off;
        uint8_t type = isize > 2 ? it[2] : 0;
        if (type == 0x1F) {
            /* root folder (My Computer): contributes nothing to the path */
        } else if ((type & 0x70) == 0x20 && isize > 3) {
            long l = cstr_len(it, isize, 3);
            if (l > 0) {
                char *vol = ansi_to_utf8(it + 3, (size_t)l);
                if (!vol) {
                    rc = nomem(c);
                    break;
                }
                pm_buf_reset(&path);
                rc = pm_buf_puts(&path, vol);
                free(vol);
            } else {
                plain = 0;
            }
        } else if ((type & 0x70) == 0x30 && isize > 14) {
            char *name = NULL;
            long l = (type & 0x04) ? wstr_len(it, isize, 14) : cstr_len(it, isize, 14);
            if (l < 0) {
                plain = 0;
            } else {
                name = (type & 0x04) ? utf16_to_utf8(it + 14, (size_t)l)
                                     : ansi_to_utf8(it + 14, (size_t)l);
                if (!name) {
                    rc = nomem(c);
                    break;
                }
                if (path.len && path.data[path.len - 1] != '\\')
                    rc = pm_buf_putc(&path, '\\');
                if (rc == 0)
                    rc = pm_buf_puts(&path, name);
                free(name);
            }
        } else {
            plain = 0;
        }
        off += isize;
    }
    if (rc < 0) {
        pm_buf_release(&path);
        return rc == PM_ERR_LIMIT || rc == PM_ERR_PARSE ? rc : nomem(c);
    }
    if (plain && path.len) {
        *target = pm_buf_detach(&path, NULL);
        if (!*target)
            return nomem(c);
    }
    pm_buf_release(&path);
    return 0;
}

/* The Unicode half of an EnvironmentVariableDataBlock or DarwinDataBlock, else its ANSI half. */
static int take_block_string(struct lnk_ctx *c, const uint8_t *blk, char **out)
{
    if (*out)
        return 0; /* the first block of a kind wins */
    long wl = wstr_len(blk, LNK_ENV_BLOCK_SIZE, 8 + 260);
    if (wl > 0)
        *out = utf16_to_utf8(blk + 8 + 260, (size_t)wl);
    else {
        long al = cstr_len(blk, 8 + 260, 8);
        *out = ansi_to_utf8(blk + 8, al < 0 ? 260 : (size_t)al);
    }
    return *out ? 0 : nomem(c);
}

/* LinkTargetIDList (2.2) and LinkInfo (2.3), when the header flags say they are there: each
 * gives a candidate target path. *off moves past them. */
static int lnk_target_parts(struct lnk_ctx *c, const struct pm_lnk *out, const uint8_t *p,
                            size_t len, size_t *off, char **idl_target, char **li_target)
{
    int rc;
    if (out->flags & PM_LNK_HAS_IDLIST) {
        if (len - *off < 2)
            return bad(c, *off, "IDListSize past the end");
        size_t idsize = rd16(p + *off);
        if (idsize > len - *off - 2)
            return bad(c, *off, "LinkTargetIDList past the end");
        if ((rc = parse_idlist(c, p + *off + 2, idsize, *off + 2, idl_target)) < 0)
            return rc;
        *off += 2 + idsize;
    }
    if (out->flags & PM_LNK_HAS_LINKINFO) {
        if (len - *off < 4)
            return bad(c, *off, "LinkInfoSize past the end");
        size_t lisize = rd32(p + *off);
        if (lisize < 4 || lisize > len - *off)
            return bad(c, *off, "LinkInfo past the end");
        if ((rc = parse_linkinfo(c, p + *off, lisize, *off, li_target)) < 0)
            return rc;
        *off += lisize;
    }
    return 0;
}

/* StringData (2.4): CountCharacters, then that many characters, in this fixed order. *off moves
 * past them. */
static int lnk_strings(struct lnk_ctx *c, struct pm_lnk *out, const uint8_t *p, size_t len,
                       size_t *off)
{
    static const uint32_t str_flags[5] = {PM_LNK_HAS_NAME, PM_LNK_HAS_RELPATH, PM_LNK_HAS_WORKDIR,
                                          PM_LNK_HAS_ARGS, PM_LNK_HAS_ICON};
    char **str_dest[5] = {&out->name, &out->relative_path, &out->working_dir, &out->arguments,
                          &out->icon_location};
    size_t unit = (out->flags & PM_LNK_IS_UNICODE) ? 2 : 1;
    for (int i = 0; i < 5; i++) {
        if (!(out->flags & str_flags[i]))
            continue;
        if (len - *off < 2)
            return bad(c, *off, "StringData past the end");
        size_t count = rd16(p + *off);
        if (count > PM_LNK_MAX_CHARS)
            return pm_error_set(c->err, PM_ERR_LIMIT, c->where, 0, "string at byte %zu too long",
                                *off);
        if (count * unit > len - *off - 2)
            return bad(c, *off, "StringData past the end");
        *str_dest[i] = unit == 2 ? utf16_to_utf8(p + *off + 2, count * 2)
                                 : ansi_to_utf8(p + *off + 2, count);
        if (!*str_dest[i])
            return nomem(c);
        *off += 2 + count * unit;
    }
    return 0;
}

/* ExtraData (2.5): sized blocks up to a TerminalBlock (size < 4). A truncated tail is
 * tolerated as Windows does (the strings above are what matter), a block claiming to run
 * past the end is not. */
static int lnk_extra(struct lnk_ctx *c, struct pm_lnk *out, const uint8_t *p, size_t len,
                     size_t off)
{
    while (len - off >= 4) {
        size_t bsize = rd32(p + off);
        if (bsize < 4)
            break;
        if (bsize < 8 || bsize > len - off)
            return bad(c, off, "ExtraData block past the end");
        uint32_t sig = rd32(p + off + 4);
        if ((sig == LNK_SIG_ENVIRONMENT || sig == LNK_SIG_DARWIN) && bsize >= LNK_ENV_BLOCK_SIZE) {
            int rc = take_block_string(c, p + off,
                                       sig == LNK_SIG_ENVIRONMENT ? &out->env_target
                                                                  : &out->darwin_id);
            if (rc < 0)
                return rc;
        }
        off += bsize;
    }
    return 0;
}

int pm_lnk_parse(struct pm_lnk *out, const void *data, size_t len, const char *where,
                 struct pm_error *err)
{
    struct lnk_ctx c = {where ? where : "shortcut", err};
    const uint8_t *p = data;
    pm_lnk_init(out);
    if (len > PM_LNK_MAX_SIZE)
        return pm_error_set(err, PM_ERR_LIMIT, c.where, 0, "larger than %zu bytes",
                            PM_LNK_MAX_SIZE);
    if (len < LNK_HEADER_SIZE || rd32(p) != LNK_HEADER_SIZE || memcmp(p + 4, lnk_clsid, 16))
        return pm_error_set(err, PM_ERR_PARSE, c.where, 0, "not a shell link (.lnk) file");
    out->flags = rd32(p + 20);
    out->file_attributes = rd32(p + 24);
    out->icon_index = (int32_t)rd32(p + 56);
    out->show_command = rd32(p + 60);
    out->hotkey = rd16(p + 64);

    size_t off = LNK_HEADER_SIZE;
    char *idl_target = NULL, *li_target = NULL;
    int rc = lnk_target_parts(&c, out, p, len, &off, &idl_target, &li_target);
    if (rc >= 0)
        rc = lnk_strings(&c, out, p, len, &off);
    if (rc >= 0)
        rc = lnk_extra(&c, out, p, len, off);
    if (rc < 0)
        goto fail;

    /* The target: LinkInfo's path first, then the environment block's, then the IDList's. */
    if (li_target && *li_target) {
        out->target = li_target;
        li_target = NULL;
    } else if (out->env_target && *out->env_target) {
        out->target = pm_strdup(out->env_target);
        if (!out->target) {
            rc = nomem(&c);
            goto fail;
        }
    } else if (idl_target) {
        out->target = idl_target;
        idl_target = NULL;
    }
    free(li_target);
    free(idl_target);
    return 0;

fail:
    free(li_target);
    free(idl_target);
    pm_lnk_release(out);
    return rc;
}

int pm_lnk_read_file(struct pm_lnk *out, const char *path, struct pm_error *err)
{
    pm_lnk_init(out);
    struct pm_buf b = PM_BUF_INIT;
    int rc = pm_file_read(path, PM_LNK_MAX_SIZE, &b, err);
    if (rc == 0)
        rc = pm_lnk_parse(out, b.data ? b.data : "", b.len, path, err);
    pm_buf_release(&b);
    return rc;
}

/* ---- writer ---- */

static int put16(struct pm_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return pm_buf_append(b, x, 2);
}

static int put32(struct pm_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return pm_buf_append(b, x, 4);
}

static void set32(struct pm_buf *b, size_t at, uint32_t v)
{
    uint8_t *x = (uint8_t *)b->data + at;
    x[0] = (uint8_t)v;
    x[1] = (uint8_t)(v >> 8);
    x[2] = (uint8_t)(v >> 16);
    x[3] = (uint8_t)(v >> 24);
}

/* ANSI form of a UTF-8 string for the fields that have no Unicode twin: ASCII kept, anything
 * else '?' (readers use the Unicode field when there is one). */
static int put_ansi_z(struct pm_buf *b, const char *s)
{
    int rc = 0;
    for (const unsigned char *q = (const unsigned char *)s; *q && rc == 0; q++) {
        if (*q < 0x80)
            rc = pm_buf_putc(b, (char)*q);
        else if ((*q & 0xC0) != 0x80)
            rc = pm_buf_putc(b, '?');
    }
    return rc ? rc : pm_buf_putc(b, 0);
}

static int put_wide_z(struct pm_buf *b, const char *s)
{
    return pm_utf8_to_utf16le(s, strlen(s), 1, b);
}

static int put_linkinfo(struct pm_buf *b, const char *target)
{
    size_t start = b->len;
    int unc = (target[0] == '\\' && target[1] == '\\');
    int rc = 0;
    if (!unc) {
        /* Header with the Unicode offsets (0x24), VolumeID of a fixed disk with no label, the
         * path in ANSI and UTF-16, empty suffixes. */
        rc |= put32(b, 0);    /* LinkInfoSize, set below */
        rc |= put32(b, 0x24); /* LinkInfoHeaderSize */
        rc |= put32(b, 1);    /* VolumeIDAndLocalBasePath */
        rc |= put32(b, 0x24); /* VolumeIDOffset */
        rc |= put32(b, 0);    /* LocalBasePathOffset, set below */
        rc |= put32(b, 0);    /* CommonNetworkRelativeLinkOffset */
        rc |= put32(b, 0);    /* CommonPathSuffixOffset */
        rc |= put32(b, 0);    /* LocalBasePathOffsetUnicode */
        rc |= put32(b, 0);    /* CommonPathSuffixOffsetUnicode */
        rc |= put32(b, 0x11); /* VolumeIDSize */
        rc |= put32(b, 3);    /* DRIVE_FIXED */
        rc |= put32(b, 0);    /* DriveSerialNumber */
        rc |= put32(b, 0x10); /* VolumeLabelOffset */
        rc |= pm_buf_putc(b, 0);
        if (rc)
            return PM_ERR_NOMEM;
        set32(b, start + 16, (uint32_t)(b->len - start));
        if ((rc = put_ansi_z(b, target)) < 0)
            return rc;
        set32(b, start + 24, (uint32_t)(b->len - start));
        if ((rc = pm_buf_putc(b, 0)) < 0)
            return rc;
        set32(b, start + 28, (uint32_t)(b->len - start));
        if ((rc = put_wide_z(b, target)) < 0)
            return rc;
        set32(b, start + 32, (uint32_t)(b->len - start));
        if ((rc = put16(b, 0)) < 0)
            return rc;
    } else {
        /* \\server\share\rest: CommonNetworkRelativeLink with the share, suffix with the rest. */
        const char *p = target + 2, *share_end;
        p = strchr(p, '\\');
        share_end = p ? strchr(p + 1, '\\') : NULL;
        size_t netlen = share_end ? (size_t)(share_end - target) : strlen(target);
        char *net = pm_strndup(target, netlen);
        if (!net)
            return PM_ERR_NOMEM;
        rc |= put32(b, 0);
        rc |= put32(b, 0x1C);
        rc |= put32(b, 2); /* CommonNetworkRelativeLinkAndPathSuffix */
        rc |= put32(b, 0);
        rc |= put32(b, 0);
        rc |= put32(b, 0x1C); /* CommonNetworkRelativeLinkOffset */
        rc |= put32(b, 0);    /* CommonPathSuffixOffset, set below */
        size_t cnrl = b->len;
        rc |= put32(b, 0);    /* CommonNetworkRelativeLinkSize, set below */
        rc |= put32(b, 0);    /* no ValidDevice, no ValidNetType */
        rc |= put32(b, 0x14); /* NetNameOffset */
        rc |= put32(b, 0);    /* DeviceNameOffset */
        rc |= put32(b, 0);    /* NetworkProviderType */
        if (rc == 0)
            rc = put_ansi_z(b, net);
        free(net);
        if (rc)
            return rc < 0 ? rc : PM_ERR_NOMEM;
        set32(b, cnrl, (uint32_t)(b->len - cnrl));
        set32(b, start + 24, (uint32_t)(b->len - start));
        if ((rc = put_ansi_z(b, share_end ? share_end + 1 : "")) < 0)
            return rc;
    }
    set32(b, start, (uint32_t)(b->len - start));
    return 0;
}

int pm_lnk_write(const struct pm_lnk *l, struct pm_buf *out, struct pm_error *err)
{
    if (!l->target || !*l->target)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "a shortcut needs a target");
    const char *strs[4] = {l->name, l->working_dir, l->arguments, l->icon_location};
    static const uint32_t sflags[4] = {PM_LNK_HAS_NAME, PM_LNK_HAS_WORKDIR, PM_LNK_HAS_ARGS,
                                       PM_LNK_HAS_ICON};
    uint32_t flags = PM_LNK_HAS_LINKINFO | PM_LNK_IS_UNICODE;
    for (int i = 0; i < 4; i++)
        if (strs[i] && *strs[i])
            flags |= sflags[i];

    struct pm_buf w;
    pm_buf_init(&w, PM_LNK_MAX_SIZE);
    size_t start = out->len;
    int rc = 0;
    rc |= put32(out, LNK_HEADER_SIZE);
    rc |= pm_buf_append(out, lnk_clsid, 16);
    rc |= put32(out, flags);
    rc |= put32(out, l->file_attributes);
    for (int i = 0; i < 6; i++)
        rc |= put32(out, 0); /* creation, access and write times: unknown */
    rc |= put32(out, 0);     /* FileSize */
    rc |= put32(out, (uint32_t)l->icon_index);
    rc |= put32(out, l->show_command ? l->show_command : PM_LNK_SHOW_NORMAL);
    rc |= put16(out, l->hotkey);
    rc |= put16(out, 0);
    rc |= put32(out, 0);
    rc |= put32(out, 0);
    if (rc == 0)
        rc = put_linkinfo(out, l->target);
    for (int i = 0; i < 4 && rc == 0; i++) {
        if (!(flags & sflags[i]))
            continue;
        pm_buf_reset(&w);
        rc = pm_utf8_to_utf16le(strs[i], strlen(strs[i]), 0, &w);
        if (rc == 0 && w.len / 2 > PM_LNK_MAX_CHARS)
            rc = PM_ERR_LIMIT;
        if (rc == 0)
            rc = put16(out, (uint16_t)(w.len / 2));
        if (rc == 0)
            rc = pm_buf_append(out, w.data, w.len);
    }
    if (rc == 0)
        rc = put32(out, 0); /* TerminalBlock */
    pm_buf_release(&w);
    if (rc != 0) {
        out->len = start;
        if (out->data)
            out->data[start] = 0;
        if (rc == PM_ERR_LIMIT)
            return pm_error_set(err, rc, NULL, 0, "shortcut string longer than %d characters",
                                PM_LNK_MAX_CHARS);
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    return 0;
}

/* Writes realistic Exchange PowerShell exports of a source and a target organisation, as
 * "Get-Mailbox | Select ... | Export-Csv" leaves them, plus the PUF lines a correct build must
 * produce, so the PUF builder can be tested on several hundred mailboxes with the awkward cases
 * real exports contain:
 *   - the "#TYPE" first line of Windows PowerShell 5, every field quoted, CRLF
 *   - display names with commas, quotes and non-ASCII letters; a Notes column with line breaks
 *   - EmailAddresses multi-valued and blank-separated, with X500 proxies whose DNs contain blanks
 *     ("Exchange Administrative Group (FYDIBOHF23SPDLT)") from earlier renames
 *   - source mailboxes not migrated yet (no target), two targets claiming one address
 *     (ambiguous), a source row with no LegacyExchangeDN, a target without ExchangeGuid
 *   - the target export in UTF-16LE with BOM (Export-Csv -Encoding Unicode) when asked
 *   - target UPNs that differ from the addresses, and an ArchiveGuid column: set, all zeros
 *     (no archive) or empty
 * Usage: mkexports OUTDIR [COUNT] [utf8|utf16le|utf16be]
 * Writes OUTDIR/source.csv, OUTDIR/target.csv, OUTDIR/expected.puf (sorted
 * "src|tgt|smtp|server|source smtp|target upn|archive guid" lines for --join smtp) and
 * OUTDIR/expected-leftout.txt (source CSV line numbers left out). */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *first[] = {"Jane", "John", "J\xc3\xbcrgen",    "Zo\xc3\xab",     "Ana",
                              "Li",   "Omar", "Fran\xc3\xa7oise", "Siobh\xc3\xa1n", "Piotr",
                              "Mei",  "Kai"};
static const char *last[] = {"Doe",
                             "Smith",
                             "M\xc3\xbcller",
                             "O'Brien",
                             "Garc\xc3\xad"
                             "a",
                             "Nguyen",
                             "Kowalski",
                             "de la Cruz",
                             "Dubois",
                             "Tanaka"};

#define SRC_ORG "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients"
#define OLD_ORG "/o=Contoso/ou=First Administrative Group/cn=Recipients"
#define TGT_ORG "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients"

/* CSV field, always quoted like Export-Csv. */
static void q(struct pm_buf *b, const char *s, int last_field)
{
    pm_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            pm_buf_putc(b, '"');
        pm_buf_putc(b, *s);
    }
    pm_buf_puts(b, last_field ? "\"\r\n" : "\",");
}

static int write_out(const char *dir, const char *name, const struct pm_buf *b, const char *enc)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    if (!strcmp(enc, "utf8")) {
        fwrite(b->data, 1, b->len, f);
    } else {
        struct pm_buf u = PM_BUF_INIT;
        pm_utf8_to_utf16le(b->data, b->len, 0, &u);
        int be = !strcmp(enc, "utf16be");
        fwrite(be ? "\xfe\xff" : "\xff\xfe", 1, 2, f);
        for (size_t i = 0; be && i + 1 < u.len; i += 2) {
            char t = u.data[i];
            u.data[i] = u.data[i + 1];
            u.data[i + 1] = t;
        }
        fwrite(u.data, 1, u.len, f);
        pm_buf_release(&u);
    }
    return fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mkexports OUTDIR [COUNT] [utf8|utf16le|utf16be]\n");
        return 2;
    }
    unsigned count = argc > 2 ? (unsigned)atoi(argv[2]) : 400;
    const char *enc = argc > 3 ? argv[3] : "utf16le";
    if (count < 20)
        count = 20;
    struct pm_buf src = PM_BUF_INIT, tgt = PM_BUF_INIT, left = PM_BUF_INIT;
    struct pm_strlist expect = PM_STRLIST_INIT;
    const char *hdr = "\"DisplayName\",\"Alias\",\"UserPrincipalName\",\"PrimarySmtpAddress\","
                      "\"LegacyExchangeDN\",\"ExchangeGuid\",\"EmailAddresses\",\"Notes\"\r\n";
    /* The target side also has ArchiveGuid, in the middle, as Select-Object puts it. */
    const char *thdr = "\"DisplayName\",\"Alias\",\"UserPrincipalName\",\"PrimarySmtpAddress\","
                       "\"LegacyExchangeDN\",\"ExchangeGuid\",\"ArchiveGuid\",\"EmailAddresses\","
                       "\"Notes\"\r\n";
    pm_buf_puts(&src, "#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox\r\n");
    pm_buf_puts(&src, hdr);
    pm_buf_puts(&tgt,
                "#TYPE Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox\r\n");
    pm_buf_puts(&tgt, thdr);
    unsigned src_line = 3, tgt_rows = 0;
    for (unsigned i = 0; i < count; i++) {
        char alias[64], disp[256], smtp[128], tsmtp[128], upn[128], dn[512], tdn[512], guid[64];
        char mails[2048], tmails[1024], notes[256], x500a[512], x500b[512];
        const char *fn = first[rnd(12)], *ln = last[rnd(10)];
        snprintf(alias, sizeof(alias), "user%04u", i);
        if (i % 7 == 0)
            snprintf(disp, sizeof(disp), "%s, %s", ln, fn); /* comma inside */
        else if (i % 11 == 0)
            snprintf(disp, sizeof(disp), "%s \"%s\" %s", fn, "The Boss", ln); /* quotes */
        else
            snprintf(disp, sizeof(disp), "%s %s", fn, ln);
        snprintf(smtp, sizeof(smtp), "%s@contoso.com", alias);
        snprintf(tsmtp, sizeof(tsmtp), "%s@fabrikam.onmicrosoft.com", alias);
        snprintf(upn, sizeof(upn), "%s@corp.contoso.com", alias);
        snprintf(dn, sizeof(dn), SRC_ORG "/cn=%08x%04x-%s", 0x1a2b0000u + i, i, alias);
        snprintf(tdn, sizeof(tdn), TGT_ORG "/cn=%032x-%s", 0xf00du + i * 7919u, alias);
        snprintf(guid, sizeof(guid), "%08x-%04x-4%03x-8%03x-%012x", 0xa0000000u + i, i & 0xffff,
                 i & 0xfff, (i * 3) & 0xfff, i * 104729u);
        /* earlier names of the mailbox, kept as X500 proxies (blanks inside the DN) */
        snprintf(x500a, sizeof(x500a), OLD_ORG "/cn=%s-old", alias);
        snprintf(x500b, sizeof(x500b), SRC_ORG "/cn=%s%u", alias, i * 13);
        int proxies = i % 5; /* 0..4: how many X500 proxies */
        snprintf(mails, sizeof(mails), "SMTP:%s smtp:%s.alt@contoso.com%s%s%s%s", smtp, alias,
                 proxies >= 1 ? " X500:" : "", proxies >= 1 ? x500a : "",
                 proxies >= 3 ? " x500:" : "", proxies >= 3 ? x500b : "");
        snprintf(notes, sizeof(notes), i % 9 == 0 ? "Moved from HQ\r\nDesk 4, floor 2" : "");
        int migrated = i % 10 != 3;         /* every tenth not migrated yet */
        int no_dn = i == 17;                /* broken source row */
        int ambiguous = i == 25 || i == 26; /* both targets claim user0025's address */
        int no_guid = i % 13 == 5;

        struct pm_buf *s = &src;
        q(s, disp, 0), q(s, alias, 0), q(s, upn, 0), q(s, smtp, 0), q(s, no_dn ? "" : dn, 0);
        q(s, guid, 0), q(s, mails, 0), q(s, notes, 1);
        unsigned this_line = src_line;
        for (const char *p = notes; *p; p++)
            src_line += *p == '\n';
        src_line++;
        if (!migrated)
            pm_buf_printf(&left, "%u\n", this_line);
        if (!migrated)
            continue;
        char tguid[64], tarch[64], tupn[128];
        snprintf(tguid, sizeof(tguid), "%08x-1111-4222-8333-%012x", 0xb0000000u + i, i);
        /* An archive for every fourth; the others report the all-zero GUID or nothing. */
        if (i % 4 == 1)
            snprintf(tarch, sizeof(tarch), "%08x-2222-4333-8444-%012x", 0xc0000000u + i, i);
        else
            snprintf(tarch, sizeof(tarch), "%s",
                     i % 3 ? "00000000-0000-0000-0000-000000000000" : "");
        snprintf(tupn, sizeof(tupn), "%s@fabrikam.onmicrosoft.com", alias);
        snprintf(tmails, sizeof(tmails), "SMTP:%s smtp:%s%s", tsmtp,
                 ambiguous ? "user0025@contoso.com" : smtp, i % 4 == 0 ? " SIP:x@y" : "");
        struct pm_buf *t = &tgt;
        q(t, disp, 0), q(t, alias, 0), q(t, tupn, 0), q(t, tsmtp, 0), q(t, tdn, 0);
        q(t, no_guid ? "" : tguid, 0), q(t, tarch, 0), q(t, tmails, 0), q(t, "", 1);
        tgt_rows++;
        if (ambiguous) { /* 25: two targets match; 26: its own address is on none */
            pm_buf_printf(&left, "%u\n", this_line);
            continue;
        }
        if (no_dn) {
            pm_buf_printf(&left, "%u\n", this_line);
            continue;
        }
        char server[256] = "", line[2048];
        if (!no_guid)
            snprintf(server, sizeof(server), "%s@fabrikam.onmicrosoft.com", tguid);
        const char *dns[3] = {dn, proxies >= 1 ? x500a : NULL, proxies >= 3 ? x500b : NULL};
        for (int k = 0; k < 3; k++) {
            if (!dns[k])
                continue;
            snprintf(line, sizeof(line), "%s|%s|%s|%s|%s|%s|%s", dns[k], tdn, tsmtp, server, smtp,
                     tupn, i % 4 == 1 ? tarch : "");
            pm_strlist_add(&expect, line);
        }
    }
    qsort(expect.items, expect.n, sizeof(char *), cmp_str);
    struct pm_buf ex = PM_BUF_INIT;
    for (size_t i = 0; i < expect.n; i++)
        pm_buf_printf(&ex, "%s\n", expect.items[i]);
    int rc = write_out(argv[1], "source.csv", &src, "utf8") ||
             write_out(argv[1], "target.csv", &tgt, enc) ||
             write_out(argv[1], "expected.puf", &ex, "utf8") ||
             write_out(argv[1], "expected-leftout.txt", &left, "utf8");
    fprintf(stderr, "mkexports: %u source, %u target mailboxes, %zu expected lines\n", count,
            tgt_rows, expect.n);
    pm_buf_release(&src), pm_buf_release(&tgt), pm_buf_release(&left), pm_buf_release(&ex);
    pm_strlist_release(&expect);
    return rc ? 1 : 0;
}

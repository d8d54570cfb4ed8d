/* Building mbm.puf from Exchange PowerShell exports of the source and the target organisation
 * (Get-Mailbox / Get-Recipient ... | Export-Csv). Columns used, by header name (any case):
 * LegacyExchangeDN, PrimarySmtpAddress, DisplayName, Alias, UserPrincipalName, ExchangeGuid,
 * ArchiveGuid, EmailAddresses. A source row gives one line for its LegacyExchangeDN and one for
 * each "X500:" proxy in its EmailAddresses, all with the same target. The target server is
 * "<ExchangeGuid>@<domain of the target primary SMTP>" and the server DN is the target
 * legacyExchangeDN up to "/cn=Recipients" followed by "/cn=Configuration/cn=Servers/cn=<server>";
 * either is left empty when the export does not allow it. The v2 fields are the source's
 * PrimarySmtpAddress (7), the target's UserPrincipalName (8) and ArchiveGuid (9, empty when all
 * zeros); a line has all nine fields when any of them is known, else six. Rows that join to no
 * target or to more than one are reported and left out: never guessed. docs/puf-build.md has the
 * details. */
#ifndef PM_PUFBUILD_H
#define PM_PUFBUILD_H

#include <stddef.h>

#include "pm/error.h"
#include "pm/progress.h"

enum pm_puf_join {
    PM_PUF_JOIN_SMTP = 0, /* source PrimarySmtpAddress = a target's primary or smtp: proxy */
    PM_PUF_JOIN_ALIAS,    /* Alias */
    PM_PUF_JOIN_UPN,      /* UserPrincipalName */
    PM_PUF_JOIN_MAP,      /* a CSV with Source and Target columns (see map_path) */
};

struct pm_pufbuild_opts {
    const char *source_path; /* source organisation export (CSV) */
    const char *target_path; /* target organisation export (CSV) */
    enum pm_puf_join join;
    /* PM_PUF_JOIN_MAP: CSV with columns "Source" and "Target"; each value is an SMTP address,
     * alias, UPN or legacyExchangeDN of a mailbox on that side. */
    const char *map_path;
    const char *out_path; /* the PUF */
    int append;           /* add to out_path only mailboxes whose source DN is not in it yet */
    const char *x500_script_path; /* NULL, or where to write the X500 proxy PowerShell script */
    long long now;                /* for the header comment (seconds since 1970); 0 leaves it out */
    /* Write the PUF even when nothing joined or every mailbox maps to itself (see pm_puf_build). */
    int allow_empty;
};

struct pm_pufbuild_stats {
    unsigned source_rows;
    unsigned target_rows;
    unsigned mailboxes;       /* source mailboxes written */
    unsigned lines;           /* PUF lines written (mailboxes + X500 proxies) */
    unsigned already_present; /* --append: source DNs already in the PUF */
    unsigned unjoined;        /* no target found */
    unsigned ambiguous;       /* several targets found */
    unsigned invalid;         /* rows with a missing or malformed DN/SMTP, or a duplicate */
    unsigned script_lines;    /* Set-Mailbox commands written */
    unsigned self_mapped;     /* mailboxes whose target legacyExchangeDN is their source DN */
};

/* Builds (or with append, extends) the PUF. Every row left out is reported through 'report'
 * (where = the CSV path, line = its line; may be NULL). Returns 0 even when rows were left out
 * (see stats); PM_ERR_IO/PM_ERR_PARSE/PM_ERR_NOMEM/PM_ERR_LIMIT when an input cannot be read or
 * lacks a needed column, or the output cannot be written (then the PUF is left as it was).
 * A result that would re-point nobody is refused with PM_ERR_INVALID and nothing is written
 * (stats are filled): no source row joined a target (with append: none new and none already in
 * the PUF), or every mailbox written maps to itself (swapped or identical exports);
 * opts.allow_empty writes it anyway. An existing PUF that is overwritten (not appended to) is
 * first copied to "<out_path>.bak", replacing an older copy. */
int pm_puf_build(const struct pm_pufbuild_opts *o, struct pm_pufbuild_stats *st, pm_diag_fn report,
                 void *ctx, struct pm_error *err);
/* The same, telling 'progress' (may be NULL) how many bytes of the two exports are read; 100%
 * when the build is done. */
int pm_puf_build_progress(const struct pm_pufbuild_opts *o, struct pm_pufbuild_stats *st,
                          pm_diag_fn report, void *ctx, const struct pm_progress *progress,
                          struct pm_error *err);

/* Splits an EmailAddresses cell into its proxy addresses: the separators Export-Csv and
 * common "-join" expressions leave (blank, ';', ',', line breaks) start a new address only where
 * "<type>:" follows, so blanks inside X500 DNs survive. Appends to 'out'. Returns 0 or <0. */
struct pm_strlist;
int pm_puf_split_proxies(const char *cell, struct pm_strlist *out);

/* Parses a --join argument: "smtp", "alias", "upn" or "map:FILE" (*map_path points into arg).
 * Returns 0 or PM_ERR_INVALID. */
int pm_puf_join_parse(const char *arg, enum pm_puf_join *join, const char **map_path);

#endif

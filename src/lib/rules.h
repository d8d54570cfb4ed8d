/* The rewrite/delete rules of an update: one table, one row per registry value the update
 * knows, with the section roles it applies to, what it does, why, and the source of the rule
 * (outlook-profile-format.md section and its sources). docs/rules.md mirrors this table. */
#ifndef PM_RULES_H
#define PM_RULES_H

#include <stddef.h>

/* Which sections a row applies to. */
enum {
    PM_RM_EMSMDB = 1u << 0,   /* account-wide section (EMSMDB, or 13dbb0c8 in 2007 / residue) */
    PM_RM_PRIMARY = 1u << 1,  /* primary store */
    PM_RM_STORE = 1u << 2,    /* other stores: delegate, shared, archive, public */
    PM_RM_TRANSPORT = 1u << 3,
    PM_RM_SERVICE = 1u << 4,
    PM_RM_ADDRBOOK = 1u << 5,
    PM_RM_ACCOUNT = 1u << 6,  /* Account Manager subkey */
    PM_RM_CONTAB = 1u << 7,   /* Outlook Address Book provider (no account's) */
    PM_RM_GLOBAL = 1u << 8,   /* Outlook global section 0a0d0200... (no account's) */
};
#define PM_RM_STORES (PM_RM_PRIMARY | PM_RM_STORE)

enum pm_rule_action {
    PM_RA_DN = 1,      /* set to the target legacyExchangeDN */
    PM_RA_SMTP,        /* set to the target SMTP, keeping an "SMTP:" style prefix */
    PM_RA_NAME,        /* replace the old DN / SMTP where the text shows them */
    PM_RA_DISPLAY,     /* "Mailbox - <name>": the target display name when known, else NAME */
    PM_RA_SERVER,      /* target server when the PUF gives it (own mailbox), else delete */
    PM_RA_SERVER_DN,   /* target server DN when the PUF gives it (own mailbox), else delete */
    PM_RA_SIGNIN,      /* sign-in name: the PUF's target UPN (field 8), else delete */
    PM_RA_CRED_DOMAIN, /* credential domain: an empty one stays, any other is the source's */
    PM_RA_STORE_EID,   /* one store EntryID: rebuilt for the target, else deleted */
    PM_RA_DELETE,      /* a cache of the source: delete, Outlook rebuilds it */
    PM_RA_ROH_SERVER,  /* Outlook Anywhere proxy, from the config or deleted */
    PM_RA_ROH_FLAGS,
    PM_RA_ROH_AUTH,
    PM_RA_ROH_PRINCIPAL,
    PM_RA_CACHE_FLAGS, /* cached-mode bits of PR_PROFILE_CONFIG_FLAGS from the config */
    PM_RA_OST,         /* OST path per OstAction */
    PM_RA_ABEID,       /* address-book EntryID: same header, target DN */
    PM_RA_STORE_LIST,  /* list of store EntryIDs: those of migrated mailboxes rewritten */
    PM_RA_STORE_NAMES, /* list of store names beside a store EntryID list: old addresses replaced */
    PM_RA_STORE_EMBED, /* structure embedding a store EntryID: rewritten in place, else deleted */
    PM_RA_KEEP,        /* a binding link or type marker: never touched */
};

struct pm_rule {
    const char *id;     /* stable id, shown in logs */
    const char *value;  /* registry value name */
    unsigned roles;     /* PM_RM_* */
    enum pm_rule_action action;
    const char *why;
    const char *source;
};

extern const struct pm_rule pm_rules[];
extern const size_t pm_nrules;

/* The row for a value in a section role, or NULL (then the sweep decides). */
const struct pm_rule *pm_rule_find(const char *value, unsigned role);

#endif

/* The read model of a user's Outlook profiles: every profile root, every profile, every
 * Exchange account (MSEMS service, or an Outlook 2007-style profile whose account lives in the
 * global section 13dbb0c8...), and the sections that belong to each account, with a snapshot of
 * their values. Reading never writes. The plan walks this model and nothing else. */
#ifndef PM_PROFILE_H
#define PM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pm/error.h"
#include "pm/store.h"

/* The roots, in the order they are walked. */
extern const char *const pm_profile_roots[];
extern const size_t pm_profile_nroots;

/* Well-known section keys (lowercase, as MAPI writes them). */
#define PM_SECTION_MASTER "9207f3e0a3b11019908b08002b2a56c2"
#define PM_SECTION_GLOBAL2007 "13dbb0c8aa05101a9bb000aa002fc45a"
#define PM_SECTION_OUTLOOK_GLOBAL "0a0d020000000000c000000000000046"
#define PM_SECTION_ACCOUNTS "9375CFF0413111d3B88A00104B2A6676"

enum pm_section_role {
    PM_ROLE_EMSMDB = 1,    /* account-wide Exchange settings (or 13dbb0c8 in 2007 profiles) */
    PM_ROLE_SERVICE,       /* the MSEMS service section */
    PM_ROLE_STORE,         /* a mailbox store provider section */
    PM_ROLE_TRANSPORT,     /* the Exchange transport provider section */
    PM_ROLE_ADDRBOOK,      /* the Exchange address book provider section */
    PM_ROLE_ACCOUNT,       /* the Account Manager subkey of the account */
    PM_ROLE_RESIDUE,       /* a 13dbb0c8 key left in a 2010+ profile holding this account's DN */
    PM_ROLE_CONTAB,        /* an Outlook Address Book (CONTAB) provider: lists store EntryIDs */
    PM_ROLE_OUTLOOK_GLOBAL /* the Outlook global section 0a0d0200...: store EntryID lists */
};

enum pm_store_kind {
    PM_STORE_UNKNOWN = 0,
    PM_STORE_PRIMARY = 1,
    PM_STORE_DELEGATE = 2,
    PM_STORE_PUBLIC = 3,
    PM_STORE_ARCHIVE = 4, /* a delegate store with PR_PROFILE_ALTERNATE_STORE_TYPE "Archive" */
};

struct pm_section_value {
    char *name;
    uint32_t type;
    uint8_t *data; /* followed by 2 NUL bytes not counted in len */
    size_t len;
};

struct pm_section {
    enum pm_section_role role;
    char *path; /* full key path from the store root */
    char *uid;  /* the key name */
    struct pm_section_value *values;
    size_t nvalues;
    /* For stores: */
    enum pm_store_kind kind;
    char *mailbox_dn; /* PR_PROFILE_MAILBOX (001e660b), or NULL */
    int damaged;      /* its mailbox DN cannot be trusted: the store is left alone */
};

struct pm_account {
    char *service_uid;   /* hex key name of the service section */
    int outlook2007;     /* account settings live in 13dbb0c8 */
    char *dn;            /* the account owner's DN (PR_PROFILE_USER, else primary store's or
                            transport's PR_PROFILE_MAILBOX); NULL when none */
    char *smtp;          /* PR_PROFILE_USER_SMTP_EMAIL_ADDRESS as stored (maybe "SMTP:x"), or NULL */
    char *display;       /* service/account display name when known */
    int damaged;         /* its identity or settings section cannot be trusted (a warning said
                            why): the account is left alone */
    struct pm_section *sections; /* EMSMDB first when present */
    size_t nsections;
};

struct pm_profile {
    char *root; /* profile root path */
    char *name; /* profile (key) name */
    char *path; /* root\name */
    int is_default;
    char *force_ost_path; /* the ForceOSTPath policy of this root's Outlook version, %VARS%
                             expanded, or NULL: where Outlook puts new OST files */
    struct pm_account *accounts;
    size_t naccounts;
    /* Sections of no account that embed mailboxes' store EntryIDs (PM_ROLE_CONTAB,
     * PM_ROLE_OUTLOOK_GLOBAL): a migrated mailbox is rewritten there too. */
    struct pm_section *linked;
    size_t nlinked;
    size_t nservices;      /* all services listed, Exchange or not */
};

struct pm_model {
    struct pm_profile *profiles;
    size_t nprofiles;
};

/* Reads every profile under every root. Oddities (dangling UIDs, providers owned by another
 * service, values of the wrong size) are reported through 'warn' with the key path and skipped.
 * Returns 0, or <0 when the store cannot be read. */
int pm_model_read(struct pm_store *st, struct pm_model *out, pm_diag_fn warn, void *ctx,
                  struct pm_error *err);
void pm_model_release(struct pm_model *m);

/* Value lookup in a section snapshot (case-insensitive); NULL when absent. */
const struct pm_section_value *pm_section_get(const struct pm_section *s, const char *name);

const char *pm_section_role_name(enum pm_section_role r);
const char *pm_store_kind_name(enum pm_store_kind k);

#endif

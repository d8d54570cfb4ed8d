/* Realistic Outlook profile fixtures for the tests: named scenarios built into any store through
 * the store API, with the mbm.puf and prof.config that go with them and a manifest that tells an
 * independent checker which registry keys belong to which Exchange mailbox. The same scenario can
 * be built as it looks before an update or as a correct update would leave it ("expected"
 * stages), so the checker can be shown to accept a right result and reject a wrong one.
 * The manifest format is documented in tests/fixtures/README.md. */
#ifndef PMT_FIXTURE_H
#define PMT_FIXTURE_H

#include <stddef.h>

#include "pm/error.h"
#include "pm/store.h"
#include "pm/util.h"

/* When a mailbox is migrated: its line is in mbm.puf (now), only in mbm-later.puf (later), or in
 * neither (never). The numbers order the stages. */
enum pmt_stage { PMT_BEFORE = 0, PMT_NOW = 1, PMT_LATER = 2, PMT_NEVER = 3 };

/* One Exchange mailbox as a profile holds it. */
struct pmt_mailbox {
    char *scenario;
    char *profile;   /* key path of the profile (under HKCU) */
    char *role;      /* account | delegate | shared | archive | public */
    char *source_dn; /* legacyExchangeDN in the source org (owner's DN for archive/public) */
    char *old_smtp;  /* source primary SMTP */
    struct pm_strlist old_servers; /* server names of the source that must not survive */
    enum pmt_stage migrated;       /* PMT_NOW, PMT_LATER or PMT_NEVER */
    char *target_dn;               /* "" when never migrated */
    char *target_smtp;             /* "" when never migrated */
    struct pm_strlist sections;    /* every key path that belongs to this mailbox */
    char *emsmdb;  /* account: key of the EMSMDB (account settings) section, else "" */
    char *store;   /* key of this mailbox's store provider section */
    char *acctmgr; /* account: key of its Account Manager subkey, else "" */
    /* Optional (empty when not given): */
    char *old_upn;            /* account: the source sign-in name (EMSMDB 001f3d16) */
    char *target_upn;         /* account: the target sign-in name; "" = the value must be gone */
    char *archive_guid;       /* archive: the GUID its /guid= suffix must carry after the update; ""
                                 = the GUID it had */
    struct pm_strlist linked; /* "key\value" of values outside 'sections' that embed this
                                 mailbox's store EntryID or name and may change with it */
};

struct pmt_manifest {
    struct pmt_mailbox *mb;
    size_t n, cap;
    struct pm_buf puf_now;   /* mbm.puf text */
    struct pm_buf puf_later; /* mbm-later.puf text */
    struct pm_buf config;    /* prof.config text (PufFile=mbm.puf) */
    struct pm_strlist roots; /* top keys to export (e.g. "Software") */
};

void pmt_manifest_init(struct pmt_manifest *m);
void pmt_manifest_release(struct pmt_manifest *m);

/* The scenario names, NULL-terminated. */
const char *const *pmt_fixture_scenarios(void);

/* Builds scenario 'name' into st (normally an empty "mem:" store) as it looks at 'stage':
 * PMT_BEFORE is what Outlook wrote; PMT_NOW/PMT_LATER is what a correct update with mbm.puf /
 * mbm-later.puf and the scenario's prof.config leaves. Fills 'out' (initialized by the caller)
 * with the manifest, the PUF texts and the config text, which do not depend on the stage.
 * Deterministic: the same name gives the same bytes. Returns 0, PM_ERR_INVALID for an unknown
 * scenario, or a store error. */
int pmt_fixture_build(struct pm_store *st, const char *name, enum pmt_stage stage,
                      struct pmt_manifest *out, struct pm_error *err);

/* Appends the manifest text (one line per mailbox, tab-separated key=value fields). */
int pmt_manifest_format(const struct pmt_manifest *m, struct pm_buf *out);
/* Parses manifest text ('name' for errors, file:line). Appends to m. 0 or PM_ERR_PARSE. */
int pmt_manifest_parse(struct pmt_manifest *m, const char *text, size_t len, const char *name,
                       struct pm_error *err);

#endif

/* The rule table (see rules.h). Sources: outlook-profile-format.md (§ numbers) and the sources it
 * cites: [S1] EdkMdb.h, [S2] MAPIAux.h, [S8] Outlook MAPI reference, [S9] mapi-profile-toolkit,
 * [S17] server-move scripts, [S23] profile backup/restore notes, [S16] KBs. */
#include "compat.h"

#include "rules.h"

#include <string.h>

#define E PM_RM_EMSMDB
#define P PM_RM_PRIMARY
#define S PM_RM_STORE
#define X PM_RM_TRANSPORT
#define V PM_RM_SERVICE
#define A PM_RM_ADDRBOOK
#define C PM_RM_ACCOUNT
#define ALL (E | P | S | X | V | A | C)
#define CT PM_RM_CONTAB
#define G PM_RM_GLOBAL

const struct pm_rule pm_rules[] = {
    /* Binding links: what ties sections together. Never touched (§6.3 "Do not delete"). */
    {"link", "01023d0e", ALL, PM_RA_KEEP, "PR_SERVICES: services of the profile", "§3.1 [S11]"},
    {"link", "01023d00", ALL, PM_RA_KEEP, "PR_STORE_PROVIDERS", "§3.2 [S8,S9]"},
    {"link", "01023d01", ALL, PM_RA_KEEP, "PR_AB_PROVIDERS", "§3.2"},
    {"link", "01023d02", ALL, PM_RA_KEEP, "PR_TRANSPORT_PROVIDERS", "§3.2"},
    {"link", "01023d15", ALL, PM_RA_KEEP, "PR_EMSMDB_SECTION_UID", "§3.3 [S8]"},
    {"link", "01023d0c", ALL, PM_RA_KEEP, "PR_SERVICE_UID back-pointer", "§3.4 [S11]"},
    {"link", "0102300c", ALL, PM_RA_KEEP, "PR_PROVIDER_UID", "§3.5"},
    {"link", "01023d1a", ALL, PM_RA_KEEP, "PR_EMSABP_USER_UID", "§4.1 [S8]"},
    {"link", "01023414", ALL, PM_RA_KEEP, "PR_MDB_PROVIDER: store type", "§4.2 [S1]"},
    {"link", "0003660a", ALL, PM_RA_KEEP, "PR_PROFILE_TYPE", "§4.2 [S1]"},
    {"link", "00036609", ALL, PM_RA_KEEP, "PR_PROFILE_OPEN_FLAGS", "§4.2 [S1]"},
    {"link", "001f65d0", ALL, PM_RA_KEEP, "PR_PROFILE_ALTERNATE_STORE_TYPE", "§4.2"},
    {"link", "001f3d09", ALL, PM_RA_KEEP, "PR_SERVICE_NAME", "§3.2"},
    {"link", "001e3d09", ALL, PM_RA_KEEP, "PR_SERVICE_NAME", "§3.2"},
    {"link", "001f3d0a", ALL, PM_RA_KEEP, "service DLL", "§3.2"},
    {"link", "001f3d0b", ALL, PM_RA_KEEP, "service entry point", "§3.2"},
    {"link", "001f300a", ALL, PM_RA_KEEP, "PR_PROVIDER_DLL_NAME", "§3.5"},
    {"link", "001e300a", ALL, PM_RA_KEEP, "PR_PROVIDER_DLL_NAME", "§3.5"},
    {"link", "001f3006", ALL, PM_RA_KEEP, "PR_PROVIDER_DISPLAY", "§3.5"},
    {"link", "00033009", ALL, PM_RA_KEEP, "PR_RESOURCE_FLAGS", "§3.5"},
    {"link", "00036600", ALL, PM_RA_KEEP, "PR_PROFILE_VERSION", "§4.1"},
    {"link", "000b6659", ALL, PM_RA_KEEP,
     "PR_PROFILE_OFFICE365_MAILBOX: still true after a move between tenants", "corrections [S14]"},
    {"link", "Service UID", C, PM_RA_KEEP, "account's service; load-bearing", "§3.6 [S23]"},
    {"link", "XP Provider UID", C, PM_RA_KEEP, "account's transport section", "§3.6"},
    {"link", "Preferences UID", C, PM_RA_KEEP, "account's preferences section", "§3.6"},
    {"link", "clsid", C, PM_RA_KEEP, "account type", "§3.6"},
    {"link", "Mini UID", C, PM_RA_KEEP, "account identity for MAPI", "§3.6"},
    {"link", "Service Name", C, PM_RA_KEEP, "account flavour", "§3.6"},
    {"link", "MAPI provider", C, PM_RA_KEEP, "provider type", "§3.6"},
    {"link", "XP Status", C, PM_RA_KEEP, "transport status", "§3.6"},

    /* The profile's own name, kept out of the sweep: it must stay the name of the profile's key,
     * even when that name is the old address. */
    {"profile.name", "001e6750", ALL, PM_RA_KEEP,
     "the profile's name (its key under Profiles), not the mailbox's", "corrections"},
    {"profile.name", "001f6750", ALL, PM_RA_KEEP, "the profile's name (Unicode)", "corrections"},

    /* Identity: rewritten to the target. */
    {"identity.dn", "001e6603", E, PM_RA_DN, "PR_PROFILE_USER: owner's legacyExchangeDN",
     "§4.1 [S1,S9]"},
    {"identity.dn", "001f6603", E, PM_RA_DN, "PR_PROFILE_USER, Unicode variant where written",
     "§2.4 (update both variants)"},
    {"identity.dn", "001e660b", P | S | X, PM_RA_DN, "PR_PROFILE_MAILBOX: this mailbox's DN",
     "§4.2 [S1,S9,S11]"},
    {"identity.dn", "001f660b", P | S | X, PM_RA_DN,
     "PR_PROFILE_MAILBOX, Unicode variant where written", "§2.4 (update both variants)"},
    {"identity.smtp", "001f6641", E | P | S, PM_RA_SMTP,
     "PR_PROFILE_USER_SMTP_EMAIL_ADDRESS: what Outlook 2016+ autodiscovers from", "§4.1 [S8]"},
    {"identity.smtp", "001e6641", E | P | S, PM_RA_SMTP, "PR_PROFILE_USER_SMTP_EMAIL_ADDRESS (8-bit)",
     "§4.1 [S1]"},
    {"identity.name", "001f6620", E, PM_RA_NAME, "PR_PROFILE_ACCT_NAME shows the address",
     "§4.1 [S9]"},
    {"identity.name", "001e6620", E, PM_RA_NAME, "PR_PROFILE_ACCT_NAME (8-bit)", "§4.1 [S9]"},
    {"identity.name", "001f663d", E, PM_RA_NAME, "PR_PROFILE_USER_EMAIL", "§4.1 [S9]"},
    {"identity.name", "001f6607", E, PM_RA_NAME, "PR_PROFILE_UNRESOLVED_NAME", "§4.1 [S1,S8]"},
    {"identity.name", "001e6607", E, PM_RA_NAME, "PR_PROFILE_UNRESOLVED_NAME (8-bit)", "§4.1 [S1]"},
    {"identity.display", "001f3001", E | P | S | X | V | A, PM_RA_DISPLAY,
     "PR_DISPLAY_NAME: \"Mailbox - name\" or the address", "§3.5, §6.3"},
    {"identity.display", "001e3001", E | P | S | X | V | A, PM_RA_DISPLAY, "PR_DISPLAY_NAME (8-bit)",
     "§3.5, §6.3"},
    {"identity.signin", "001f3d16", E, PM_RA_SIGNIN,
     "sign-in name (UPN) of the mailbox: the home-realm hint modern authentication starts from",
     "corrections [S14]"},
    {"identity.signin", "001e3d16", E, PM_RA_SIGNIN, "sign-in name (8-bit)", "corrections [S14]"},
    {"identity.signin", "001f3d17", E, PM_RA_CRED_DOMAIN,
     "PR_EMSMDB_CRED_DOMAINNAME: the source forest's logon domain, or empty", "corrections [S14]"},
    {"identity.signin", "001f3d1d", E, PM_RA_DELETE,
     "PR_EMSMDB_IDENTITY_UNIQUEID: the source tenant's Office identity bound to the account",
     "corrections [S14]"},
    {"identity.tenant", "001f6663", E | P | S, PM_RA_DELETE,
     "PR_PROFILE_TENANT_ID: the source tenant", "corrections [S14]"},
    {"identity.abeid", "01023e01", E, PM_RA_ABEID,
     "PR_IDENTITY_ENTRYID: address-book EntryID of the owner embeds the DN", "corrections [S5]"},
    {"account.name", "Account Name", C, PM_RA_NAME, "account name shown in Account Settings",
     "§3.6 [S11,S12]"},
    {"account.name", "Display Name", C, PM_RA_NAME, "user display name", "§3.6 [S13]"},
    {"account.name", "Email", C, PM_RA_NAME, "user address", "§3.6 [S13]"},
    {"account.identity", "Identity Eid", C, PM_RA_ABEID,
     "address-book EntryID of the user embeds the DN", "§3.6, §5.3"},

    /* Servers: the target's when the PUF names it, else deleted for Autodiscover to fill. */
    {"server.name", "001e6602", E, PM_RA_SERVER, "PR_PROFILE_HOME_SERVER", "§4.1 [S1,S17]"},
    {"server.name", "001e6608", E, PM_RA_SERVER, "PR_PROFILE_UNRESOLVED_SERVER", "§4.1 [S8]"},
    {"server.name", "001f6608", E, PM_RA_SERVER, "PR_PROFILE_UNRESOLVED_SERVER_W", "§4.1 [S8]"},
    {"server.name", "001f662a", E | V | A, PM_RA_SERVER,
     "PR_PROFILE_HOME_SERVER_FQDN; also in the service and directory sections", "§4.1 [S8,S17], corrections"},
    {"server.name", "001f6602", E, PM_RA_SERVER, "PR_PROFILE_HOME_SERVER, Unicode variant",
     "§2.4 (update both variants)"},
    {"server.name", "001e660c", P | S | X, PM_RA_SERVER, "PR_PROFILE_SERVER", "§4.2 [S1,S9]"},
    {"server.name", "001f662b", P | S | X, PM_RA_SERVER, "PR_PROFILE_SERVER_FQDN_W", "§4.2 [S9]"},
    {"server.name", "001f660c", P | S | X, PM_RA_SERVER, "PR_PROFILE_SERVER, Unicode variant",
     "§2.4 (update both variants)"},
    {"server.dn", "001e6612", E, PM_RA_SERVER_DN, "PR_PROFILE_HOME_SERVER_DN", "§4.1 [S1,S9]"},
    {"server.dn", "001e6614", P | S | X, PM_RA_SERVER_DN, "PR_PROFILE_SERVER_DN", "§4.2 [S1,S9]"},
    {"server.dn", "001f6612", E, PM_RA_SERVER_DN, "PR_PROFILE_HOME_SERVER_DN, Unicode variant",
     "§2.4 (update both variants)"},
    {"server.dn", "001f6614", P | S | X, PM_RA_SERVER_DN, "PR_PROFILE_SERVER_DN, Unicode variant",
     "§2.4 (update both variants)"},

    /* Caches of the source mailbox or organisation: deleted, Outlook rebuilds them. */
    {"cache.autodiscover", "001f664a", E | P | S, PM_RA_DELETE,
     "last-known-good Autodiscover URL of the source", "§4.1, §6.3 [S9]"},
    {"cache.addrs", "101e6613", E, PM_RA_DELETE, "RPC bindings of the source server",
     "§4.1, §6.3 [S1]"},
    {"cache.addrs", "101f6613", E, PM_RA_DELETE, "RPC bindings of the source server", "§4.1"},
    {"cache.addrinfo", "01026687", E, PM_RA_DELETE, "PR_PROFILE_ADDR_INFO", "§6.3"},
    {"cache.addrinfo", "00146686", E, PM_RA_DELETE, "PR_PROFILE_ADDR_TIMESTAMP", "§6.3"},
    {"cache.version", "0003661b", E, PM_RA_DELETE, "server version: written after a connect",
     "§4.1, §6.3 [S8]"},
    {"cache.version", "0102663b", E, PM_RA_DELETE, "server full version", "§4.1, §6.3"},
    {"cache.mapping", "01020ff8", E | P | S, PM_RA_DELETE,
     "PR_MAPPING_SIGNATURE: mailbox-bound, drives the search index", "§4.1, §6.3 [S8]"},
    {"cache.offline", "01026611", E, PM_RA_DELETE, "PR_PROFILE_OFFLINE_INFO: OST binding",
     "§4.1, §6.3"},
    {"cache.oab", "001e667b", E, PM_RA_DELETE, "offline address book of the source", "§6.3"},
    {"cache.oab", "001f667b", E, PM_RA_DELETE, "offline address book of the source", "§6.3"},
    {"cache.oab", "001e667c", E, PM_RA_DELETE, "offline address book GUID", "§6.3"},
    {"cache.oab", "0003667d", E, PM_RA_DELETE, "offline address book sequence", "§6.3"},
    {"cache.addrlists", "110265e0", E, PM_RA_DELETE,
     "the source tenant's address lists (container EntryIDs)", "corrections"},
    {"cache.addrlists", "110265e6", E, PM_RA_DELETE, "the source tenant's address lists",
     "corrections"},
    {"cache.addrlists", "101f65e4", E, PM_RA_DELETE, "names of the source tenant's address lists",
     "corrections"},
    {"cache.addrlists", "100365e1", E, PM_RA_DELETE, "per address list numbers", "corrections"},
    {"cache.addrlists", "100365e2", E, PM_RA_DELETE, "per address list numbers", "corrections"},
    {"cache.addrlists", "100365e3", E, PM_RA_DELETE, "per address list numbers", "corrections"},
    {"cache.addrlists", "100365e5", E, PM_RA_DELETE, "per address list numbers", "corrections"},
    {"cache.oab", "101e65e9", E, PM_RA_DELETE, "offline address book GUID of the source",
     "corrections"},
    {"cache.proxyaddrs", "101f6637", E, PM_RA_DELETE,
     "PR_PROFILE_USER_EMAIL_ADDRESSES: every proxy address of the source mailbox",
     "corrections [S14]"},
    {"cache.mapihttp", "001f6652", E | P | S, PM_RA_DELETE, "MAPI/HTTP mailstore URL (internal)",
     "§4.8 [S9]"},
    {"cache.mapihttp", "001f6653", E | P | S, PM_RA_DELETE, "MAPI/HTTP mailstore URL (external)",
     "§4.8 [S9]"},
    {"cache.mapihttp", "001f6654", E | P | S, PM_RA_DELETE, "MAPI/HTTP address book URL (internal)",
     "§4.8 [S9]"},
    {"cache.mapihttp", "001f6655", E | P | S, PM_RA_DELETE, "MAPI/HTTP address book URL (external)",
     "§4.8 [S9]"},
    {"cache.entryid", "01020fff", E | P | S, PM_RA_DELETE,
     "wrapped store EntryID: names the source server and DN; rewritten at logon", "§5.2 [S8]"},
    {"account.delivery", "Delivery Store EntryID", C, PM_RA_STORE_EID,
     "store EntryID of the mailbox mail is delivered to", "§5.2 [S14,S23]"},
    {"account.delivery", "Delivery Folder EntryID", C, PM_RA_DELETE,
     "folder EntryID of the source mailbox", "§5.2, §6.3 [S23]"},

    /* Outside the accounts: values that embed a migrated mailbox's store EntryID or name it. */
    {"linked.storelist", "11026626", CT, PM_RA_STORE_LIST,
     "PR_CONTAB_STORE_ENTRYIDS: store EntryIDs of the contact folders' mailboxes",
     "corrections [S5,S10]"},
    {"linked.storenames", "101e6622", CT, PM_RA_STORE_NAMES,
     "PR_CONTAB_STORE_NAMES: display names of those stores", "corrections [S5]"},
    {"linked.storenames", "101f6627", CT, PM_RA_STORE_NAMES, "store names (Unicode twin)",
     "corrections [S5]"},
    {"linked.storelist", "1102039b", G, PM_RA_STORE_LIST,
     "list of store EntryIDs (the default store)", "corrections [S10]"},
    {"linked.embedded", "1102022a", G, PM_RA_STORE_EMBED,
     "folder and store EntryID pairs with in-memory pointers", "corrections"},
    {"linked.embedded", "11020434", G, PM_RA_STORE_EMBED,
     "versioned structure holding a folder and a store EntryID (twice in version 4)",
     "corrections"},

    /* Settings from prof.config. */
    {"config.proxy", "001f6622", E | P | S, PM_RA_ROH_SERVER,
     "PR_ROH_PROXY_SERVER: ProxyServer, or deleted", "§4.7 [S2,S8]"},
    {"config.proxy", "00036623", E | P | S, PM_RA_ROH_FLAGS, "PR_ROH_FLAGS: OutlookAnywhere flags",
     "§4.7 [S2,S8]"},
    {"config.proxy", "00036627", E | P | S, PM_RA_ROH_AUTH, "PR_ROH_PROXY_AUTH_SCHEME: ProxyAuth",
     "§4.7 [S2,S8]"},
    {"config.proxy", "001f6625", E | P | S, PM_RA_ROH_PRINCIPAL,
     "PR_ROH_PROXY_PRINCIPAL_NAME: ProxyPrincipalName", "§4.7 [S8]"},
    {"config.cached", "00036601", E, PM_RA_CACHE_FLAGS,
     "PR_PROFILE_CONFIG_FLAGS: CachedMode, DownloadSharedFolders, "
     "DownloadPublicFolderFavorites bits",
     "§4.4 [S5,S8,S9]"},
    {"config.ost", "001f6610", E, PM_RA_OST, "PR_PROFILE_OFFLINE_STORE_PATH: OstAction",
     "§6.4 [S16]"},
    {"config.ost", "001e6610", E, PM_RA_OST, "PR_PROFILE_OFFLINE_STORE_PATH (8-bit)", "§6.4"},
};
const size_t pm_nrules = PM_ARRAY_SIZE(pm_rules);

const struct pm_rule *pm_rule_find(const char *value, unsigned role)
{
    /* Called for every value of every migrated section: reject on the last character (the
     * property ID's, where tags differ most) before the full comparison. */
    size_t vl = strlen(value);
    char last = vl ? (char)(value[vl - 1] | 0x20) : 0;
    for (size_t i = 0; i < pm_nrules; i++) {
        const char *rv = pm_rules[i].value;
        size_t rl = strlen(rv);
        if (rl == vl && (char)(rv[rl - 1] | 0x20) == last && (pm_rules[i].roles & role) &&
            pm_name_casecmp(rv, value) == 0)
            return &pm_rules[i];
    }
    return NULL;
}

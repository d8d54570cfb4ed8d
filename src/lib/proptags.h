/* The registry value names of the MAPI properties the profile walk and the plan read by name
 * (docs/outlook-profile-format.md §2.2: type then id, "%04x%04x"). One table, so a tag is spelled
 * once; the update rules themselves are rows of rules.c, which the documentation mirrors. The
 * comment gives the property's name in Microsoft's headers ([S1] EdkMdb.h, [S3] MAPITags.h,
 * [S2] MAPIAux.h, [S9] the mapi-profile-toolkit); _A is the 8-bit variant, _W the Unicode one. */
#ifndef PM_PROPTAGS_H
#define PM_PROPTAGS_H

/* Links between sections. */
#define V_SERVICES "01023d0e"        /* PR_SERVICES (master section) */
#define V_STORE_PROVIDERS "01023d00" /* PR_STORE_PROVIDERS */
#define V_AB_PROVIDERS "01023d01"    /* PR_AB_PROVIDERS */
#define V_XP_PROVIDERS "01023d02"    /* PR_TRANSPORT_PROVIDERS */
#define V_EMSMDB_UID "01023d15"      /* PR_EMSMDB_SECTION_UID */
#define V_SERVICE_UID "01023d0c"     /* PR_SERVICE_UID (back-pointer in provider sections) */
#define V_SERVICE_NAME_W "001f3d09"  /* PR_SERVICE_NAME_W: "MSEMS", "CONTAB", ... */
#define V_SERVICE_NAME_A "001e3d09"  /* PR_SERVICE_NAME_A */

/* Which mailbox a section holds. */
#define V_PROFILE_USER_A "001e6603"    /* PR_PROFILE_USER: the owner's legacyExchangeDN */
#define V_PROFILE_USER_W "001f6603"    /* PR_PROFILE_USER, Unicode where written */
#define V_PROFILE_MAILBOX_A "001e660b" /* PR_PROFILE_MAILBOX: a store's mailbox DN */
#define V_PROFILE_MAILBOX_W "001f660b" /* PR_PROFILE_MAILBOX, Unicode where written */
#define V_SMTP_W "001f6641"            /* PR_PROFILE_USER_SMTP_EMAIL_ADDRESS_W */
#define V_SMTP_A "001e6641"            /* PR_PROFILE_USER_SMTP_EMAIL_ADDRESS */
#define V_DISPLAY_NAME_W "001f3001"    /* PR_DISPLAY_NAME_W */
#define V_DISPLAY_NAME_A "001e3001"    /* PR_DISPLAY_NAME_A */
#define V_PROFILE_TYPE "0003660a"      /* PR_PROFILE_TYPE: 1 primary, 2 delegate, 3 public */
#define V_ALT_STORE_TYPE "001f65d0"    /* PR_PROFILE_ALTERNATE_STORE_TYPE_W: "Archive" */
#define V_MDB_PROVIDER "01023414"      /* PR_MDB_PROVIDER: the store provider's UID */

/* Servers. */
#define V_HOME_SERVER_A "001e6602"       /* PR_PROFILE_HOME_SERVER */
#define V_HOME_SERVER_W "001f6602"       /* PR_PROFILE_HOME_SERVER, Unicode variant */
#define V_UNRESOLVED_SERVER_A "001e6608" /* PR_PROFILE_UNRESOLVED_SERVER */
#define V_UNRESOLVED_SERVER_W "001f6608" /* PR_PROFILE_UNRESOLVED_SERVER_W */
#define V_HOME_SERVER_FQDN "001f662a"    /* PR_PROFILE_HOME_SERVER_FQDN */
#define V_SERVER_A "001e660c"            /* PR_PROFILE_SERVER */
#define V_SERVER_W "001f660c"            /* PR_PROFILE_SERVER, Unicode variant */
#define V_SERVER_FQDN "001f662b"         /* PR_PROFILE_SERVER_FQDN_W */

/* Outlook Anywhere [S2] and MAPI/HTTP [S9]. */
#define V_ROH_FLAGS "00036623"           /* PR_ROH_FLAGS */
#define V_ROH_PROXY_SERVER "001f6622"    /* PR_ROH_PROXY_SERVER */
#define V_ROH_PROXY_PRINCIPAL "001f6625" /* PR_ROH_PROXY_PRINCIPAL_NAME */
#define V_ROH_PROXY_AUTH "00036627"      /* PR_ROH_PROXY_AUTH_SCHEME */
#define V_MAPIHTTP_STORE_INT "001f6652"  /* PR_PROFILE_MAPIHTTP_MAILSTORE_INTERNAL_URL */
#define V_MAPIHTTP_STORE_EXT "001f6653"  /* PR_PROFILE_MAPIHTTP_MAILSTORE_EXTERNAL_URL */
#define V_MAPIHTTP_AB_INT "001f6654"     /* PR_PROFILE_MAPIHTTP_ADDRESSBOOK_INTERNAL_URL */
#define V_MAPIHTTP_AB_EXT "001f6655"     /* PR_PROFILE_MAPIHTTP_ADDRESSBOOK_EXTERNAL_URL */

/* The offline store. */
#define V_OST_PATH_W "001f6610" /* PR_PROFILE_OFFLINE_STORE_PATH_W */
#define V_OST_PATH_A "001e6610" /* PR_PROFILE_OFFLINE_STORE_PATH */

#endif

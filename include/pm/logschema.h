/* The run log's schema: every event name and field name the writers (the update run in the
 * library, the update and restore commands) put in a log line and the reader (report) looks
 * for. One place, so a writer and the reader cannot drift apart; docs/log-format.md describes
 * each event. Names are string literals: they are written to every log already shipped, so they
 * are a contract and never change. */
#ifndef PM_LOGSCHEMA_H
#define PM_LOGSCHEMA_H

/* ---- events ---- */
#define PM_EV_RUN_START "run.start"   /* first line of every run */
#define PM_EV_RUN_END "run.end"       /* last line: result, exit code, counts */
#define PM_EV_PROFILE "profile"       /* one per profile read */
#define PM_EV_PUF_LOOKUP "puf.lookup" /* how the PUF was searched */
#define PM_EV_PUF_INDEX "puf.index"   /* no usable index: the PUF was read whole */
#define PM_EV_MAILBOX "mailbox"       /* one decision per mailbox */
#define PM_EV_CHANGE "change"         /* one registry edit (made, or planned in a dry run) */
#define PM_EV_BACKUP "backup"         /* the backup file written */
#define PM_EV_OST "ost"               /* an OST rename */
#define PM_EV_IN_USE "in_use"         /* a MAPI client or an open OST stopped the run */
#define PM_EV_WAIT "wait"             /* waiting for MAPI clients to exit */
#define PM_EV_WATCH_END "watch.end"   /* the watch mode's wait is over: how long, how fast */
#define PM_EV_RUN_AFTER "run_after"   /* the RunAfter program started (or not) */
#define PM_EV_RESTORE "restore"       /* one profile restored from a backup */
#define PM_EV_HINT "hint"             /* advice for the administrator */
#define PM_EV_ERROR "error"           /* why the run failed */
#define PM_EV_WARNING "warning"       /* a problem that did not stop the run */
#define PM_EV_CONFIG_WARNING "config.warning" /* a prof.config line ignored or odd */
#define PM_EV_PUF_WARNING "puf.warning"       /* a malformed PUF line skipped */
#define PM_EV_POLICY_WARNING "policy.warning" /* a Group Policy setting against the config */
#define PM_EV_SECURITY "security"             /* a file others can change controls the run */
#define PM_EV_LOCK "lock"                     /* the single-run lock covers this session only */
#define PM_EV_OUTSIDE "outside" /* a setting outside the profile that sends Outlook to the source */
#define PM_EV_CLEANUP "cleanup" /* a file cleanup removed (or would remove, or could not) */

/* ---- fields ---- */
#define PM_F_VERSION "version"
#define PM_F_USER "user"
#define PM_F_COMPUTER "computer"
#define PM_F_EXE "exe"
#define PM_F_CONFIG "config"
#define PM_F_PUF "puf"
#define PM_F_PUF_BYTES "puf_bytes"
#define PM_F_STORE "store"
#define PM_F_MODE "mode"
#define PM_F_RESULT "result"
#define PM_F_EXIT "exit"
#define PM_F_UPDATED "updated"
#define PM_F_CURRENT "current"
#define PM_F_NOT_MIGRATED "not_migrated"
#define PM_F_SKIPPED "skipped"
#define PM_F_FAILED "failed"
#define PM_F_POLICY_WARNINGS "policy_warnings"
#define PM_F_RESTORED "restored"
#define PM_F_UNCHANGED "unchanged"
#define PM_F_REASON "reason"
#define PM_F_DURATION_MS "duration_ms"
#define PM_F_ROOT "root"
#define PM_F_NAME "name"
#define PM_F_DEFAULT "default"
#define PM_F_ACCOUNTS "accounts"
#define PM_F_SERVICES "services"
#define PM_F_QUERIES "queries"
#define PM_F_USED_INDEX "used_index"
#define PM_F_BYTES_READ "bytes_read"
#define PM_F_MALFORMED "malformed"
#define PM_F_NOTE "note"
#define PM_F_CACHE "cache"
#define PM_F_PROFILE "profile"
#define PM_F_ACCOUNT "account"
#define PM_F_ROLE "role"
#define PM_F_DN "dn"
#define PM_F_STATE "state"
#define PM_F_PUF_LINE "puf_line"
#define PM_F_TARGET "target"
#define PM_F_KEY "key"
#define PM_F_VALUE "value"
#define PM_F_OP "op"
#define PM_F_RULE "rule"
#define PM_F_OLD "old"
#define PM_F_NEW "new"
#define PM_F_DATA "data"
#define PM_F_FILE "file"
#define PM_F_FILES "files"
#define PM_F_PROCESSES "processes"
#define PM_F_SECONDS "seconds"
#define PM_F_LATENCY_MS "latency_ms" /* watch.end: from the last client's exit to the commit */
#define PM_F_WAITED_MS "waited_ms"
#define PM_F_WAITS "waits"
#define PM_F_RESTARTS "restarts"
#define PM_F_FROM "from"
#define PM_F_TO "to"
#define PM_F_ACTION "action"
#define PM_F_DONE "done"
#define PM_F_PROGRAM "program"
#define PM_F_ARGS "args"
#define PM_F_STARTED "started"
#define PM_F_KEYS "keys"
#define PM_F_VALUES "values"
#define PM_F_WHERE "where"
#define PM_F_LINE "line"
#define PM_F_MSG "msg"
#define PM_F_BACKUP "backup"
#define PM_F_FALLBACK "fallback"
#define PM_F_WHY "why"
#define PM_F_SCOPE "scope"
#define PM_F_SETTING "setting"
#define PM_F_KIND "kind" /* outside: the kind of setting; cleanup: "ost" or "backup" */
#define PM_F_AGE_DAYS "age_days" /* cleanup: days since the file was last written */
#define PM_F_BYTES "bytes"       /* cleanup: the file's size */
#define PM_F_SHA256 "sha256"     /* outside (kind=file): the file's SHA-256 */

/* ---- values with a meaning for the reader ---- */
#define PM_MODE_UPDATE "update"
#define PM_MODE_DRY_RUN "dry-run"
#define PM_MODE_RESTORE "restore"
#define PM_MODE_RESTORE_DRY_RUN "restore-dry-run"

#endif

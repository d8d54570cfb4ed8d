/* The run log: writes one event per line to "<folder>/<COMPUTER>_<user>.log" and parses such
 * lines back for the report. Lines are built whole in memory and kept there until the run
 * flushes them at one of its defined points (pm_log_flush; docs/log-format.md lists them), since
 * on a file share every write is a network round trip. A flush hands whole lines to the platform
 * layer's append-only file, at most LOG_FLUSH_MAX bytes per write (O_APPEND; FILE_APPEND_DATA on
 * Windows, where the C runtime's append mode seeks and then writes, which two processes can
 * interleave), so two runs appending at once never mix inside a line. Values are escaped (see
 * pm/log.h) so nothing a user, a registry value or a file name contains can end a line early or
 * look like another field. */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/log.h"
#include "pm/os.h"

/* A line longer than this is cut (values are shortened, the line stays well-formed): one write
 * of a few KiB is what file systems and SMB shares keep whole. */
#define LOG_MAX_LINE 16384
#define LOG_MAX_VALUE 4096
#define LOG_NAME_MAX 100
/* One flush writes at most this much, always whole lines: 60 KiB is the largest write every SMB
 * dialect sends as one request (SMB1 without large writes: 61440 bytes), which the server
 * applies whole at the end of the file. Larger pending text is split at line ends. */
#define LOG_FLUSH_MAX 61440
/* Lines held in memory at most; past this the pending lines are flushed early, so a run that
 * logs without end cannot grow without bound. */
#define LOG_PENDING_MAX (256 * 1024)

struct pm_log {
    void *file; /* pm_os_append_open handle */
    char *path;
    char *run_id;
    char *note;            /* why an earlier log place was passed over, or NULL */
    int note_done;         /* the note was written (after the run's first line) */
    struct pm_buf pending; /* whole lines not yet written */
};

const char *pm_exit_name(int code)
{
    static const char *const names[] = {
        "ok",     "problems",    "usage",  "config_error", "puf_error",
        "in_use", "rolled_back", "locked", "store_error",  "rollback_failed",
    };
    if (code >= 0 && (size_t)code < PM_ARRAY_SIZE(names))
        return names[code];
    return "unknown";
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), so no gmtime() and no time zone
 * database is involved: the log is always UTC. */
static void civil_from_days(long long z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long yy = (long long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

void pm_log_timestamp(long long now, char out[32])
{
    long long days = now / 86400, secs = now % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 32, "%04d-%02u-%02uT%02u:%02u:%02uZ", y, m, d, (unsigned)(secs / 3600),
             (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

static int bare_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c && strchr("._:/@+,=()-", c));
}

static int key_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* Appends the escaped value of at most 'maxlen' source bytes. UTF-8 text stays readable; bytes
 * of a value that is not valid UTF-8 are written as \xHH so the log stays valid UTF-8. */
static int put_value(struct pm_buf *b, const char *v, size_t maxlen)
{
    size_t n = strlen(v);
    int cut = 0;
    if (n > maxlen) {
        n = maxlen;
        cut = 1;
    }
    int bare = n > 0 && !cut;
    for (size_t i = 0; bare && i < n; i++)
        bare = bare_char((unsigned char)v[i]);
    if (bare)
        return pm_buf_append(b, v, n);
    int utf8 = pm_utf8_valid(v, n);
    int rc = pm_buf_putc(b, '"');
    for (size_t i = 0; rc == 0 && i < n; i++) {
        /* Copy a run of plain characters at once; escape the rest one by one. */
        size_t run = i;
        while (run < n && (unsigned char)v[run] >= 0x20 && v[run] != '"' && v[run] != '\\' &&
               v[run] != 0x7f && ((unsigned char)v[run] < 0x80 || utf8))
            run++;
        if (run > i) {
            rc = pm_buf_append(b, v + i, run - i);
            i = run - 1;
            continue;
        }
        unsigned char c = (unsigned char)v[i];
        switch (c) {
        case '"':
            rc = pm_buf_puts(b, "\\\"");
            break;
        case '\\':
            rc = pm_buf_puts(b, "\\\\");
            break;
        case '\n':
            rc = pm_buf_puts(b, "\\n");
            break;
        case '\r':
            rc = pm_buf_puts(b, "\\r");
            break;
        case '\t':
            rc = pm_buf_puts(b, "\\t");
            break;
        default:
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
                rc = pm_buf_printf(b, "\\x%02x", c);
            else
                rc = pm_buf_putc(b, (char)c);
        }
    }
    if (rc == 0 && cut)
        rc = pm_buf_puts(b, "...");
    if (rc == 0)
        rc = pm_buf_putc(b, '"');
    return rc;
}

static int put_field(struct pm_buf *b, const char *key, const char *value, size_t maxlen)
{
    int rc = pm_buf_putc(b, ' ');
    size_t klen = strlen(key), plain = 0;
    while (plain < klen && key_char((unsigned char)key[plain]))
        plain++;
    if (rc == 0)
        rc = pm_buf_append(b, key, plain);
    for (const char *k = key + plain; rc == 0 && *k; k++)
        rc = pm_buf_putc(b, key_char((unsigned char)*k) ? *k : '_');
    if (rc == 0 && !*key)
        rc = pm_buf_putc(b, '_');
    if (rc == 0)
        rc = pm_buf_putc(b, '=');
    if (rc == 0)
        rc = put_value(b, value, maxlen);
    return rc;
}

int pm_log_field(struct pm_buf *b, const char *key, const char *value)
{
    return put_field(b, key ? key : "", value ? value : "", (size_t)-1);
}

/* File-name part from a user or computer name: anything Windows or POSIX would refuse or read
 * as a path becomes '_'; UTF-8 letters stay. */
static void sanitize_name(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = s ? s : ""; *p && o + 1 < size && o < LOG_NAME_MAX; p++) {
        unsigned char c = (unsigned char)*p;
        int ok = c >= 0x80 || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 (c >= '0' && c <= '9') || strchr("-_.@$ ", c);
        out[o++] = ok ? (char)c : '_';
    }
    out[o] = 0;
    /* Leading dots would hide the file or make ".."; trailing dots and blanks Windows drops. */
    for (size_t i = 0; i < o && out[i] == '.'; i++)
        out[i] = '_';
    while (o > 0 && (out[o - 1] == '.' || out[o - 1] == ' '))
        out[--o] = 0;
    if (!o)
        snprintf(out, size, "unknown");
}

void pm_log_file_name(const char *computer, const char *user, char out[PM_LOG_FILE_NAME_MAX])
{
    char cname[2 * LOG_NAME_MAX], uname[2 * LOG_NAME_MAX];
    sanitize_name(computer, cname, sizeof(cname));
    sanitize_name(user, uname, sizeof(uname));
    snprintf(out, PM_LOG_FILE_NAME_MAX, "%s_%s.log", cname, uname);
}

int pm_log_open(struct pm_log **out, const char *const *folders, size_t nfolders,
                const char *computer, const char *user, const char *run_id, struct pm_error *err)
{
    *out = NULL;
    char file[PM_LOG_FILE_NAME_MAX];
    pm_log_file_name(computer, user, file);
    struct pm_buf path = PM_BUF_INIT;
    pm_buf_init(&path, 8192);
    const char *tried = NULL;
    struct pm_buf refused = PM_BUF_INIT;
    for (size_t i = 0; i < nfolders; i++) {
        const char *dir = folders[i];
        if (!dir || !*dir)
            continue;
        tried = dir;
        pm_buf_reset(&path);
        if (pm_path_join(&path, dir, file) < 0)
            continue;
        void *file;
        /* The folder usually exists: open first, make the folder only when that fails (one call
         * on a share instead of two). */
        int orc = pm_os_append_open(path.data, &file);
        if (orc < 0 && !pm_os_file_exists(dir)) {
            if (pm_os_mkdirs(dir) < 0)
                continue; /* no such folder and none can be made: the next place, no note */
            orc = pm_os_append_open(path.data, &file);
        }
        if (orc < 0) {
            /* A link, a FIFO, another user's file or a second hard link planted in a folder
             * open to all is refused like an unwritable one; the next place is used and the
             * log says why. */
            if (!refused.len)
                pm_buf_puts(&refused, path.data);
            continue;
        }
        struct pm_log *log = calloc(1, sizeof(*log));
        if (!log) {
            pm_os_append_close(file);
            pm_buf_release(&path);
            pm_buf_release(&refused);
            return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory opening the log");
        }
        if (refused.len) {
            struct pm_buf n = PM_BUF_INIT;
            pm_buf_printf(&n,
                          "cannot use the log file '%s' (not writable, or a link, a file of "
                          "another user or not a plain file); logging to '%s'",
                          refused.data, path.data);
            log->note = pm_buf_detach(&n, NULL);
        }
        pm_buf_release(&refused);
        log->file = file;
        pm_buf_init(&log->pending, LOG_PENDING_MAX + LOG_MAX_LINE + 64);
        log->path = pm_buf_detach(&path, NULL);
        log->run_id = pm_strdup(run_id && *run_id ? run_id : "-");
        if (!log->path || !log->run_id) {
            pm_log_close(log);
            return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory opening the log");
        }
        *out = log;
        return 0;
    }
    pm_buf_release(&path);
    pm_buf_release(&refused);
    return pm_error_set(err, PM_ERR_IO, tried, 0,
                        tried ? "cannot write the log '%s' in any log folder"
                              : "no log folder given for '%s'",
                        file);
}

void pm_log_flush(struct pm_log *log)
{
    if (!log || !log->file || !log->pending.len)
        return;
    const char *p = log->pending.data;
    size_t left = log->pending.len;
    while (left) {
        size_t n = left;
        if (n > LOG_FLUSH_MAX) {
            /* The last line end within the limit; a line is never longer than LOG_MAX_LINE. */
            n = LOG_FLUSH_MAX;
            while (n > 0 && p[n - 1] != '\n')
                n--;
            if (!n)
                n = LOG_FLUSH_MAX;
        }
        pm_os_append_write(log->file, p, n); /* a lost log line must not stop a run */
        p += n;
        left -= n;
    }
    pm_buf_reset(&log->pending);
}

void pm_log_close(struct pm_log *log)
{
    if (!log)
        return;
    pm_log_flush(log);
    pm_buf_release(&log->pending);
    pm_os_append_close(log->file);
    free(log->path);
    free(log->run_id);
    free(log->note);
    free(log);
}

const char *pm_log_path(const struct pm_log *log)
{
    return log ? log->path : NULL;
}

const char *pm_log_note(const struct pm_log *log)
{
    return log ? log->note : NULL;
}

void pm_log_event(struct pm_log *log, const char *event, ...)
{
    if (!log || !log->file)
        return;
    char ts[32];
    pm_log_timestamp(pm_os_time_now(), ts);
    struct pm_buf b;
    pm_buf_init(&b, LOG_MAX_LINE + 64);
    int rc = pm_buf_puts(&b, ts);
    if (rc == 0)
        rc = put_field(&b, "run", log->run_id, 128);
    if (rc == 0)
        rc = put_field(&b, "event", event ? event : "", 128);
    va_list ap;
    va_start(ap, event);
    for (int nf = 2; rc == 0; nf++) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        if (!v)
            continue;
        if (nf >= 64) /* the parser keeps 64 fields; say so rather than write more */
            break;
        size_t before = b.len;
        size_t room = b.len < LOG_MAX_LINE - 256 ? LOG_MAX_LINE - 256 - b.len : 0;
        /* Escaping can quadruple a byte (\xHH), so cap the source bytes to what fits. */
        size_t maxsrc = room / 4 < LOG_MAX_VALUE ? room / 4 : LOG_MAX_VALUE;
        rc = put_field(&b, k, v, maxsrc);
        if (rc == PM_ERR_LIMIT) {
            b.len = before;
            b.data[b.len] = 0;
            rc = 0;
            break;
        }
    }
    va_end(ap);
    if (rc == 0)
        rc = pm_buf_putc(&b, '\n');
    if (rc == 0 && log->pending.len + b.len > LOG_PENDING_MAX)
        pm_log_flush(log);
    if (rc == 0 && pm_buf_append(&log->pending, b.data, b.len) < 0)
        pm_os_append_write(log->file, b.data, b.len); /* no memory: write it alone */
    pm_buf_release(&b);
    /* After the run's first line (run.start), so the report reads it as part of the run. */
    if (log->note && !log->note_done) {
        log->note_done = 1;
        pm_log_event(log, "warning", "msg", log->note, NULL);
    }
}

/* ---- parsing ---- */

static int is_timestamp(const char *s, size_t n)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (n != sizeof(shape) - 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    }
    return 1;
}

int pm_log_parse_line(const char *line, size_t len, struct pm_log_line *out)
{
    memset(out, 0, sizeof(*out));
    if (len && line[len - 1] == '\r') /* a log copied through a Windows editor */
        len--;
    char *st = malloc(len + 2);
    if (!st)
        return PM_ERR_NOMEM;
    out->storage = st;
    size_t i = 0, o = 0;
    while (i < len && line[i] != ' ')
        i++;
    if (!is_timestamp(line, i))
        goto bad;
    memcpy(st, line, i);
    st[i] = 0;
    out->timestamp = st;
    o = i + 1;
    while (i < len) {
        if (line[i] != ' ')
            goto bad;
        i++;
        size_t k0 = i;
        while (i < len && key_char((unsigned char)line[i]))
            i++;
        if (i == k0 || i >= len || line[i] != '=')
            goto bad;
        if (out->nfields >= PM_ARRAY_SIZE(out->keys))
            goto bad;
        char *key = st + o;
        memcpy(key, line + k0, i - k0);
        o += i - k0;
        st[o++] = 0;
        i++;
        char *val = st + o;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i >= len)
                    goto bad; /* unterminated: a truncated line */
                char c = line[i++];
                if (c == '"')
                    break;
                if ((unsigned char)c < 0x20)
                    goto bad;
                if (c != '\\') {
                    st[o++] = c;
                    continue;
                }
                if (i >= len)
                    goto bad;
                c = line[i++];
                switch (c) {
                case '"':
                case '\\':
                    st[o++] = c;
                    break;
                case 'n':
                    st[o++] = '\n';
                    break;
                case 'r':
                    st[o++] = '\r';
                    break;
                case 't':
                    st[o++] = '\t';
                    break;
                case 'x': {
                    int h = i + 1 < len ? pm_hex_digit((unsigned char)line[i]) : -1;
                    int l = h >= 0 ? pm_hex_digit((unsigned char)line[i + 1]) : -1;
                    if (l < 0 || (h == 0 && l == 0))
                        goto bad;
                    st[o++] = (char)(h * 16 + l);
                    i += 2;
                    break;
                }
                default:
                    goto bad;
                }
            }
            if (i < len && line[i] != ' ')
                goto bad;
        } else {
            size_t v0 = i;
            while (i < len && bare_char((unsigned char)line[i]))
                i++;
            if (i == v0 || (i < len && line[i] != ' '))
                goto bad;
            memcpy(st + o, line + v0, i - v0);
            o += i - v0;
        }
        st[o++] = 0;
        out->keys[out->nfields] = key;
        out->vals[out->nfields] = val;
        out->nfields++;
    }
    if (out->nfields < 2 || strcmp(out->keys[0], "run") || strcmp(out->keys[1], "event") ||
        !out->vals[1][0])
        goto bad;
    out->run = out->vals[0];
    out->event = out->vals[1];
    return 0;
bad:
    pm_log_line_release(out);
    return PM_ERR_PARSE;
}

void pm_log_line_release(struct pm_log_line *l)
{
    if (!l)
        return;
    free(l->storage);
    memset(l, 0, sizeof(*l));
}

const char *pm_log_line_get(const struct pm_log_line *l, const char *key)
{
    for (size_t i = 0; i < l->nfields; i++)
        if (!strcmp(l->keys[i], key))
            return l->vals[i];
    return NULL;
}

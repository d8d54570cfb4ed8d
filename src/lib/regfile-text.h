/* Internal half of regfile.c shared with the reg store backend: the parser that also reports the
 * exact text style it read (encoding, BOM, line ends), and a writer that produces regedit's
 * layout in that style, so a .reg file loaded as a store is written back the way it came. */
#ifndef PM_REGFILE_TEXT_H
#define PM_REGFILE_TEXT_H

#include "pm/regfile.h"

/* How a .reg file is spelled, beyond its header version. */
struct pm_regtext_style {
    enum pm_reg_format fmt; /* header: REGEDIT5 or REGEDIT4 */
    int utf16;              /* UTF-16LE (always with BOM when written), else UTF-8 */
    int bom;                /* UTF-8 only: starts with EF BB BF */
    int crlf;               /* lines end with CR LF, else LF */
};

/* The style pm_regfile_export writes for a header version. */
void pm_regtext_style_for(enum pm_reg_format fmt, struct pm_regtext_style *style);

/* pm_regfile_parse, also filling *style (may be NULL). */
int pm_regtext_parse(const void *data, size_t len, const char *name,
                     const struct pm_regfile_sink *sink, struct pm_regtext_style *style,
                     struct pm_error *err);

/* Writer: text is kept as UTF-16 code units until pm_regtext_finish encodes it. */
struct pm_regtext {
    struct pm_buf units; /* UTF-16LE bytes */
    struct pm_regtext_style style;
};

void pm_regtext_init(struct pm_regtext *w, const struct pm_regtext_style *style);
void pm_regtext_release(struct pm_regtext *w);
/* The header line. */
int pm_regtext_header(struct pm_regtext *w);
/* A blank line and "[root\path]" ("[root]" when path is ""). */
int pm_regtext_key(struct pm_regtext *w, const char *root, const char *path);
/* One value line (wrapped hex lines included), as regedit writes it. PM_ERR_UNSUPPORTED when
 * the bytes cannot be spelled exactly in the style (REGEDIT4 hex(2)/hex(7) that is not text). */
int pm_regtext_value(struct pm_regtext *w, const char *name, uint32_t type, const uint8_t *data,
                     size_t len, struct pm_error *err);
/* The final blank line, then appends the encoded text (BOM included) to out. */
int pm_regtext_finish(struct pm_regtext *w, struct pm_buf *out, struct pm_error *err);

/* Longest key path a .reg file may name, in components. */
#define PM_REGFILE_MAX_DEPTH 512

#endif

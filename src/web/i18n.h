/* i18n: the web's languages: Japanese (default) and English, from gettext catalogs. */
#ifndef MAMORI_WEB_I18N_H
#define MAMORI_WEB_I18N_H

/*
 * Message ids in the code are English; po/ja.po translates them (xgettext
 * extracts _() and N_() from src/web, msgfmt compiles the catalog at build
 * time and the .mo file is embedded in the binary). English is the msgid
 * itself.
 *
 * libintl's gettext() chooses the language from the process locale, which
 * is one for all threads and needs the system's ja_JP locale installed. A
 * server answers Japanese and English requests at once on a pool of
 * threads, so the language is a per-thread setting (i18n_set_lang, done
 * for each request) and the lookup reads the embedded .mo catalog directly
 * (GNU .mo format: binary search over the sorted original strings).
 */
enum web_lang {
	WEB_LANG_JA = 0,
	WEB_LANG_EN = 1,
};

void i18n_set_lang(enum web_lang lang);
enum web_lang i18n_lang(void);
/* "ja" or "en", for <html lang> and the language switch. */
const char *i18n_lang_code(enum web_lang lang);
/* Parses "ja" / "en"; returns -1 for anything else. */
int i18n_lang_parse(const char *s);

const char *i18n_gettext(const char *msgid) __attribute__((format_arg(1)));
const char *i18n_pgettext(const char *ctx_msgid) __attribute__((format_arg(1)));
/* The Japanese of msgid whatever this thread's language (the CLI's own choice: cli/cli.h). */
const char *i18n_gettext_ja(const char *msgid) __attribute__((format_arg(1)));
/* Japanese has one plural form; English chooses by n. */
const char *i18n_ngettext(const char *msgid, const char *plural, unsigned long n)
    __attribute__((format_arg(1))) __attribute__((format_arg(2)));

/* Checks the embedded catalog; returns 0 or -EINVAL (tests call it). */
int i18n_check_catalog(void);

#define _(s)  i18n_gettext(s)
#define N_(s) (s)

#endif

/* directory: the ward's LDAP / Active Directory (libldap), as DIR/mamori.conf's [ldap] names it:
 * logging a person in by binding as them (over LDAPS or StartTLS, never in the clear), and
 * reading the people, their sections and their groups for `mamori user sync` (docs/config.md). */
#ifndef MAMORI_AUTH_DIRECTORY_H
#define MAMORI_AUTH_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/conf.h"
#include "base/strbuf.h"

/* [ldap] group = ROLE@SCOPE GROUP-DN; [ldap] section = SECTION-ID DN (an OU or a group). */
struct dir_map {
	char *what; /* "ciso@org", "zeimu" */
	char *dn;
};

struct dir_conf {
	char *url;        /* ldaps://host[:port] or ldap://host[:port] (then starttls) */
	bool starttls;    /* upgrade ldap:// before any bind */
	char *ca_file;    /* the CA that signed the directory's certificate, or NULL (system's) */
	char *base_dn;    /* where people are searched */
	char *login_attr; /* uid (default), sAMAccountName */
	char *name_attr;  /* displayName (default), then cn */
	char *bind_dn;    /* the service account (search at login, sync), or NULL */
	char *bind_pw;    /* its password, read from bind_password_file; wiped on release */
	int timeout_s;    /* every network wait */
	struct dir_map *groups, *sections;
	size_t n_groups, n_sections;
};

/*
 * Reads [ldap] from c. Returns 1 with ret filled when a directory is configured, 0 when
 * [ldap] url is not set (ret zeroed), or -EINVAL with err saying which key is wrong and how
 * to write it: ldap:// without starttls = yes (a password would cross the network in the
 * clear), a bad attribute name, a group line that is not "ROLE@SCOPE DN", a password file
 * others may read.
 */
int dir_conf_load(const struct conf *c, struct dir_conf *ret, struct strbuf *err);
void dir_conf_release(struct dir_conf *dc);

/* Appends value to out as an RFC 4515 assertion value: '*', '(', ')', '\' and NUL (and any byte
 * outside printable ASCII) become \XX, so a value never changes the filter's shape. */
void dir_filter_escape(const char *value, size_t len, struct strbuf *out);

enum dir_outcome {
	DIR_OK,          /* the password is right */
	DIR_WRONG,       /* no such person in the directory, or a wrong password */
	DIR_UNAVAILABLE, /* the directory could not be reached or answered with an error */
};

/*
 * Logs login in by binding as them with password (never empty: an empty password would be an
 * unauthenticated bind that "succeeds"). The DN is found by searching login_attr=login under
 * base_dn with the service account when bind_dn is set, else expected_dn is used. When
 * expected_dn is given, a found DN other than it is DIR_WRONG (the account was linked to
 * another entry). *ret_dn (when not NULL) gets the DN bound as. err says why (for the log).
 */
enum dir_outcome dir_authenticate(const struct dir_conf *dc, const char *login,
                                  const char *password, const char *expected_dn, char **ret_dn,
                                  struct strbuf *err);

/* One person in the directory as sync reads them. */
struct dir_person {
	char *dn, *login, *name, *email; /* email may be NULL */
	char *section;                   /* the first [ldap] section that holds them, or NULL */
	bool *in_group;                  /* [n_groups]: a member of groups[i] */
};

struct dir_people {
	struct dir_person *items;
	size_t nr, alloc;
};

/* Every person under base_dn with a login_attr (read with the service account), and for each
 * their section and groups. Returns 0, or -EIO with err when the directory cannot be read. */
int dir_people_read(const struct dir_conf *dc, struct dir_people *ret, struct strbuf *err);
void dir_people_release(struct dir_people *p);

/* DNs compared as the directory would (normalized, case-insensitive). */
bool dir_dn_equal(const char *a, const char *b);

#endif

/* http-identity: mamori.conf's [totp], [ldap] and [iccard]: who logs in how. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "web/http-internal.h"
#include "web/web.h"

/* [totp] roles: each "role" or "role@scope"; checked for shape here, against the profile by
 * mamori doctor (a role the profile lacks is simply never held). */
int identity_setup(struct web_server *s, const struct conf *c, struct strbuf *err)
{
	const char *roles = conf_get(c, "totp", "roles"), *issuer = conf_get(c, "totp", "issuer");
	const char *ca;
	int r;

	if (roles && conf_split_list(roles, &s->totp_roles, &s->n_totp_roles) < 0) {
		error_set(err, "%s: [totp] roles: cannot read the list", c->name);
		return -EINVAL;
	}
	for (size_t i = 0; i < s->n_totp_roles; i++) {
		const char *v = s->totp_roles[i];
		if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-@:") != strlen(v)) {
			error_set(err,
			          "%s: [totp] roles: '%s' is not a role or role@scope "
			          "(ciso@org, security_officer, mamori_admin)",
			          c->name, v);
			return -EINVAL;
		}
	}
	if (issuer && (!*issuer || strlen(issuer) > 64 || strchr(issuer, ':'))) {
		error_set(err, "%s: [totp] issuer: one name of at most 64 bytes, without ':'",
		          c->name);
		return -EINVAL;
	}
	s->totp_issuer = xstrdup(issuer ? issuer : "Mamori");
	/* [ldap]: checked now (a password file others may read, ldap:// without StartTLS stop the
	 * server); the directory itself is asked at each login, so it may be down at start */
	r = dir_conf_load(c, &s->directory, err);
	if (r < 0)
		return r;
	s->has_directory = r > 0;
	/* [iccard]: client certificates need TLS (the server's own certificate) */
	ca = conf_get(c, "iccard", "ca_file");
	if (ca && !s->tls) {
		error_set(err,
		          "%s: [iccard] ca_file: IC card login needs HTTPS: give --tls-cert and "
		          "--tls-key",
		          c->name);
		return -EINVAL;
	}
	if (ca && (r = strbuf_read_file(&s->iccard_trust, ca, 1 << 20)) < 0) {
		error_set(err, "%s: [iccard] ca_file '%s': %s", c->name, ca, strerror(-r));
		return r;
	}
	if (ca && !strstr(s->iccard_trust.buf, "-----BEGIN CERTIFICATE-----")) {
		error_set(err, "%s: [iccard] ca_file '%s' holds no PEM certificate", c->name, ca);
		return -EINVAL;
	}
	return 0;
}

bool web_iccard_enabled(const struct web_req *r)
{
	return r->server && r->server->iccard_trust.len > 0;
}

void identity_release(struct web_server *s)
{
	for (size_t i = 0; i < s->n_totp_roles; i++)
		free(s->totp_roles[i]);
	free(s->totp_roles);
	free(s->totp_issuer);
	dir_conf_release(&s->directory);
	strbuf_release(&s->iccard_trust);
}

const struct dir_conf *web_directory(const struct web_req *r)
{
	return r->server && r->server->has_directory ? &r->server->directory : NULL;
}

bool web_totp_role_listed(const struct web_req *r, const char *role_at_scope)
{
	const struct web_server *s = r->server;
	size_t rl = strcspn(role_at_scope, "@");

	for (size_t i = 0; i < s->n_totp_roles; i++) {
		const char *v = s->totp_roles[i];
		if (strchr(v, '@') ? !strcmp(v, role_at_scope)
		                   : (strlen(v) == rl && !strncmp(v, role_at_scope, rl)))
			return true;
	}
	return false;
}

const char *web_totp_issuer(const struct web_req *r)
{
	return r->server->totp_issuer ? r->server->totp_issuer : "Mamori";
}

/* fuzz-fim-config: the AIDE configuration parser never crashes or leaks, reports an error with a
 * line for what it refuses, and what it accepts matches paths without crashing. */
#include <stdint.h>
#include <string.h>

#include "fim/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"/", "/etc", "/etc/passwd", "/var/log/syslog", "/a/b/c/d/e", "/data/one", "/\xff\n"
	};
	struct fim_config *c = NULL;
	struct fim_diags d = { 0 };
	struct strbuf err = STRBUF_INIT;
	int r;

	r = fim_config_parse("f.conf", (const char *)data, size,
	                     FIM_CONFIG_NO_INCLUDE | FIM_CONFIG_NO_JIT | FIM_CONFIG_NO_FS, &c, &d,
	                     &err);
	if (r < 0) {
		/* a refusal says where */
		CHECK(c == NULL && d.errors >= 1 && err.len > 0);
		CHECK(!strncmp(err.buf, "f.conf:", 7));
		for (size_t i = 0; i < d.nr; i++)
			CHECK(d.items[i].line >= 1 && d.items[i].message[0]);
	} else {
		struct fim_matcher *m = fim_matcher_new();
		CHECK(c != NULL && d.errors == 0 && c->nr_rules >= 1);
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			for (unsigned t = FIM_TYPE_FILE; t <= FIM_TYPE_MAX; t++) {
				const struct fim_rule *rule =
				    fim_config_select(c, m, paths[i], strlen(paths[i]), t);
				CHECK(!rule || rule->kind == FIM_RULE_SELECT ||
				      rule->kind == FIM_RULE_EQUALS);
			}
			(void)fim_config_descend(c, m, paths[i], strlen(paths[i]));
		}
		fim_matcher_free(m);
		fim_config_free(c);
	}
	fim_diags_release(&d);
	strbuf_release(&err);
	return 0;
}

/* ytree: YAML 1.2 (libfyaml's event parser) into a small tree that knows where each node is. */
#include <string.h>

#include <libfyaml.h>

#include "base/cleanup.h"
#include "policy/policy-internal.h"

/*
 * Why our own tree rather than libfyaml's documents: every node needs a
 * line and column for messages, duplicate keys must be reported where they
 * are, and aliases are refused (a profile is read by people: one place per
 * definition; and alias expansion is a memory bomb for untrusted input).
 */
#define YTREE_MAX_DEPTH 64
/* Duplicate keys are found by comparing with every earlier key: keep that bounded. */
#define YTREE_MAX_ITEMS 4096

struct frame {
	struct ynode *node;
	struct ynode **kids; /* growing; copied into the arena when the node ends */
	size_t nr, alloc;
	struct ynode *pending_key; /* Y_MAP: a key waiting for its value */
};

static struct policy_pos mark_pos(const struct fy_mark *m)
{
	struct policy_pos p = { 0, 0 };

	if (m) {
		p.line = (uint32_t)m->line + 1;
		p.col = (uint32_t)m->column + 1;
	}
	return p;
}

static void collect_fy_errors(struct fy_diag *diag, struct policy_diags *d)
{
	void *iter = NULL;
	struct fy_diag_error *e;
	unsigned n = 0;

	while ((e = fy_diag_errors_iterate(diag, &iter))) {
		struct policy_pos pos = { e->line > 0 ? (uint32_t)e->line : 0,
			                  e->column > 0 ? (uint32_t)e->column : 0 };

		diag_add(d, DIAG_ERROR, pos, "YAML syntax: %s", e->msg ? e->msg : "invalid");
		n++;
	}
	if (!n)
		diag_add(d, DIAG_ERROR, (struct policy_pos){ 0, 0 }, "YAML syntax error");
}

static void discard_output(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
}

/* Adds a finished child to the frame on top of the stack; returns -1 on a reported error. */
static int attach(struct frame *top, struct ynode *child, struct policy_diags *d)
{
	if (!top->node)
		return -1; /* frames above 0 always hold a node: keeps -Wnull-dereference exact */
	if (top->node->type == Y_MAP && !top->pending_key) {
		if (child->type != Y_SCALAR) {
			diag_add(d, DIAG_ERROR, child->pos, "mapping keys must be plain text");
			return -1;
		}
		for (size_t i = 0; i < top->nr; i += 2)
			if (top->kids[i]->len == child->len &&
			    !memcmp(top->kids[i]->str, child->str, child->len)) {
				diag_add(d, DIAG_ERROR, child->pos,
				         "duplicate key '%s' (first at line %u)", child->str,
				         top->kids[i]->pos.line);
				return -1;
			}
		top->pending_key = child;
		return 0;
	}
	if (top->nr >= 2 * YTREE_MAX_ITEMS) {
		diag_add(d, DIAG_ERROR, child->pos, "more than %d items in one %s", YTREE_MAX_ITEMS,
		         top->node->type == Y_MAP ? "mapping" : "list");
		return -1;
	}
	ALLOC_GROW(top->kids, top->nr + 1, top->alloc);
	if (top->node->type == Y_MAP) {
		top->kids[top->nr++] = top->pending_key;
		top->pending_key = NULL;
	}
	top->kids[top->nr++] = child;
	return 0;
}

static void finish(struct arena *a, struct frame *f)
{
	f->node->kids = arena_array(a, f->nr ? f->nr : 1, sizeof(*f->kids));
	if (f->nr)
		memcpy(f->node->kids, f->kids, f->nr * sizeof(*f->kids));
	f->node->n = (unsigned)(f->node->type == Y_MAP ? f->nr / 2 : f->nr);
	free(f->kids);
	f->kids = NULL;
}

/* One parse: the open collections, the documents seen, the tree so far. */
struct parse {
	struct arena *a;
	struct policy_diags *d;
	struct frame stack[YTREE_MAX_DEPTH + 1];
	int depth, docs;
	struct ynode *root;
	bool failed;
};

static struct ynode *scalar_node(struct parse *ps, struct fy_event *ev, struct policy_pos pos)
{
	struct ynode *n = arena_alloc(ps->a, sizeof(*n));
	size_t tl = 0;
	const char *t = fy_token_get_text(ev->scalar.value, &tl);

	n->type = Y_SCALAR;
	n->pos = pos;
	n->str = arena_strndup(ps->a, t ? t : "", t ? tl : 0);
	n->len = t ? tl : 0;
	n->plain = fy_token_scalar_style(ev->scalar.value) == FYSS_PLAIN;
	return n;
}

/* A collection ends: its node goes into its parent, or is the root. */
static void end_collection(struct parse *ps)
{
	struct frame *f;

	if (ps->depth <= 0)
		return;
	f = &ps->stack[ps->depth];
	finish(ps->a, f);
	ps->depth--;
	if (ps->depth > 0) {
		if (attach(&ps->stack[ps->depth], f->node, ps->d) < 0)
			ps->failed = true;
	} else {
		ps->root = f->node;
	}
}

/* A new node: a scalar goes into the open collection (or is the root), a collection opens. */
static void place(struct parse *ps, struct ynode *n, bool is_scalar)
{
	if (is_scalar) {
		if (ps->depth > 0) {
			if (attach(&ps->stack[ps->depth], n, ps->d) < 0)
				ps->failed = true;
		} else {
			ps->root = n;
		}
		return;
	}
	ps->depth++;
	memset(&ps->stack[ps->depth], 0, sizeof(ps->stack[ps->depth]));
	ps->stack[ps->depth].node = n;
}

static void event(struct parse *ps, struct fy_event *ev)
{
	struct policy_pos pos = mark_pos(fy_event_start_mark(ev));
	struct ynode *n = NULL;
	bool is_scalar = false;
	struct fy_token *anchor = NULL;

	switch (ev->type) {
	case FYET_DOCUMENT_START:
		if (++ps->docs > 1) {
			diag_add(ps->d, DIAG_ERROR, pos,
			         "a profile is one YAML document; remove the second '---'");
			ps->failed = true;
		}
		break;
	case FYET_ALIAS:
		diag_add(ps->d, DIAG_ERROR, pos,
		         "aliases ('*name') are not supported in profiles; write the value out");
		ps->failed = true;
		break;
	case FYET_SCALAR:
		anchor = ev->scalar.anchor;
		n = scalar_node(ps, ev, pos);
		is_scalar = true;
		break;
	case FYET_MAPPING_START:
	case FYET_SEQUENCE_START:
		anchor = ev->type == FYET_MAPPING_START ? ev->mapping_start.anchor
		                                        : ev->sequence_start.anchor;
		if (ps->depth >= YTREE_MAX_DEPTH) {
			diag_add(ps->d, DIAG_ERROR, pos, "nested more than %d levels deep",
			         YTREE_MAX_DEPTH);
			ps->failed = true;
			break;
		}
		n = arena_alloc(ps->a, sizeof(*n));
		n->type = ev->type == FYET_MAPPING_START ? Y_MAP : Y_SEQ;
		n->pos = pos;
		break;
	case FYET_MAPPING_END:
	case FYET_SEQUENCE_END:
		end_collection(ps);
		break;
	default:
		break;
	}
	if (anchor && !ps->failed) {
		diag_add(ps->d, DIAG_ERROR, pos,
		         "anchors ('&name') are not supported in profiles; write the value out");
		ps->failed = true;
	}
	if (n && !ps->failed)
		place(ps, n, is_scalar);
}

/* libfyaml's parser, its messages collected quietly; NULL after an error into d. */
static struct fy_parser *new_parser(const char *data, size_t len, struct fy_diag **ret_diag,
                                    struct policy_diags *d)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	struct fy_parser *parser;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = discard_output;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	*ret_diag = diag;
	if (!diag) {
		diag_add(d, DIAG_ERROR, (struct policy_pos){ 0, 0 }, "out of memory");
		return NULL;
	}
	fy_diag_set_collect_errors(diag, true);
	struct fy_parse_cfg cfg = {
		.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE,
		.diag = diag,
	};
	parser = fy_parser_create(&cfg);
	if (!parser || fy_parser_set_string(parser, data, len)) {
		diag_add(d, DIAG_ERROR, (struct policy_pos){ 0, 0 },
		         "cannot start the YAML parser");
		if (parser)
			fy_parser_destroy(parser);
		return NULL;
	}
	return parser;
}

struct ynode *ytree_parse(struct arena *a, const char *data, size_t len, struct policy_diags *d)
{
	struct fy_diag *diag = NULL;
	struct fy_parser *parser = new_parser(data, len, &diag, d);
	struct fy_event *ev;
	struct parse ps;

	if (!parser) {
		if (diag)
			fy_diag_destroy(diag);
		return NULL;
	}
	memset(&ps, 0, sizeof(ps));
	ps.a = a;
	ps.d = d;
	while (!ps.failed && (ev = fy_parser_parse(parser))) {
		event(&ps, ev);
		fy_parser_event_free(parser, ev);
	}
	if (!ps.failed && fy_parser_get_stream_error(parser)) {
		collect_fy_errors(diag, d);
		ps.failed = true;
	}
	for (int i = 1; i <= ps.depth; i++)
		free(ps.stack[i].kids);
	fy_parser_destroy(parser);
	fy_diag_destroy(diag);
	if (ps.failed)
		return NULL;
	if (!ps.root) {
		diag_add(d, DIAG_ERROR, (struct policy_pos){ 1, 1 }, "the profile is empty");
		return NULL;
	}
	return ps.root;
}

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	for (unsigned i = 0; i < map->n; i++)
		if (!strcmp(map->kids[2 * i]->str, key))
			return map->kids[2 * i + 1];
	return NULL;
}

const char *ynode_type_name(const struct ynode *n)
{
	switch (n->type) {
	case Y_SCALAR:
		return "a value";
	case Y_MAP:
		return "a mapping";
	case Y_SEQ:
		return "a list";
	}
	return "?";
}

/* fmtargs: a printf-style message's arguments rendered one by one (fmtargs.h). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/cleanup.h"
#include "base/fmtargs.h"

/* One conversion of a format: what it consumes and what it is. */
struct spec {
	size_t len;      /* bytes from the '%' to the conversion character, both included */
	int pos;         /* N of %N$, or 0 */
	bool star_width; /* '*' width: an int argument before the value */
	bool star_prec;
	bool zero, alt; /* the flags '0' and '#': a number's form (0x%02x, %04o), kept */
	bool left;      /* the flag '-': any zeros' padding is not taken */
	int width;      /* a written width (0: none or '*'): kept only with '0' */
	int prec;       /* -1: none */
	char length[3];
	char conv;
};

/* Parses the conversion at s (s[0] == '%'). Returns false when it is not one we take. */
static bool spec_parse(const char *s, struct spec *sp)
{
	const char *p = s + 1;
	size_t l = 0;

	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	if (*p >= '1' && *p <= '9') {
		const char *q = p;
		int n = 0;

		while (*q >= '0' && *q <= '9' && n < 100)
			n = n * 10 + (*q++ - '0');
		if (*q == '$') {
			sp->pos = n;
			p = q + 1;
		}
	}
	for (; *p && strchr("-+ #0'", *p); p++) {
		sp->zero |= *p == '0';
		sp->alt |= *p == '#';
		sp->left |= *p == '-';
	}
	if (*p == '*') {
		sp->star_width = true;
		p++;
	} else {
		while (*p >= '0' && *p <= '9') {
			if (sp->width < 1000)
				sp->width = sp->width * 10 + (*p - '0');
			p++;
		}
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			sp->star_prec = true;
			p++;
		} else {
			sp->prec = 0;
			while (*p >= '0' && *p <= '9' && sp->prec < 100000)
				sp->prec = sp->prec * 10 + (*p++ - '0');
		}
	}
	while (*p && strchr("hlzjtL", *p) && l < 2)
		sp->length[l++] = *p++;
	if (!*p || !strchr("diouxXcsfFeEgGaAp%", *p))
		return false;
	sp->conv = *p;
	sp->len = (size_t)(p - s) + 1;
	return true;
}

static bool is_len(const struct spec *sp, const char *l)
{
	return !strcmp(sp->length, l);
}

/* The width a number is padded to with zeros, as printf would (%04o, %02x): with the flag '0'
 * only (a width of spaces lays out a table in one language, not a message in another), 0 for
 * none. */
static int zero_width(const struct spec *sp)
{
	return sp->zero && !sp->left ? sp->width : 0;
}

static void add_unsigned(struct strbuf *out, const struct spec *sp, unsigned long long v)
{
	int w = zero_width(sp);

	if (sp->conv == 'o')
		strbuf_addf(out, sp->alt ? "%#0*llo" : "%0*llo", w, v);
	else if (sp->conv == 'x')
		strbuf_addf(out, sp->alt ? "%#0*llx" : "%0*llx", w, v);
	else if (sp->conv == 'X')
		strbuf_addf(out, sp->alt ? "%#0*llX" : "%0*llX", w, v);
	else
		strbuf_addf(out, "%0*llu", w, v);
}

/* Renders the argument of sp from ap into out. (long, ssize_t, intmax_t and ptrdiff_t are one
 * type on this ABI, not on every one: each length reads its own.) */
/* NOLINTBEGIN(bugprone-branch-clone) */
static void take_arg(const struct spec *sp, va_list *ap, struct strbuf *out)
{
	int prec = sp->prec;

	if (sp->star_width)
		(void)va_arg(*ap, int);
	if (sp->star_prec)
		prec = va_arg(*ap, int);
	switch (sp->conv) {
	case 'd':
	case 'i': {
		long long v;

		if (is_len(sp, "l"))
			v = va_arg(*ap, long);
		else if (is_len(sp, "ll"))
			v = va_arg(*ap, long long);
		else if (is_len(sp, "z"))
			v = va_arg(*ap, ssize_t);
		else if (is_len(sp, "j"))
			v = va_arg(*ap, intmax_t);
		else if (is_len(sp, "t"))
			v = va_arg(*ap, ptrdiff_t);
		else
			v = va_arg(*ap, int);
		strbuf_addf(out, "%0*lld", zero_width(sp), v);
		break;
	}
	case 'o':
	case 'u':
	case 'x':
	case 'X': {
		unsigned long long v;

		if (is_len(sp, "l"))
			v = va_arg(*ap, unsigned long);
		else if (is_len(sp, "ll"))
			v = va_arg(*ap, unsigned long long);
		else if (is_len(sp, "z"))
			v = va_arg(*ap, size_t);
		else if (is_len(sp, "j"))
			v = va_arg(*ap, uintmax_t);
		else if (is_len(sp, "t"))
			v = (unsigned long long)va_arg(*ap, ptrdiff_t);
		else
			v = va_arg(*ap, unsigned int);
		add_unsigned(out, sp, v);
		break;
	}
	case 'c':
		strbuf_addch(out, (char)va_arg(*ap, int));
		break;
	case 's': {
		const char *v = va_arg(*ap, const char *);
		size_t n;

		if (!v)
			v = "(null)";
		n = strlen(v);
		if (prec >= 0 && (size_t)prec < n)
			n = (size_t)prec;
		strbuf_add(out, v, n);
		break;
	}
	case 'p':
		strbuf_addf(out, "%p", va_arg(*ap, void *));
		break;
	default: /* f F e E g G a A */
		if (is_len(sp, "L"))
			strbuf_addf(out, "%Lg", va_arg(*ap, long double));
		else
			strbuf_addf(out, "%g", va_arg(*ap, double));
		break;
	}
}
/* NOLINTEND(bugprone-branch-clone) */

int fmtargs_count(const char *fmt)
{
	int n = 0;
	struct spec sp;

	for (const char *p = fmt; p && *p; p++) {
		if (*p != '%')
			continue;
		if (!spec_parse(p, &sp) || sp.pos)
			return -1;
		p += sp.len - 1;
		if (sp.conv != '%')
			n++;
	}
	return n;
}

int fmtargs_capture(struct fmtargs *ret, const char *fmt, va_list ap)
{
	struct strbuf one = STRBUF_INIT;
	struct spec sp;
	va_list aq;
	int n = fmtargs_count(fmt);

	fmtargs_release(ret);
	if (n < 0)
		return -1;
	ret->v = xcalloc((size_t)n + 1, sizeof(char *));
	va_copy(aq, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		spec_parse(p, &sp);
		p += sp.len - 1;
		if (sp.conv == '%')
			continue;
		strbuf_reset(&one);
		take_arg(&sp, &aq, &one);
		ret->v[ret->n++] = xstrdup(one.buf);
	}
	va_end(aq);
	strbuf_release(&one);
	return 0;
}

void fmtargs_render(struct strbuf *out, const char *fmt, const struct fmtargs *a,
                    const char *(*map)(void *ctx, const char *arg), void *ctx)
{
	size_t next = 0;
	struct spec sp;

	for (const char *p = fmt; *p; p++) {
		size_t i;
		const char *v, *m;

		if (*p != '%' || !spec_parse(p, &sp)) {
			strbuf_addch(out, *p);
			continue;
		}
		p += sp.len - 1;
		if (sp.conv == '%') {
			strbuf_addch(out, '%');
			continue;
		}
		i = sp.pos ? (size_t)sp.pos - 1 : next++;
		if (!a || i >= a->n || (sp.conv == 's' && sp.prec == 0))
			continue;
		v = a->v[i];
		m = map ? map(ctx, v) : NULL;
		strbuf_addstr(out, m ? m : v);
	}
}

void fmtargs_copy(struct fmtargs *dst, const struct fmtargs *src)
{
	dst->v = xcalloc(src->n + 1, sizeof(char *));
	dst->n = src->n;
	for (size_t i = 0; i < src->n; i++)
		dst->v[i] = xstrdup(src->v[i]);
}

void fmtargs_release(struct fmtargs *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

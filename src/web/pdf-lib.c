/* pdf-lib: cairo, pango and fontconfig for the PDF report, loaded when a PDF is first made. */
#include <pthread.h>

#include "base/cleanup.h"
#include "base/dynlib.h"
#define PDF_LIB_NO_MACROS
#include "web/pdf-lib.h"

struct pdf_lib pdf_lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct strbuf load_err = STRBUF_INIT;
static int load_rc;

#define SYM(f)                                                                                     \
	{                                                                                          \
#f, &pdf_lib.p_##f                                                                 \
	}

static void load(void)
{
	const struct dynlib_sym syms[] = {
		SYM(cairo_create),
		SYM(cairo_debug_reset_static_data),
		SYM(cairo_destroy),
		SYM(cairo_fill),
		SYM(cairo_move_to),
		SYM(cairo_pdf_surface_create),
		SYM(cairo_pdf_surface_set_metadata),
		SYM(cairo_rectangle),
		SYM(cairo_set_line_width),
		SYM(cairo_set_source_rgb),
		SYM(cairo_show_page),
		SYM(cairo_status_to_string),
		SYM(cairo_stroke),
		SYM(cairo_surface_destroy),
		SYM(cairo_surface_finish),
		SYM(cairo_surface_status),
		SYM(FcFini),
		SYM(g_object_unref),
		SYM(pango_cairo_create_layout),
		SYM(pango_cairo_font_map_set_default),
		SYM(pango_cairo_show_layout),
		SYM(pango_font_description_free),
		SYM(pango_font_description_from_string),
		SYM(pango_font_description_set_absolute_size),
		SYM(pango_layout_get_size),
		SYM(pango_layout_set_font_description),
		SYM(pango_layout_set_text),
		SYM(pango_layout_set_width),
		SYM(pango_layout_set_wrap),
	};

	/* pangocairo needs pango, cairo (with its PDF surface), GObject and fontconfig */
	load_rc = dynlib_load("libpangocairo-1.0.so.0", "libpangocairo-1.0-0", syms,
	                      ARRAY_SIZE(syms), &load_err);
}

int pdf_lib_load(struct strbuf *err)
{
	pthread_once(&once, load);
	if (load_rc < 0)
		error_set(err, "the PDF report cannot be made: %s", load_err.buf);
	return load_rc;
}

/* pdf-lib: cairo, pango and fontconfig for the PDF report, loaded when a PDF is first made. */
#ifndef MAMORI_WEB_PDF_LIB_H
#define MAMORI_WEB_PDF_LIB_H

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "base/strbuf.h"

/*
 * Linked, these libraries (and GLib, pixman, freetype, harfbuzz, X11 under them) cost every
 * mamori process about 5 MB at start; loaded here (base/dynlib.h), only the process that
 * draws a PDF pays. The file that draws includes this header after the libraries' own and
 * calls the functions by their usual names: the macros below send each call through the
 * pointer pdf_lib_load set. A function used for the first time is added to both lists.
 */
struct pdf_lib {
	__typeof__(cairo_create) *p_cairo_create;
	__typeof__(cairo_debug_reset_static_data) *p_cairo_debug_reset_static_data;
	__typeof__(cairo_destroy) *p_cairo_destroy;
	__typeof__(cairo_fill) *p_cairo_fill;
	__typeof__(cairo_move_to) *p_cairo_move_to;
	__typeof__(cairo_pdf_surface_create) *p_cairo_pdf_surface_create;
	__typeof__(cairo_pdf_surface_set_metadata) *p_cairo_pdf_surface_set_metadata;
	__typeof__(cairo_rectangle) *p_cairo_rectangle;
	__typeof__(cairo_set_line_width) *p_cairo_set_line_width;
	__typeof__(cairo_set_source_rgb) *p_cairo_set_source_rgb;
	__typeof__(cairo_show_page) *p_cairo_show_page;
	__typeof__(cairo_status_to_string) *p_cairo_status_to_string;
	__typeof__(cairo_stroke) *p_cairo_stroke;
	__typeof__(cairo_surface_destroy) *p_cairo_surface_destroy;
	__typeof__(cairo_surface_finish) *p_cairo_surface_finish;
	__typeof__(cairo_surface_status) *p_cairo_surface_status;
	__typeof__(FcFini) *p_FcFini;
	__typeof__(g_object_unref) *p_g_object_unref;
	__typeof__(pango_cairo_create_layout) *p_pango_cairo_create_layout;
	__typeof__(pango_cairo_font_map_set_default) *p_pango_cairo_font_map_set_default;
	__typeof__(pango_cairo_show_layout) *p_pango_cairo_show_layout;
	__typeof__(pango_font_description_free) *p_pango_font_description_free;
	__typeof__(pango_font_description_from_string) *p_pango_font_description_from_string;
	__typeof__(pango_font_description_set_absolute_size)
	    *p_pango_font_description_set_absolute_size;
	__typeof__(pango_layout_get_size) *p_pango_layout_get_size;
	__typeof__(pango_layout_set_font_description) *p_pango_layout_set_font_description;
	__typeof__(pango_layout_set_text) *p_pango_layout_set_text;
	__typeof__(pango_layout_set_width) *p_pango_layout_set_width;
	__typeof__(pango_layout_set_wrap) *p_pango_layout_set_wrap;
};
extern struct pdf_lib pdf_lib;

/* Loads the libraries once per process (thread-safe). Returns 0, or -1 with err set. */
int pdf_lib_load(struct strbuf *err);

#ifndef PDF_LIB_NO_MACROS
/* NOLINTBEGIN(bugprone-macro-parentheses): each stands for a function's name */
#undef g_object_unref
#define cairo_create                       (pdf_lib.p_cairo_create)
#define cairo_debug_reset_static_data      (pdf_lib.p_cairo_debug_reset_static_data)
#define cairo_destroy                      (pdf_lib.p_cairo_destroy)
#define cairo_fill                         (pdf_lib.p_cairo_fill)
#define cairo_move_to                      (pdf_lib.p_cairo_move_to)
#define cairo_pdf_surface_create           (pdf_lib.p_cairo_pdf_surface_create)
#define cairo_pdf_surface_set_metadata     (pdf_lib.p_cairo_pdf_surface_set_metadata)
#define cairo_rectangle                    (pdf_lib.p_cairo_rectangle)
#define cairo_set_line_width               (pdf_lib.p_cairo_set_line_width)
#define cairo_set_source_rgb               (pdf_lib.p_cairo_set_source_rgb)
#define cairo_show_page                    (pdf_lib.p_cairo_show_page)
#define cairo_status_to_string             (pdf_lib.p_cairo_status_to_string)
#define cairo_stroke                       (pdf_lib.p_cairo_stroke)
#define cairo_surface_destroy              (pdf_lib.p_cairo_surface_destroy)
#define cairo_surface_finish               (pdf_lib.p_cairo_surface_finish)
#define cairo_surface_status               (pdf_lib.p_cairo_surface_status)
#define FcFini                             (pdf_lib.p_FcFini)
#define g_object_unref                     (pdf_lib.p_g_object_unref)
#define pango_cairo_create_layout          (pdf_lib.p_pango_cairo_create_layout)
#define pango_cairo_font_map_set_default   (pdf_lib.p_pango_cairo_font_map_set_default)
#define pango_cairo_show_layout            (pdf_lib.p_pango_cairo_show_layout)
#define pango_font_description_free        (pdf_lib.p_pango_font_description_free)
#define pango_font_description_from_string (pdf_lib.p_pango_font_description_from_string)
#define pango_font_description_set_absolute_size                                                   \
	(pdf_lib.p_pango_font_description_set_absolute_size)
#define pango_layout_get_size             (pdf_lib.p_pango_layout_get_size)
#define pango_layout_set_font_description (pdf_lib.p_pango_layout_set_font_description)
#define pango_layout_set_text             (pdf_lib.p_pango_layout_set_text)
#define pango_layout_set_width            (pdf_lib.p_pango_layout_set_width)
#define pango_layout_set_wrap             (pdf_lib.p_pango_layout_set_wrap)
/* NOLINTEND(bugprone-macro-parentheses) */
#endif

#endif

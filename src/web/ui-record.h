/* ui-record: what the record page (ui-record.c) and its act form (ui-record-act.c) share. */
#ifndef MAMORI_WEB_UI_RECORD_H
#define MAMORI_WEB_UI_RECORD_H

struct record;
struct web_req;

/*
 * Loads the record of the path argument into rec if the user may see it and returns 0; else
 * answers 404 (the same whether it does not exist or may not be seen) or 503 and returns < 0.
 */
int ui_record_load_visible(struct web_req *r, struct record *rec);

#endif

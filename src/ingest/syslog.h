/* syslog: parsing one syslog message: RFC 5424 strictly, RFC 3164 leniently, else kept raw. */
#ifndef MAMORI_INGEST_SYSLOG_H
#define MAMORI_INGEST_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/* A slice of the raw message (never copied); n == 0: absent (or the NILVALUE "-"). */
struct syslog_span {
	const char *p;
	size_t n;
};

enum syslog_format {
	SYSLOG_RAW = 0,  /* did not parse: kept raw and flagged (error says why) */
	SYSLOG_5424 = 1, /* RFC 5424 */
	SYSLOG_3164 = 2, /* RFC 3164 and what devices send under that name (BSD, Cisco) */
	SYSLOG_JSON = 3, /* one JSON object (HTTP NDJSON, ingest/ndjson.h) */
};

#define SYSLOG_NO_PRI  (-1)
#define SYSLOG_NO_TIME INT64_MIN

/* RFC 5424 §6: the field limits (PRINTUSASCII characters). */
#define SYSLOG_MAX_HOSTNAME 255
#define SYSLOG_MAX_APPNAME  48
#define SYSLOG_MAX_PROCID   128
#define SYSLOG_MAX_MSGID    32
#define SYSLOG_MAX_SDNAME   32

/*
 * One parsed message. Spans point into the raw bytes given to syslog_parse, which must
 * outlive the struct. A message that does not parse is SYSLOG_RAW with every span empty
 * except msg (the whole message) and error set: it is still stored, never dropped.
 */
struct syslog_msg {
	enum syslog_format format;
	int pri;           /* 0..191 (facility * 8 + severity), or SYSLOG_NO_PRI */
	int64_t time_ms;   /* the message's own time, UTC ms, or SYSLOG_NO_TIME */
	bool year_guessed; /* 3164: the timestamp had no year; it was inferred */
	bool zone_guessed; /* 3164: the timestamp had no zone; read in the ward's time */
	struct syslog_span host, app, procid, msgid;
	struct syslog_span sd;  /* 5424 STRUCTURED-DATA as sent (escaped), or empty for "-" */
	struct syslog_span msg; /* MSG (5424: without the BOM), 3164: CONTENT after the TAG */
	bool bom;               /* 5424: MSG started with the UTF-8 BOM */
	const char *error;      /* SYSLOG_RAW: why, for people (static text) */
};

struct syslog_parse_options {
	int64_t now_ms;    /* received time: the year of a 3164 timestamp without one */
	int64_t offset_ms; /* the zone of a 3164 timestamp without one: Asia/Tokyo, +9 h */
};

/*
 * Parses raw[0..len). A message starting "<PRI>1 " is RFC 5424 and must follow it
 * exactly (else it is kept raw); any other "<PRI>" message is read as RFC 3164, leniently;
 * without a PRI it is kept raw. Never fails, never allocates.
 */
void syslog_parse(const void *raw, size_t len, const struct syslog_parse_options *o,
                  struct syslog_msg *ret);

/* The parsers behind it (rfc5424.c, rfc3164.c): 0, or -EINVAL with ret->error set. */
int syslog_parse_5424(const char *p, size_t len, struct syslog_msg *ret);
int syslog_parse_3164(const char *p, size_t len, const struct syslog_parse_options *o,
                      struct syslog_msg *ret);

/*
 * A timestamp alone, in any form syslog_parse_3164 reads (RFC 3339 with or without a zone,
 * "Nov  2 11:46:00" ...): 0 with UTC ms, or -EINVAL.
 */
int syslog_parse_time(const char *p, size_t len, const struct syslog_parse_options *o,
                      int64_t *ret_ms);

/* One SD-PARAM of STRUCTURED-DATA: the element's SD-ID, the name and the escaped value. */
struct syslog_sd_param {
	struct syslog_span id, name, value;
};
struct syslog_sd_iter {
	struct syslog_span sd, id;
	size_t pos;
};
/*
 * Walks a valid STRUCTURED-DATA span (from a parsed 5424 message): each call returns 1 with
 * the next param in ret (an element without params yields one with an empty name), 0 at
 * the end.
 */
void syslog_sd_iter_init(struct syslog_sd_iter *it, struct syslog_span sd);
int syslog_sd_next(struct syslog_sd_iter *it, struct syslog_sd_param *ret);
/* Appends a PARAM-VALUE with its escapes (\" \\ \]) undone; other backslashes stay. */
void syslog_sd_unescape(struct syslog_span value, struct strbuf *out);

/* Names for people and rules: "auth", "authpriv" ...; "err", "warning" .... */
const char *syslog_facility_name(int pri);
const char *syslog_severity_name(int pri);

/* UTC ms of a civil date and time (proleptic Gregorian); the fields must be in range. */
int64_t syslog_civil_ms(int year, int month, int day, int hour, int min, int sec, int ms);
/* Days in the month (1..12) of year. */
int syslog_days_in_month(int year, int month);

#endif

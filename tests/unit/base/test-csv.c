/* test-csv: Excel's CSV in UTF-8, UTF-8 with BOM and CP932; RFC 4180 quoting; errors with lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "base/csv.h"

#define PARSE(csv, lit, flags, lim, err)                                                           \
	csv_parse((csv), (lit), sizeof(lit) - 1, (flags), (lim), (err))

/* Parses lit expecting failure r, and checks that the message contains want. */
static void expect_error(const char *data, size_t len, unsigned flags, const struct csv_limits *lim,
                         int r, const char *want)
{
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(csv_parse(&csv, data, len, flags, lim, &err), r);
	if (!strstr(err.buf, want))
		fail_msg("error '%s' does not contain '%s'", err.buf, want);
	assert_int_equal(csv.nrecords, 0);
	assert_null(csv.records);
	strbuf_release(&err);
}
#define EXPECT_ERROR(lit, flags, lim, r, want)                                                     \
	expect_error((lit), sizeof(lit) - 1, (flags), (lim), (r), (want))

static void test_utf8_header(void **state)
{
	static const char data[] = "login,name,section\n"
	                           "sato,佐藤 花子,情報政策課\n"
	                           "tanaka,田中 一郎,区民課\n";
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(PARSE(&csv, data, CSV_READ_HEADER, NULL, &err), 0);
	assert_int_equal(csv.encoding, CSV_UTF8);
	assert_string_equal(csv_encoding_name(csv.encoding), "UTF-8");
	assert_int_equal(csv.ncolumns, 3);
	assert_string_equal(csv.columns[2], "section");
	assert_int_equal(csv.header_line, 1);
	assert_int_equal(csv.nrecords, 2);
	assert_int_equal(csv.records[0].line, 2);
	assert_int_equal(csv.records[1].line, 3);
	assert_string_equal(csv_get(&csv, &csv.records[0], "name"), "佐藤 花子");
	assert_string_equal(csv_get(&csv, &csv.records[1], "section"), "区民課");
	assert_null(csv_get(&csv, &csv.records[1], "employment"));
	assert_int_equal(csv_column(&csv, "login"), 0);
	assert_int_equal(csv_column(&csv, "Login"), -1);
	csv_release(&csv);
	csv_release(&csv); /* released twice is harmless */
	strbuf_release(&err);
}

static void test_bom_crlf(void **state)
{
	static const char data[] = "\xef\xbb\xbf"
	                           "ログイン, 氏名 ,\t所属\u3000\r\n"
	                           "sato,佐藤 花子,情報政策課\r\n";
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(PARSE(&csv, data, CSV_READ_HEADER, NULL, &err), 0);
	assert_int_equal(csv.encoding, CSV_UTF8_BOM);
	/* The BOM is not part of the first name; header names are trimmed. */
	assert_string_equal(csv.columns[0], "ログイン");
	assert_string_equal(csv.columns[1], "氏名");
	assert_string_equal(csv.columns[2], "所属");
	assert_int_equal(csv.nrecords, 1);
	assert_string_equal(csv.records[0].fields[2], "情報政策課");
	assert_int_equal(csv.records[0].line, 2);
	csv_release(&csv);
	strbuf_release(&err);
}

static void test_cp932(void **state)
{
	/*
	 * As Excel saves "CSV (コンマ区切り)":
	 *   ログイン,氏名,所属,備考
	 *   sato,髙橋 一郎,情報政策課,"①㈱,ソフト表示～"
	 *   tanaka,髙田 花子,区民課,
	 * 髙 appears as FB FC (IBM extension, as Windows writes it) and as EE E0
	 * (NEC-selected IBM extension); ① 87 40 and ㈱ 87 8A are NEC specials;
	 * ソ (83 5C) and 表 (95 5C) end in the byte of '\'; ～ 81 60 is U+FF5E.
	 */
	static const char data[] =
	    "\x83\x8d\x83\x4f\x83\x43\x83\x93,\x8e\x81\x96\xbc,\x8f\x8a\x91\xae,"
	    "\x94\xf5\x8d\x6c\r\n"
	    "sato,\xfb\xfc\x8b\xb4 \x88\xea\x98\x59,\x8f\xee\x95\xf1\x90\xad\x8d\xf4\x89\xdb,"
	    "\"\x87\x40\x87\x8a,\x83\x5c\x83\x74\x83\x67\x95\x5c\x8e\xa6\x81\x60\"\r\n"
	    "tanaka,\xee\xe0\x93\x63 \x89\xd4\x8e\x71,\x8b\xe6\x96\xaf\x89\xdb,\r\n";
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(PARSE(&csv, data, CSV_READ_HEADER, NULL, &err), 0);
	assert_int_equal(csv.encoding, CSV_CP932);
	assert_string_equal(csv_encoding_name(csv.encoding), "CP932");
	assert_string_equal(csv.columns[0], "ログイン");
	assert_string_equal(csv.columns[3], "備考");
	assert_int_equal(csv.nrecords, 2);
	assert_string_equal(csv_get(&csv, &csv.records[0], "氏名"), "髙橋 一郎");
	assert_string_equal(csv_get(&csv, &csv.records[0], "所属"), "情報政策課");
	assert_string_equal(csv_get(&csv, &csv.records[0], "備考"), "①㈱,ソフト表示\xef\xbd\x9e");
	assert_string_equal(csv_get(&csv, &csv.records[1], "氏名"), "髙田 花子");
	assert_string_equal(csv_get(&csv, &csv.records[1], "備考"), "");
	assert_int_equal(csv.records[1].line, 3);
	csv_release(&csv);
	strbuf_release(&err);
}

static void test_quoting(void **state)
{
	static const char data[] = "id,memo,n\n"
	                           "1,\"a, b\",x\n"
	                           "2,\"say \"\"はい\"\"\",y\n"
	                           "3,\"two\r\nlines\nand three\",z\n"
	                           "4,\"\",\n"
	                           "5,plain text with spaces ,\"\"\"\"\n";
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(PARSE(&csv, data, CSV_READ_HEADER, NULL, &err), 0);
	assert_int_equal(csv.nrecords, 5);
	assert_string_equal(csv.records[0].fields[1], "a, b");
	assert_string_equal(csv.records[1].fields[1], "say \"はい\"");
	/* Line breaks inside quotes become LF; the next record's line counts them. */
	assert_string_equal(csv.records[2].fields[1], "two\nlines\nand three");
	assert_int_equal(csv.records[2].line, 4);
	assert_int_equal(csv.records[3].line, 7);
	assert_string_equal(csv.records[3].fields[1], "");
	assert_string_equal(csv.records[3].fields[2], "");
	assert_string_equal(csv.records[4].fields[1], "plain text with spaces ");
	assert_string_equal(csv.records[4].fields[2], "\"");
	assert_int_equal(csv.records[4].line, 8);
	csv_release(&csv);
	strbuf_release(&err);
}

static void test_line_endings_and_blank_rows(void **state)
{
	/* Lone CR (old Mac Excel), blank lines, ",," left by Excel, no final newline. */
	static const char data[] = "a,b,c\r"
	                           "1,2,3\r"
	                           "\r\n"
	                           ",,\r\n"
	                           "\n"
	                           "4,5,6";
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(PARSE(&csv, data, CSV_READ_HEADER, NULL, &err), 0);
	assert_int_equal(csv.nrecords, 2);
	assert_int_equal(csv.records[0].line, 2);
	assert_string_equal(csv.records[1].fields[0], "4");
	assert_string_equal(csv.records[1].fields[2], "6");
	assert_int_equal(csv.records[1].line, 6);
	csv_release(&csv);

	/* A trailing comma is one more, empty field. */
	assert_int_equal(csv_parse(&csv, "x,y,\n", 5, 0, NULL, &err), 0);
	assert_int_equal(csv.nrecords, 1);
	assert_int_equal(csv.records[0].nfields, 3);
	assert_string_equal(csv.records[0].fields[2], "");
	csv_release(&csv);
	strbuf_release(&err);
}

static void test_no_header(void **state)
{
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(PARSE(&csv, "a\nb,c\nd,e,f\n", 0, NULL, &err), 0);
	assert_int_equal(csv.ncolumns, 0);
	assert_null(csv.columns);
	assert_int_equal(csv.nrecords, 3);
	assert_int_equal(csv.records[0].nfields, 1);
	assert_int_equal(csv.records[2].nfields, 3);
	assert_int_equal(csv.records[2].line, 3);
	csv_release(&csv);

	/* An empty file has no records, and with a header it is an error. */
	assert_int_equal(csv_parse(&csv, "", 0, 0, NULL, &err), 0);
	assert_int_equal(csv.nrecords, 0);
	csv_release(&csv);
	EXPECT_ERROR("", CSV_READ_HEADER, NULL, -EINVAL, "the file is empty");
	EXPECT_ERROR("\xef\xbb\xbf\r\n,,\r\n", CSV_READ_HEADER, NULL, -EINVAL, "the file is empty");
	strbuf_release(&err);
}

static void test_broken_rows(void **state)
{
	/* Unterminated quote: the line where the field starts. */
	EXPECT_ERROR("a,b\n1,2\n3,\"never closed\n4,5\n", CSV_READ_HEADER, NULL, -EINVAL,
	             "line 3: the quoted field 2 is not closed");
	/* Wrong column counts. */
	EXPECT_ERROR("login,name,section\nsato,佐藤,情報政策課\ntanaka,田中\n", CSV_READ_HEADER,
	             NULL, -EINVAL, "line 3: 2 fields, but the header has 3 columns");
	EXPECT_ERROR("login,name\r\n\"multi\nline\",x\r\nsato,佐藤,extra\r\n", CSV_READ_HEADER,
	             NULL, -EINVAL, "line 4: 3 fields, but the header has 2 columns");
	/* Quotes where RFC 4180 does not allow them. */
	EXPECT_ERROR("a,b\n1,5\" disk\n", CSV_READ_HEADER, NULL, -EINVAL,
	             "line 2: a quote in the middle of field 2");
	EXPECT_ERROR("a,b\n\"1\"x,2\n", CSV_READ_HEADER, NULL, -EINVAL,
	             "line 2: text after the closing quote of field 1");
	/* Headers. */
	EXPECT_ERROR("login,,section\n", CSV_READ_HEADER, NULL, -EINVAL,
	             "line 1: column 2 has no name");
	EXPECT_ERROR("\n\nlogin,name,login \n", CSV_READ_HEADER, NULL, -EINVAL,
	             "line 3: column 'login' appears twice in the header (columns 1 and 3)");
	/* Not text, or not an encoding we read. */
	EXPECT_ERROR("a,b\n1,\0\n", 0, NULL, -EINVAL, "line 2: NUL byte");
	EXPECT_ERROR("\xff\xfe"
	             "a\0,\0b\0",
	             0, NULL, -EINVAL, "UTF-16");
	/* 0x80 and 0xFD are neither UTF-8 nor CP932. */
	EXPECT_ERROR("a,b\n1,2\n\x83\x65\x83\x58\x83\x67,\x80\n", 0, NULL, -EINVAL,
	             "line 3: byte 0x80 is neither UTF-8 nor CP932");
	EXPECT_ERROR("a\n\xfd\n", 0, NULL, -EINVAL, "line 2: byte 0xfd");
	/* Lines counted as the parser counts them: CRLF once, a lone CR too. */
	EXPECT_ERROR("a,b\r1,2\r\n3,\x80\r", 0, NULL, -EINVAL, "line 3: byte 0x80");
	/* A lead byte cut off at the end of the file. */
	EXPECT_ERROR("a\n\x83", 0, NULL, -EINVAL, "line 2: byte 0x83");
	/* UTF-8 with a BOM must be UTF-8 throughout. */
	EXPECT_ERROR("\xef\xbb\xbf"
	             "a\nb\n\x83\x65\n",
	             0, NULL, -EINVAL, "line 3: byte 0x83 is not valid UTF-8");
	/* Mostly UTF-8 with one bad byte is damaged UTF-8, not CP932 mojibake. */
	EXPECT_ERROR("氏名,所属\n佐藤 花子,情報政策課\n田中 一郎,区民\xe8\xaa\n", 0, NULL, -EINVAL,
	             "line 3: byte 0xe8 is not valid UTF-8 in a file that is otherwise UTF-8");
}

static void test_limits(void **state)
{
	const struct csv_limits small = { .max_field = 4, .max_columns = 3, .max_rows = 2 };
	const struct csv_limits tiny = { .max_bytes = 8 };
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(PARSE(&csv, "a,b,c\n1234,\"5678\",x\n", CSV_READ_HEADER, &small, &err), 0);
	csv_release(&csv);
	EXPECT_ERROR("a,b,c\n12345,2,3\n", CSV_READ_HEADER, &small, -EFBIG,
	             "line 2: field 1 is longer than 4 bytes");
	EXPECT_ERROR("a,b,c\n1,\"12\n345\",3\n", CSV_READ_HEADER, &small, -EFBIG,
	             "field 2 is longer than 4 bytes");
	EXPECT_ERROR("a,b,c,d\n", CSV_READ_HEADER, &small, -EFBIG,
	             "line 1: more than 3 fields in one record");
	EXPECT_ERROR("a,b,c\n1,2,3\n4,5,6\n7,8,9\n", CSV_READ_HEADER, &small, -EFBIG,
	             "line 4: more than 2 records");
	EXPECT_ERROR("a\nb\nc\nd\ne\n", 0, &tiny, -EFBIG, "larger than 8 bytes");
	strbuf_release(&err);
}

static void test_writer_utf8(void **state)
{
	const char *header[] = { "login", "name", "memo" };
	const char *row[] = { "sato", "佐藤 花子", "a, \"b\"\nc" };
	const char *row2[] = { " lead", "=HYPERLINK(\"x\")", "-12.5" };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct csv_writer w;
	struct csv csv = CSV_INIT;

	csv_writer_init(&w, &out, CSV_WRITE_DEFAULT);
	csv_write_row(&w, header, 3);
	csv_write_row(&w, row, 3);
	csv_write_row(&w, row2, 3);
	csv_write_field(&w, "+81-3-1234");
	csv_write_field(&w, "@SUM(A1)");
	csv_write_field(&w, "'=x"); /* already starts with a quote: guarded too */
	assert_int_equal(csv_writer_finish(&w, &err), 0);
	assert_string_equal(out.buf, "\xef\xbb\xbf"
	                             "login,name,memo\r\n"
	                             "sato,佐藤 花子,\"a, \"\"b\"\"\nc\"\r\n"
	                             "\" lead\",\"'=HYPERLINK(\"\"x\"\")\",-12.5\r\n"
	                             "'+81-3-1234,'@SUM(A1),''=x\r\n");
	assert_int_equal(w.rows, 4);

	/* Read back with the guard undone: the same values. */
	assert_int_equal(
	    csv_parse(&csv, out.buf, out.len, CSV_READ_HEADER | CSV_READ_UNGUARD, NULL, &err), 0);
	assert_int_equal(csv.encoding, CSV_UTF8_BOM);
	assert_int_equal(csv.nrecords, 3);
	for (size_t k = 0; k < 3; k++) {
		assert_string_equal(csv.records[0].fields[k], row[k]);
		assert_string_equal(csv.records[1].fields[k], row2[k]);
	}
	assert_string_equal(csv.records[2].fields[0], "+81-3-1234");
	assert_string_equal(csv.records[2].fields[1], "@SUM(A1)");
	assert_string_equal(csv.records[2].fields[2], "'=x");
	csv_release(&csv);

	/* Without the guard flag on reading, the apostrophes stay. */
	assert_int_equal(csv_parse(&csv, out.buf, out.len, CSV_READ_HEADER, NULL, &err), 0);
	assert_string_equal(csv.records[1].fields[1], "'=HYPERLINK(\"x\")");
	csv_release(&csv);

	/* Full-width ＝＋－＠ start a formula in Japanese Excel too: guarded, and undone. */
	{
		const char *wide[] = { "＝HYPERLINK(\"x\")", "＋1", "－SUM(A1)", "＠x", "a＝b" };
		strbuf_reset(&out);
		csv_writer_init(&w, &out, 0 | CSV_WRITE_FORMULA_GUARD);
		csv_write_row(&w, wide, 5);
		assert_int_equal(csv_writer_finish(&w, &err), 0);
		assert_string_equal(out.buf,
		                    "\"'＝HYPERLINK(\"\"x\"\")\",'＋1,'－SUM(A1),'＠x,a＝b\r\n");
		assert_int_equal(csv_parse(&csv, out.buf, out.len, CSV_READ_UNGUARD, NULL, &err),
		                 0);
		for (size_t k = 0; k < 5; k++)
			assert_string_equal(csv.records[0].fields[k], wide[k]);
		csv_release(&csv);
	}
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_writer_cp932(void **state)
{
	const char *row[] = { "髙橋", "①㈱", "ソ表\xef\xbd\x9e" };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct csv_writer w;
	struct csv csv = CSV_INIT;

	csv_writer_init(&w, &out, CSV_WRITE_BOM | CSV_WRITE_CP932); /* no BOM in CP932 */
	csv_write_row(&w, row, 3);
	assert_int_equal(csv_writer_finish(&w, &err), 0);
	assert_int_equal(out.len, 18);
	assert_memory_equal(out.buf,
	                    "\xfb\xfc\x8b\xb4,\x87\x40\x87\x8a,\x83\x5c\x95\x5c\x81\x60\r\n", 18);
	assert_int_equal(csv_parse(&csv, out.buf, out.len, 0, NULL, &err), 0);
	assert_int_equal(csv.encoding, CSV_CP932);
	for (size_t k = 0; k < 3; k++)
		assert_string_equal(csv.records[0].fields[k], row[k]);
	csv_release(&csv);

	/* 𠮷 (U+20BB7) and 😀 have no CP932 form: each is written as 〓 (81 AC) and counted,
	 * the first one's line and code point kept for the warning; the rest is converted. */
	strbuf_reset(&out);
	csv_writer_init(&w, &out, CSV_WRITE_CP932);
	csv_write_field(&w, "header");
	csv_end_row(&w);
	csv_write_field(&w, "\xf0\xa0\xae\xb7野家");
	csv_end_row(&w);
	csv_write_field(&w, "a\xf0\x9f\x98\x80"
	                    "b");
	assert_int_equal(csv_writer_finish(&w, &err), 0);
	assert_int_equal(w.substituted, 2);
	assert_int_equal(w.first_substituted_line, 2);
	assert_int_equal(w.first_substituted_cp, 0x20BB7);
	assert_int_equal(out.len, 22);
	assert_memory_equal(out.buf,
	                    "header\r\n\x81\xac\x96\xec\x89\xc6\r\na\x81\xac"
	                    "b\r\n",
	                    22);
	strbuf_release(&out);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_header),
		cmocka_unit_test(test_bom_crlf),
		cmocka_unit_test(test_cp932),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_line_endings_and_blank_rows),
		cmocka_unit_test(test_no_header),
		cmocka_unit_test(test_broken_rows),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_writer_utf8),
		cmocka_unit_test(test_writer_cp932),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

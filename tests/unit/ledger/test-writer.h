/* test-writer.h: the ledger-writer program's tests kept in files of their own, for its main
 * (test-writer.c). */
#ifndef MAMORI_TEST_LEDGER_WRITER_H
#define MAMORI_TEST_LEDGER_WRITER_H

/* test-writer-linger.c */
void test_writer_linger(void **state);
void test_writer_linger_options(void **state);
void test_writer_linger_after_pause(void **state);
void test_writer_linger_times(void **state);
void test_writer_prep_wakes(void **state);
/* test-writer-batch.c */
void test_writer_commits_to_bundle_end(void **state);
void test_prep_add_many(void **state);
void test_writer_syncs_database_ahead(void **state);
void test_writer_asks_rounds_by_growth(void **state);
void test_batch_rows_same(void **state);
/* test-writer-memory.c */
void test_writer_frees_when_idle(void **state);
void test_writer_frees_under_trickle(void **state);
void test_writer_keeps_steady(void **state);

#endif

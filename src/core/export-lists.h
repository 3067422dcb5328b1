/* export-lists: the lists besides registers as CSV for Excel (requests, take-outs, duties,
 * incidents, users, risks), one writer each for the CLI's --csv and the web's download. Headers are
 * Japanese, values are shown as people read them (names, not ids; Tokyo times); the caller
 * chose the rows through core's read decision and picks the encoding (base/csv.h). */
#ifndef MAMORI_CORE_EXPORT_LISTS_H
#define MAMORI_CORE_EXPORT_LISTS_H

#include <stdint.h>

struct csv_writer;
struct duty_list;
struct incident_list;
struct org_users;
struct profile;
struct request_list;
struct store;
struct takeout_list;

/* 番号, 状態, 行為, 台帳, 記録, 重要性分類, 課, 申請者, 承認者, 決裁者, 決裁日時, 申請日時,
 * 期限, 理由, 決裁の理由. The state as of now_ms (期限切れ past expiry). */
void export_requests_csv(struct store *st, const struct profile *p, const struct request_list *l,
                         int64_t now_ms, struct csv_writer *w);

/* 記録, 台帳, 名称, 重要性分類, 課, 持出し日時, 持出した人, 持出し先, 目的, 持出者, 保護措置,
 * 返却予定日, 状況 (持出し中 or 期限超過), 申請 */
void export_takeouts_csv(struct store *st, const struct profile *p, const struct takeout_list *l,
                         struct csv_writer *w);

/* 義務, 対象, 担当, 義務を負う人, 最終実施日, 最終実施者, 次回期限, 状況, 条項 */
void export_duties_csv(struct store *st, const struct duty_list *l, int64_t now_ms,
                       struct csv_writer *w);

/* 番号, 件名, 状況, 重大度, 課, 発見日時, 訓練, 緊急, 報告対象, 期限超過, 次の期限 */
void export_incidents_csv(struct store *st, const struct incident_list *l, struct csv_writer *w);

/* ログイン, 氏名, 所属 (the id `user import` reads back), 所属名, 雇用形態, 職名, メールアドレス,
 * 状態 (在職, 停止中, 退職) */
void export_users_csv(struct store *st, const struct org_users *l, struct csv_writer *w);

/* The risk register (core/risk.h; the caller read l through the read decision): 番号, 脅威,
 * 対象の記録, 対象, 台帳, 重要性分類, 課, 起こりやすさ, 影響, 固有リスク, 残留リスク,
 * 評価時の計算値, 現在の計算値 (with the measures as they are now), 引き上げた理由, 対応,
 * 受容の区分, 状態 (要再評価 when stale), 対策（条項） (each with whether it counts), 受容者,
 * 受容日時, 受容した残留リスク, 要再評価の理由, 未完了の作業, 期限切れの作業. */
struct risk_list;
void export_risks_csv(struct store *st, const struct profile *p, const struct risk_list *l,
                      struct csv_writer *w);

/* "在職", "停止中", "退職" for a user status id; the id itself when unknown. */
const char *export_user_status_name(const char *status);

#endif

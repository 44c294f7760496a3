"""Audit action names (SPEC §5.4) and their Japanese labels.

Every ``AuditEvent.action`` the application records is one of these constants;
review screens and exports show :data:`ACTIONS` labels next to the raw name.
"""

from __future__ import annotations

__all__ = [
    "CASE_LOOKUP",
    "PLAN_LIST",
    "WRITEOFF_LIST",
    "WRITEOFF_REJECT",
    "WRITEOFF_APPROVE",
    "WRITEOFF_PROPOSE",
    "WRITEOFF_CANDIDATES",
    "DEFERRAL_CANCEL",
    "DEFERRAL_GRANT",
    "SUSPENSION_LIST",
    "SUSPENSION_CANCEL",
    "SUSPENSION_REJECT",
    "SUSPENSION_DECIDE",
    "SUSPENSION_PROPOSE",
    "DISPOSITION_LIST",
    "DISPOSITION_REALISE",
    "DISPOSITION_RELEASE",
    "DISPOSITION_REJECT",
    "DISPOSITION_APPROVE",
    "DISPOSITION_PROPOSE",
    "INVESTIGATION_LETTER",
    "INVESTIGATION_LIST",
    "INVESTIGATION_ANSWER",
    "INVESTIGATION_REQUEST",
    "PLAN_CHECK",
    "PLAN_CANCEL",
    "PLAN_CREATE",
    "CASE_WORKLIST",
    "CASE_VIEW",
    "CASE_RECORDS",
    "CASE_RECORD",
    "CASE_UNTAG",
    "CASE_TAG",
    "CASE_CLOSE",
    "CASE_UPDATE",
    "CASE_ASSIGN",
    "CASE_OPEN_BATCH",
    "CASE_OPEN",
    "LOGIN_SUCCESS",
    "LOGIN_FAILURE",
    "LOGIN_LOCKOUT",
    "LOGIN_OTP_REPLAY",
    "LOGOUT",
    "SESSION_IDLE_LOCK",
    "SESSION_UNLOCK",
    "SESSION_EXPIRED",
    "PASSWORD_CHANGE",
    "OTP_RESET",
    "TAXPAYER_SEARCH",
    "TAXPAYER_VIEW",
    "MYNUMBER_REVEAL",
    "PERMISSION_DENIED",
    "USER_ADD",
    "USER_LIST",
    "USER_DISABLE",
    "USER_ENABLE",
    "USER_UNLOCK",
    "USER_RESET_PASSWORD",
    "USER_GRANT",
    "USER_REVOKE",
    "TERMINAL_ADD",
    "TERMINAL_DISABLE",
    "KEYS_ROTATE",
    "KEYS_REENCRYPT_START",
    "KEYS_REENCRYPT_DONE",
    "BACKUP_CREATE",
    "BACKUP_RESTORE",
    "BACKUP_CHECK",
    "DEMO_BUILD",
    "AUDIT_VERIFY",
    "AUDIT_REVIEW",
    "AUDIT_ARCHIVE",
    "EXPORT_FILE",
    "FILE_IMPORT",
    "EXPORT_REFUSED",
    "TAXPAYER_ACCOUNT",
    "PAYMENTS_IMPORT",
    "ATENA_IMPORT",
    "ASSESSMENTS_IMPORT",
    "PAYMENT_COUNTER",
    "PAYMENT_REVERSE",
    "SUSPENSE_RESOLVE",
    "DUNNING_RUN",
    "TRANSFER_REGISTER",
    "TRANSFER_REQUEST",
    "TRANSFER_RESULT",
    "REPORT_STATISTICS",
    "OVERPAYMENT_APPROPRIATE",
    "REFUND_DRAFT",
    "REFUND_APPROVE",
    "REFUND_RETURN",
    "REFUND_AMEND",
    "REFUND_CANCEL",
    "REFUND_PAY",
    "REFUND_NOTIFY",
    "REFUND_TRANSFER_FILE",
    "REFUND_TRANSFER_FILE_REISSUE",
    "REFUND_NOTICE_DATA",
    "OVERPAYMENT_PREVIEW",
    "PAYMENT_QUOTE",
    "OVERPAYMENT_LIST",
    "TRANSFER_ACCOUNTS",
    "SETTINGS_CHANGE",
    "CASE_SEARCH",
    "CASE_FILTER_SAVE",
    "CASE_FILTER_DELETE",
    "CASE_REMINDERS",
    "CALLCENTER_EXPORT",
    "CALLCENTER_IMPORT",
    "REPORT_DELINQUENCY",
    "REPORT_UNPAID",
    "CERTIFICATE_ISSUE",
    "CERTIFICATE_LIST",
    "ACTIONS",
    "action_label",
]

# 認証・セッション
LOGIN_SUCCESS = "login.success"
LOGIN_FAILURE = "login.failure"  # details: {"login_id": ..., "reason": ...}
LOGIN_LOCKOUT = "login.lockout"
LOGIN_OTP_REPLAY = "login.otp_replay"
LOGOUT = "logout"
SESSION_IDLE_LOCK = "session.idle_lock"
SESSION_UNLOCK = "session.unlock"
SESSION_EXPIRED = "session.expired"
PASSWORD_CHANGE = "password.change"
OTP_RESET = "otp.reset"

# 照会
TAXPAYER_SEARCH = "taxpayer.search"
TAXPAYER_VIEW = "taxpayer.view"  # details: {"flagged": true} for staff-flagged records
MYNUMBER_REVEAL = "mynumber.reveal"  # details: {"purpose": ...}
PERMISSION_DENIED = "permission.denied"

# 管理
USER_ADD = "user.add"
USER_LIST = "user.list"
USER_DISABLE = "user.disable"
USER_ENABLE = "user.enable"
USER_UNLOCK = "user.unlock"
USER_RESET_PASSWORD = "user.reset_password"
USER_GRANT = "user.grant"
USER_REVOKE = "user.revoke"
TERMINAL_ADD = "terminal.add"
TERMINAL_DISABLE = "terminal.disable"
KEYS_ROTATE = "keys.rotate"
KEYS_REENCRYPT_START = "keys.reencrypt.start"
KEYS_REENCRYPT_DONE = "keys.reencrypt.done"
BACKUP_CREATE = "backup.create"
BACKUP_RESTORE = "backup.restore"
BACKUP_CHECK = "backup.check"
DEMO_BUILD = "demo.build"
SETTINGS_CHANGE = "settings.change"

# 監査・ファイル
AUDIT_VERIFY = "audit.verify"
AUDIT_REVIEW = "audit.review"
AUDIT_ARCHIVE = "audit.archive"
EXPORT_FILE = "export.file"
FILE_IMPORT = "file.import"
EXPORT_REFUSED = "export.refused"

# 収納・督促・口座振替・統計
TAXPAYER_ACCOUNT = "taxpayer.account"
PAYMENTS_IMPORT = "payments.import"
ATENA_IMPORT = "atena.import"
ASSESSMENTS_IMPORT = "assessments.import"
PAYMENT_COUNTER = "payment.counter"
PAYMENT_REVERSE = "payment.reverse"
SUSPENSE_RESOLVE = "suspense.resolve"
DUNNING_RUN = "dunning.run"
TRANSFER_REGISTER = "transfer.register"
TRANSFER_REQUEST = "transfer.request"
TRANSFER_RESULT = "transfer.result"
REPORT_STATISTICS = "report.statistics"

# 充当・還付
OVERPAYMENT_APPROPRIATE = "overpayment.appropriate"
REFUND_DRAFT = "refund.draft"
REFUND_APPROVE = "refund.approve"
REFUND_RETURN = "refund.return"
REFUND_AMEND = "refund.amend"
REFUND_CANCEL = "refund.cancel"
REFUND_PAY = "refund.pay"
REFUND_NOTIFY = "refund.notify"
REFUND_TRANSFER_FILE = "refund.transfer_file"
REFUND_TRANSFER_FILE_REISSUE = "refund.transfer_file.reissue"
REFUND_NOTICE_DATA = "refund.notice_data"
OVERPAYMENT_PREVIEW = "overpayment.preview"
PAYMENT_QUOTE = "payment.quote"
OVERPAYMENT_LIST = "overpayment.list"
TRANSFER_ACCOUNTS = "transfer.accounts"

# 滞納整理
CASE_OPEN = "case.open"
CASE_OPEN_BATCH = "case.open_batch"
CASE_ASSIGN = "case.assign"
CASE_UPDATE = "case.update"
CASE_CLOSE = "case.close"
CASE_TAG = "case.tag"
CASE_UNTAG = "case.untag"
CASE_RECORD = "case.record"
CASE_RECORDS = "case.records"
CASE_VIEW = "case.view"
CASE_LOOKUP = "case.lookup"
CASE_WORKLIST = "case.worklist"
PLAN_CREATE = "plan.create"
PLAN_CANCEL = "plan.cancel"
PLAN_CHECK = "plan.check"
PLAN_LIST = "plan.list"
WRITEOFF_LIST = "writeoff.list"
INVESTIGATION_REQUEST = "investigation.request"
INVESTIGATION_ANSWER = "investigation.answer"
INVESTIGATION_LIST = "investigation.list"
INVESTIGATION_LETTER = "investigation.letter"
DISPOSITION_PROPOSE = "disposition.propose"
DISPOSITION_APPROVE = "disposition.approve"
DISPOSITION_REJECT = "disposition.reject"
DISPOSITION_RELEASE = "disposition.release"
DISPOSITION_REALISE = "disposition.realise"
DISPOSITION_LIST = "disposition.list"
SUSPENSION_PROPOSE = "suspension.propose"
SUSPENSION_DECIDE = "suspension.decide"
SUSPENSION_REJECT = "suspension.reject"
SUSPENSION_CANCEL = "suspension.cancel"
SUSPENSION_LIST = "suspension.list"
DEFERRAL_GRANT = "deferral.grant"
DEFERRAL_CANCEL = "deferral.cancel"
WRITEOFF_CANDIDATES = "writeoff.candidates"
WRITEOFF_PROPOSE = "writeoff.propose"
WRITEOFF_APPROVE = "writeoff.approve"
WRITEOFF_REJECT = "writeoff.reject"

# 催告・催告センター・滞納統計
CASE_SEARCH = "case.search"
CASE_FILTER_SAVE = "case.filter_save"
CASE_FILTER_DELETE = "case.filter_delete"
CASE_REMINDERS = "case.reminders"
CALLCENTER_EXPORT = "callcenter.export"
CALLCENTER_IMPORT = "callcenter.import"
REPORT_DELINQUENCY = "report.delinquency"
REPORT_UNPAID = "report.unpaid"

# 帳票・証明 (printing itself is recorded as EXPORT_FILE with the document kind)
CERTIFICATE_ISSUE = "certificate.issue"  # details: certificate no, kind, years, applicant kind, id document, sha256
CERTIFICATE_LIST = "certificate.list"

#: action name → Japanese label.
ACTIONS: dict[str, str] = {
    CASE_OPEN: "滞納案件の開始",
    CASE_OPEN_BATCH: "滞納案件の一括開始",
    CASE_ASSIGN: "滞納案件の担当割当",
    CASE_UPDATE: "滞納案件の更新",
    CASE_CLOSE: "滞納案件の完結",
    CASE_TAG: "付箋の追加",
    CASE_UNTAG: "付箋の削除",
    CASE_RECORD: "経過記録の登録",
    CASE_RECORDS: "経過記録の閲覧",
    CASE_VIEW: "滞納案件の照会",
    CASE_LOOKUP: "納税者の滞納案件の検索",
    CASE_WORKLIST: "滞納整理の作業一覧",
    PLAN_CREATE: "分納誓約の登録",
    PLAN_CANCEL: "分納誓約の取消",
    PLAN_CHECK: "分納履行の点検",
    PLAN_LIST: "分納誓約の閲覧",
    WRITEOFF_LIST: "不納欠損の起案一覧",
    INVESTIGATION_REQUEST: "財産調査の照会",
    INVESTIGATION_ANSWER: "財産調査の回答登録",
    INVESTIGATION_LIST: "財産調査の閲覧",
    INVESTIGATION_LETTER: "財産調査照会書の作成",
    DISPOSITION_PROPOSE: "差押・交付要求の起案",
    DISPOSITION_APPROVE: "差押・交付要求の決裁",
    DISPOSITION_REJECT: "差押・交付要求の否決",
    DISPOSITION_RELEASE: "差押・交付要求の解除",
    DISPOSITION_REALISE: "差押財産の取立・換価",
    DISPOSITION_LIST: "差押・交付要求の閲覧",
    SUSPENSION_PROPOSE: "執行停止の起案",
    SUSPENSION_DECIDE: "執行停止の決定",
    SUSPENSION_REJECT: "執行停止の否決",
    SUSPENSION_CANCEL: "執行停止の取消",
    SUSPENSION_LIST: "執行停止の閲覧",
    DEFERRAL_GRANT: "猶予の決定",
    DEFERRAL_CANCEL: "猶予の取消",
    WRITEOFF_CANDIDATES: "不納欠損候補の抽出",
    WRITEOFF_PROPOSE: "不納欠損の起案",
    WRITEOFF_APPROVE: "不納欠損の決裁",
    WRITEOFF_REJECT: "不納欠損の否決",
    LOGIN_SUCCESS: "ログイン成功",
    LOGIN_FAILURE: "ログイン失敗",
    LOGIN_LOCKOUT: "アカウントロック",
    LOGIN_OTP_REPLAY: "ワンタイムパスワード再使用",
    LOGOUT: "ログアウト",
    SESSION_IDLE_LOCK: "無操作ロック",
    SESSION_UNLOCK: "ロック解除",
    SESSION_EXPIRED: "セッション期限切れ",
    PASSWORD_CHANGE: "パスワード変更",
    OTP_RESET: "二要素認証の再設定",
    TAXPAYER_SEARCH: "納税者検索",
    TAXPAYER_VIEW: "納税者照会",
    MYNUMBER_REVEAL: "個人番号の表示",
    PERMISSION_DENIED: "権限なしによる拒否",
    USER_ADD: "利用者の登録",
    USER_LIST: "利用者一覧の表示",
    USER_DISABLE: "利用者の無効化",
    USER_ENABLE: "利用者の有効化",
    USER_UNLOCK: "利用者のロック解除",
    USER_RESET_PASSWORD: "パスワードの初期化",
    USER_GRANT: "権限の付与",
    USER_REVOKE: "権限の取消",
    TERMINAL_ADD: "端末の登録",
    TERMINAL_DISABLE: "端末の無効化",
    KEYS_ROTATE: "暗号鍵の更新",
    KEYS_REENCRYPT_START: "再暗号化の開始",
    KEYS_REENCRYPT_DONE: "再暗号化の完了",
    BACKUP_CREATE: "バックアップの作成",
    BACKUP_RESTORE: "バックアップからの復元",
    BACKUP_CHECK: "バックアップの検査",
    DEMO_BUILD: "デモデータの作成",
    AUDIT_VERIFY: "監査ログの検証",
    AUDIT_REVIEW: "監査ログの閲覧",
    AUDIT_ARCHIVE: "監査ログの保管・削除",
    EXPORT_FILE: "ファイル出力",
    FILE_IMPORT: "ファイル取込",
    SETTINGS_CHANGE: "設定の変更",
    EXPORT_REFUSED: "ファイル出力の拒否",
    TAXPAYER_ACCOUNT: "調定・収納の照会",
    PAYMENTS_IMPORT: "収納データの取込",
    ATENA_IMPORT: "宛名の取込",
    ASSESSMENTS_IMPORT: "調定の取込",
    PAYMENT_COUNTER: "窓口収納",
    PAYMENT_REVERSE: "収納の取消",
    SUSPENSE_RESOLVE: "未消込の処理",
    DUNNING_RUN: "督促の発付",
    TRANSFER_REGISTER: "口座振替の登録",
    TRANSFER_REQUEST: "口座振替請求の作成",
    TRANSFER_RESULT: "口座振替結果の取込",
    REPORT_STATISTICS: "収納統計の表示",
    OVERPAYMENT_APPROPRIATE: "過誤納の充当",
    REFUND_DRAFT: "還付の起案",
    REFUND_APPROVE: "還付の決裁",
    REFUND_RETURN: "還付の差戻し",
    REFUND_AMEND: "還付の変更",
    REFUND_CANCEL: "還付の取消",
    REFUND_PAY: "還付の支出（現金）",
    REFUND_NOTIFY: "還付の通知",
    REFUND_TRANSFER_FILE: "還付の総合振込",
    REFUND_TRANSFER_FILE_REISSUE: "総合振込ファイルの再作成",
    REFUND_NOTICE_DATA: "充当・還付通知の作成",
    OVERPAYMENT_PREVIEW: "充当の確認",
    PAYMENT_QUOTE: "窓口収納の見積",
    OVERPAYMENT_LIST: "過誤納一覧の表示",
    TRANSFER_ACCOUNTS: "口座振替登録の照会",
    CASE_SEARCH: "滞納案件の検索",
    CASE_FILTER_SAVE: "検索条件の保存",
    CASE_FILTER_DELETE: "検索条件の削除",
    CASE_REMINDERS: "催告の一括記録",
    CALLCENTER_EXPORT: "催告センター向け対象の作成",
    CALLCENTER_IMPORT: "催告センター折衝記録の取込",
    REPORT_DELINQUENCY: "滞納統計の表示",
    REPORT_UNPAID: "滞納額・延滞金の集計",
    CERTIFICATE_ISSUE: "納税証明書の発行",
    CERTIFICATE_LIST: "証明書発行履歴の表示",
}


def action_label(action: str) -> str:
    """The Japanese label of ``action``; unknown actions show their raw name."""
    return ACTIONS.get(action, action)


# 保存期間経過データの消去 (core.services.retention)
RETENTION_PLAN = "retention.plan"
RETENTION_PROPOSE = "retention.propose"
RETENTION_PURGE = "retention.purge"
RETENTION_CANCEL = "retention.cancel"
RETENTION_LIST = "retention.list"
ACTIONS.update({
    RETENTION_PLAN: "保存期間経過データの抽出",
    RETENTION_PROPOSE: "保存期間経過データ消去の起案",
    RETENTION_PURGE: "保存期間経過データの消去（決裁）",
    RETENTION_CANCEL: "保存期間経過データ消去の取下げ",
    RETENTION_LIST: "データ消去の起案一覧",
})
__all__ += ["RETENTION_PLAN", "RETENTION_PROPOSE", "RETENTION_PURGE", "RETENTION_CANCEL", "RETENTION_LIST"]

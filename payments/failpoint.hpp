#pragma once
// Failpoints: KIOSK_FAILPOINT=<step> makes the process die with _exit(kFailpointExitCode) when it
// reaches that named step boundary, like a power cut (no destructors, no flush beyond what was
// already committed to the journal). The crash-matrix test runs a payment once per step.
//
// Steps of the QR payment saga, in order (each is "just after" what its name says):
//   order_created        the CREATED row is committed; nothing remote happened yet
//   before_gateway_order the ORDERING row is committed; the gateway order is not sent yet
//   after_gateway_order  the gateway answered the create; QR_SHOWN not journalled yet
//   qr_shown             the QR_SHOWN row (with code_url) is committed
//   after_paid_seen      the gateway said SUCCESS; PAID not journalled yet
//   paid                 the PAID row is committed
//   before_his_commit    the HIS_COMMITTING row is committed; the HIS call is not sent yet
//   after_his_commit     the HIS answered the commit; DONE not journalled yet
//   before_close         the gateway close is about to be sent (QR timed out)
//   after_close          the gateway answered the close; CLOSED/PAID not journalled yet
//   before_refund        the REFUNDING row is committed; the refund is not sent yet
//   after_refund         the gateway answered the refund; REFUNDED not journalled yet
// Steps of the insurance settlement saga (payments/insurance_saga.hpp); its cash part goes
// through the QR steps above:
//   ins_order_created    the CREATED insurance row is committed; nothing remote yet
//   ins_before_presettle the INS_PRESETTLING row is committed; 1101 not sent yet
//   ins_after_presettle  2206 answered with the split; INS_PRESETTLED not journalled yet
//   ins_presettled       the INS_PRESETTLED row (split, psn_no, mdtrt_id) is committed
//   ins_before_settle    the INS_SETTLING row is committed; 2207 not sent yet
//   ins_after_settle     2207 answered (setl_id); INS_SETTLED not journalled yet
//   ins_settled          the INS_SETTLED row (setl_id) is committed
//   ins_before_cancel    the INS_CANCELLING row is committed; 2208 not sent yet
//   ins_after_cancel     2208 answered; REFUNDING/REFUNDED not journalled yet
// Steps of the registration saga (payments/registration_saga.hpp), around its hold; its payment
// goes through the QR steps above, and its booking through before/after_his_commit:
//   reg_order_created    the CREATED registration row (with the hold key) is committed; no hold sent
//   reg_after_hold       the HIS answered the hold; the appointment id is not journalled yet
//   reg_held             the appointment id is journalled; nothing paid yet
//   reg_before_rehold    the first hold expired: the re-hold key is journalled, the hold not sent
//   reg_after_rehold     the HIS answered the re-hold; its appointment id not journalled yet
//   reg_before_cancel    the patient cancels a booking: HIS_CANCELLING is committed, the HIS not asked
//   reg_after_cancel     the HIS cancelled the appointment; REFUNDING not journalled yet
// Steps of the bank-card saga (payments/bankcard_saga.hpp); PAID and the HIS commit use the QR
// steps `paid`, `before_his_commit`, `after_his_commit`:
//   card_before_consume  the ORDERING row with the consume's tag is committed; not sent yet
//   card_after_consume   the terminal answered the consume; PAID / CLOSED not journalled yet
//   card_before_reversal the REFUNDING row with the void / refund's tag is committed; not sent
//   card_after_reversal  the terminal answered the reversal; REFUNDED not journalled yet

#include <array>
#include <string_view>

namespace kiosk::payments {

inline constexpr int kFailpointExitCode = 86;

inline constexpr std::array<std::string_view, 32> kFailpointSteps = {
    "order_created", "before_gateway_order", "after_gateway_order", "qr_shown",
    "after_paid_seen", "paid", "before_his_commit", "after_his_commit",
    "before_close", "after_close", "before_refund", "after_refund",
    "ins_order_created", "ins_before_presettle", "ins_after_presettle", "ins_presettled",
    "ins_before_settle", "ins_after_settle", "ins_settled", "ins_before_cancel", "ins_after_cancel",
    "reg_order_created", "reg_after_hold", "reg_held", "reg_before_rehold", "reg_after_rehold",
    "reg_before_cancel", "reg_after_cancel",
    "card_before_consume", "card_after_consume", "card_before_reversal", "card_after_reversal"};

/// Dies with _exit(kFailpointExitCode) when KIOSK_FAILPOINT names `step`; otherwise returns.
void failpoint(std::string_view step);

}  // namespace kiosk::payments

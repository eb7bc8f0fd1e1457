#pragma once
// "My records" over FHIR R4: the patient's visits (Encounter) and payments (PaymentReconciliation,
// as FhirHisDriver::commitPayment writes it) read into Visit / PastPayment. Pure functions on one
// resource each, so that a bad answer (no date, an unknown status, no amount) is tested without a
// server; FhirHisDriver::visits() / pastPayments() search and call them.
//
// [X] Encounter: status (R4 encounter-status), subject, period.start, serviceProvider.display
//     (+ its English translation), participant[0].individual.display, diagnosis[].condition: a
//     contained Condition ("#id", its code.text) or the reference's display
// [X] PaymentReconciliation: status (R4 fm-status), identifier (the kiosk's trade no), created or
//     paymentDate, the amounts (extension fee-fen / insurance-fen / cash-fen, else paymentAmount),
//     the channel (extension urn:yizhan:ext:channel, else paymentIdentifier.system
//     urn:yizhan:channel:<channel>), the invoice (receipt) number, detail[].request → ChargeItem
// [ ] Encounter.diagnosis referring to a Condition read separately (not followed: no text shown)

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kiosk/backend/his_types.hpp"
#include "kiosk/core/error.hpp"

namespace kiosk::backend::fhir_history {

/// A visit, or nullopt for an Encounter that is not one the patient had (planned, cancelled,
/// entered-in-error). invalid_answer: not an Encounter, no id, an unknown status. A missing or
/// malformed period.start is no error: the visit is kept with an empty `start` ("date unknown").
Result<std::optional<Visit>> parseEncounter(const nlohmann::json& resource);

/// What a ChargeItem of the patient is called and costs, for the payments that name it.
PaidItem parseChargeItem(const nlohmann::json& resource);

/// A payment, or nullopt for one that is not (draft, cancelled, entered-in-error).
/// invalid_answer: not a PaymentReconciliation, no id, an unknown status, no date at all (neither
/// created nor paymentDate), no amount or a negative one. `charges` (by ChargeItem id) names what
/// it paid for; a charge not among them is listed without a name.
Result<std::optional<PastPayment>> parsePaymentReconciliation(const nlohmann::json& resource, const std::string& tradeSystem,
                                                               const std::map<std::string, PaidItem>& charges);

}  // namespace kiosk::backend::fhir_history

#pragma once
// The simulated acquirer behind the virtual MIS-POS terminal (issue 16): one state, shared by the
// pty terminal (virtual_mispos.hpp, kiosk-vpos) and the vendor-style library
// (libkiosk_vpos_vendor.so, loaded by kiosk-pos-helper), so a transaction made through either is
// found by a query through either, and survives the helper being killed and restarted.
//
// The state lives in one small text file (path from the caller or $KIOSK_VPOS_STATE), read and
// written under an flock for every request, so the test process, kiosk-vpos and the helper can
// all use it: sign-in date, batch, next voucher / reference, the transactions, the last money
// answer (for "reprint last"), the scenario and the fault.
//
// Scenarios (apply to the next consume / void / refund, then back to approved; not_signed_in
// signs the terminal out at once):
//   approved            the card pays (card 622848******0018)
//   insufficient_funds  51      wrong_pin  55      card_expired  54     (not charged)
//   walk_away           no card within walk_away_ms: "TO" (not charged)
//   answer_lost         charged, then no answer at all (the serial line or the library's link)
//   crash               library: charged, then abort() mid-transaction; terminal: as answer_lost
//   hang                library: never returns (nothing charged); terminal: no answer
//   not_signed_in       the terminal is signed out: a consume answers 77 until a sign-in
// Faults (the next answer only; money is moved as in approved):
//   wrong_length (one byte short), non_numeric_amount, other_amount (charges 1 yuan more),
//   other_tag (answers with another transaction's tag), unmasked_pan (the full card number)
// Link faults (pty terminal only, the next exchange): nak (NAK to every frame),
//   bad_lrc (every answer frame with a wrong LRC), no_ack (the request is taken without an ACK:
//   the host sends it again, and the terminal must not act on it twice).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "drivers/common/device_classes.hpp"
#include "drivers/pos/mispos/mispos_layout.hpp"

namespace kiosk::sim {

enum class VposScenario {
    approved,
    insufficient_funds,
    wrong_pin,
    card_expired,
    walk_away,
    answer_lost,
    crash,
    hang,
    not_signed_in
};
std::string_view vposScenarioName(VposScenario scenario);
Result<VposScenario> parseVposScenario(std::string_view name);
std::vector<std::string_view> vposScenarioNames();

enum class VposFault {
    none,
    wrong_length,
    non_numeric_amount,
    other_amount,
    other_tag,
    unmasked_pan,
    nak,
    bad_lrc,
    no_ack
};
std::string_view vposFaultName(VposFault fault);
Result<VposFault> parseVposFault(std::string_view name);

struct VposTransaction {
    std::string type;  ///< consume, void_sale, refund
    int64_t amountFen = 0;
    std::string voucher;
    std::string reference;
    std::string batch;
    std::string date;  ///< MMDD
    std::string time;  ///< HHMMSS
    std::string tag;
    std::string original;     ///< void: the voided voucher; refund: the refunded reference
    bool voided = false;      ///< consume only
    int64_t refundedFen = 0;  ///< consume only
};

/// Totals of one batch, as a settlement reports them.
struct VposBatchTotals {
    std::string batch;
    int consumes = 0;
    int64_t consumeFen = 0;
    int voids = 0;
    int64_t voidFen = 0;
    int refunds = 0;
    int64_t refundFen = 0;
    int64_t netFen() const { return consumeFen - voidFen - refundFen; }
};

/// What the terminal does with one request.
struct VposOutcome {
    enum class Kind { answer, no_answer, crash, hang };
    Kind kind = Kind::answer;
    std::string answer;
    std::chrono::milliseconds delay{0};  ///< time before answering (the patient at the terminal)
};

/// As a SimulatedDevice (the presenter's F2 panel, scripted journeys): the scenarios above by
/// name, and the actions "fault" <name>, "walk_away_ms" <n>, "answer_delay_ms" <n>.
class VirtualAcquirer final : public drivers::SimulatedDevice {
public:
    static constexpr std::string_view kMerchantId = "898310048990001";
    static constexpr std::string_view kTerminalId = "10000001";
    static constexpr std::string_view kCard = "6228480402564890018";  ///< a test number; masked on the wire

    VirtualAcquirer(std::filesystem::path stateFile, drivers::pos::MisPosLayout layout);

    /// Processes one fixed-width request. The state is saved before the outcome is acted out (a
    /// crash after a charge leaves the charge recorded, as a real acquirer would).
    VposOutcome process(std::string_view request);

    void setScenario(VposScenario scenario);
    VposScenario currentScenario() const;

    // drivers::SimulatedDevice
    std::vector<std::string> scenarios() const override;
    std::string scenario() const override;
    Result<void> setScenario(std::string_view name) override;
    Result<void> act(std::string_view action, std::string_view argument) override;
    void setFault(VposFault fault);
    VposFault fault() const;
    /// Takes a link fault (nak / bad_lrc) for the pty terminal; the fault is cleared.
    VposFault takeLinkFault();
    void setWalkAwayDelay(std::chrono::milliseconds delay);
    void setAnswerDelay(std::chrono::milliseconds delay);
    bool signedIn() const;

    std::vector<VposTransaction> transactions() const;
    /// Approved consumes ever made (a double charge shows here).
    int charges() const;
    VposBatchTotals batchTotals() const;  ///< the open batch
    /// The last settlement's totals (empty batch if none).
    VposBatchTotals lastSettlement() const;
    const drivers::pos::MisPosLayout& layout() const { return layout_; }
    const std::filesystem::path& stateFile() const { return file_; }

private:
    struct State;
    template <class F>
    auto locked(F&& f) const;
    std::filesystem::path file_;
    drivers::pos::MisPosLayout layout_;
};

}  // namespace kiosk::sim

#pragma once
// A virtual second-generation ID-card reader on a pty (harness.md §3): the driver opens the
// slave side (or a symlink to it) like /dev/ttyUSB0; this object answers on the master side
// with the GA 450 frames of drivers/id_reader/ga450/ga450_protocol.hpp.
//
// Scenarios:
//   no_card           find card → 00 00 80
//   select_failure    find → 9F, select → 00 00 81
//   valid_card        find → 9F, select → 90, read → 90 + text + photo (the placed person)
//   corrupted_checksum  as valid_card, but the read answer's checksum byte is wrong
//   silent            never answers anything (a dead reader or a wrong port)
// valid_card/corrupted_checksum answer "no card" until place() / placeCard() / placeText() and
// after lift(). place() puts a resident ID card of a sample person; placeCard() any card type the
// SAM returns (resident ID card, HK/Macao/Taiwan residence permit 'J', foreigner's permanent
// residence card 'I' 2017 / 'Y' 2023 — ga450_protocol.hpp); placeText() a raw 256-byte text block
// (an unknown type flag, a damaged field).

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "drivers/id_reader/ga450/ga450_protocol.hpp"
#include "drivers/sim/sample_data.hpp"

namespace kiosk::sim {

enum class IdReaderScenario { no_card, select_failure, valid_card, corrupted_checksum, silent };
std::string_view idReaderScenarioName(IdReaderScenario scenario);
Result<IdReaderScenario> parseIdReaderScenario(std::string_view name);
std::vector<std::string_view> idReaderScenarioNames();

class VirtualIdReader {
public:
    /// Opens a pty pair; if `link` is not empty, a symlink to the slave is made there.
    static Result<std::unique_ptr<VirtualIdReader>> create(IdReaderScenario scenario, std::filesystem::path link = {});
    ~VirtualIdReader();
    VirtualIdReader(const VirtualIdReader&) = delete;
    VirtualIdReader& operator=(const VirtualIdReader&) = delete;

    /// The path the driver opens (the link if given, else /dev/pts/N).
    const std::filesystem::path& path() const { return path_; }
    void setScenario(IdReaderScenario scenario);
    void place(const drivers::sim::SamplePerson& person);
    /// Places a card with this text (its `type` chooses the layout). Fails if a field is too long.
    Result<void> placeCard(const drivers::ga450::IdCardText& text);
    /// Places a card whose read answer carries exactly these 256 text bytes.
    void placeText(std::vector<uint8_t> text);
    void lift();
    /// Commands received so far (cmd << 8 | para), for tests.
    std::vector<uint16_t> commands() const;
    /// Closes the master side: the driver sees a hang-up (reader unplugged).
    void unplug();

private:
    VirtualIdReader(int master, int slave, std::filesystem::path path, std::filesystem::path link, IdReaderScenario scenario);
    void serve(std::stop_token stop);
    std::vector<uint8_t> answer(uint8_t cmd, uint8_t para);

    int master_;
    int slave_;  // kept open so the pty survives the driver closing and reopening it
    std::filesystem::path path_;
    std::filesystem::path link_;
    mutable std::mutex mutex_;
    IdReaderScenario scenario_;
    std::optional<drivers::sim::SamplePerson> person_;
    std::optional<std::vector<uint8_t>> text_;  ///< the text block of the card on the reader
    std::vector<uint16_t> commands_;
    std::jthread server_;
};

}  // namespace kiosk::sim

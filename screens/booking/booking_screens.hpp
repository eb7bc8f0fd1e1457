#pragma once
// The booking screens (menu → "book an appointment"), all drawing from the one BookingFlow
// (screens/booking/booking_flow.hpp) in ScreenContext::services.booking():
//   book.departments  the hospital's departments with today's free count, six to a page; the
//                     letter pad; back to the menu
//   book.search       the letter pad: pinyin initials (XNK) find a department
//   book.doctors      the date strip (today + 6 days) and the department's doctors of that day
//                     (name, title, specialty, fee, free slots), six to a page
//   book.slots        the chosen doctor's slots of the day (time range, what is left); a full day
//                     offers the doctor's nearest free slot and the department's other doctors
//   book.confirm      department, doctor, date, time, fee, floor/room, masked patient: confirm
//                     (the slot is held meanwhile) or back (the hold is released); with a fee,
//                     "pay and book" goes to book.pay (screens/booking/booking_pay_screens.hpp)
//   book.slip         booked: the registration slip, shown and printed
// Lists keep six choices or fewer per page with big previous / next buttons (elder mode).

#include <string>

#include "screens/screen.hpp"

namespace kiosk::screens {

class BookDepartmentsScreen final : public Screen {
public:
    std::string_view id() const override { return "book.departments"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    size_t page_ = 0;
    /// Departments per page: at most 6, fewer where two-line choices do not fit (elder mode in
    /// landscape); worked out by draw(), read by onEvent() to page the same way.
    mutable size_t perPage_ = 6;
};

class BookSearchScreen final : public Screen {
public:
    std::string_view id() const override { return "book.search"; }
    void onEnter(ScreenContext&) override { typed_.clear(); }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    std::string typed_;  ///< upper-case initials typed so far
};

class BookDoctorsScreen final : public Screen {
public:
    std::string_view id() const override { return "book.doctors"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    size_t page_ = 0;
    /// Doctors per page: at most 6, fewer when two-line rows under the date strip do not fit
    /// (portrait large print). Worked out by draw() from the room it has, read by onEvent() to page
    /// the same way; the only state draw() writes.
    mutable size_t perPage_ = 6;
};

class BookSlotsScreen final : public Screen {
public:
    std::string_view id() const override { return "book.slots"; }
    void onEnter(ScreenContext&) override { page_ = 0; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    size_t page_ = 0;
    /// Times per page, as BookDepartmentsScreen::perPage_.
    mutable size_t perPage_ = 6;
};

class BookConfirmScreen final : public Screen {
public:
    std::string_view id() const override { return "book.confirm"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
    bool holdsSession(const ScreenContext& context) const override;
};

class BookSlipScreen final : public Screen {
public:
    std::string_view id() const override { return "book.slip"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    enum class PrintState { none, printing, printed, failed };
    PrintState print_ = PrintState::none;
    std::string printedFor_;
    mutable std::string qrText_;
    mutable std::vector<uint8_t> qrModules_;
    mutable int qrSize_ = 0;
};

}  // namespace kiosk::screens

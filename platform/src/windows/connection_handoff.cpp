// Not on Windows yet: the front end keeps every connection and relays
// (connection_handoff.hpp says what the equivalents would be).
#include <isapi/platform/connection_handoff.hpp>

#include <stdexcept>

namespace isapi::platform {

namespace {
std::error_code unsupported() { return std::make_error_code(std::errc::operation_not_supported); }
}  // namespace

std::size_t send_with_descriptor(NativeChannel, std::string_view, NativeDescriptor, std::error_code& ec) {
    ec = unsupported();
    return 0;
}

std::size_t receive_with_descriptors(NativeChannel, std::span<char>, std::vector<NativeDescriptor>&,
                                     std::error_code& ec) {
    ec = unsupported();
    return 0;
}

NativeDescriptor duplicate_descriptor(NativeDescriptor, std::error_code& ec) {
    ec = unsupported();
    return kNoDescriptor;
}

void close_descriptor(NativeDescriptor) {}
std::size_t unread_bytes(NativeDescriptor) { return 0; }
bool client_has_left(NativeDescriptor) { return false; }
std::optional<std::uint64_t> bytes_taken(NativeDescriptor) { return std::nullopt; }
bool write_and_shut(NativeDescriptor, std::string_view, int) { return false; }
void set_abortive_close(NativeDescriptor) {}

SharedStateTable SharedStateTable::create(std::size_t) {
    throw std::system_error(unsupported(), "connection hand-off is not available on Windows");
}
SharedStateTable SharedStateTable::attach(NativeDescriptor, std::size_t) {
    throw std::system_error(unsupported(), "connection hand-off is not available on Windows");
}
SharedStateTable::SharedStateTable(SharedStateTable&&) noexcept {}
SharedStateTable& SharedStateTable::operator=(SharedStateTable&&) noexcept { return *this; }
SharedStateTable::~SharedStateTable() = default;

}  // namespace isapi::platform

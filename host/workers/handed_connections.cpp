#include "handed_connections.hpp"

#include "../server/session_tracker.hpp"

#include <spdlog/spdlog.h>

namespace isapi::host {

namespace {
// How long a 502 may take to reach a client whose worker died: the answer
// is written from the pool's strand, which must not wait long.
constexpr int kAnswerTimeoutMs = 100;
}  // namespace

HandedConnections::HandedConnections() : table_(platform::SharedStateTable::create(ConnectionSlots::bytes_for(kSlots))) {
    free_slots_.reserve(kSlots);
    for (std::size_t i = kSlots; i-- > 0;) free_slots_.push_back(static_cast<std::uint32_t>(i));
}

HandedConnections::~HandedConnections() {
    for (auto& [id, held] : held_) platform::close_descriptor(held.socket);
}

std::optional<std::uint32_t> HandedConnections::add(std::uint64_t id, platform::NativeDescriptor socket, bool v6,
                                                    bool request_begun) {
    if (free_slots_.empty()) return std::nullopt;
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    ConnectionSlots slots(table_);
    slots.set_bytes_read(slot, 0);
    slots.clear_request(slot);  // not the line of the slot's last connection
    slots.set_state(slot, request_begun ? SessionState::busy : SessionState::idle);
    held_.emplace(id, Held{socket, slot, v6, platform::bytes_taken(socket)});
    return slot;
}

void HandedConnections::closed(std::uint64_t id) {
    auto it = held_.find(id);
    if (it == held_.end()) return;
    platform::close_descriptor(it->second.socket);
    free_slots_.push_back(it->second.slot);
    held_.erase(it);
}

std::optional<HandedSocket> HandedConnections::returned(std::uint64_t id, std::string leftover) {
    auto it = held_.find(id);
    if (it == held_.end()) return std::nullopt;
    HandedSocket back{it->second.socket, it->second.v6, std::move(leftover)};
    free_slots_.push_back(it->second.slot);
    held_.erase(it);
    return back;
}

bool HandedConnections::read_unmarked(const Held& held, ConnectionSlots& slots) const {
    if (!held.taken_before) return false;
    const auto taken = platform::bytes_taken(held.socket);
    return taken && *taken > *held.taken_before + slots.bytes_read(held.slot);
}

HandedConnections::Settled HandedConnections::settle(std::string_view answer) {
    Settled settled;
    ConnectionSlots slots(table_);
    for (auto& [id, held] : held_) {
        SessionState state = slots.state(held.slot);
        free_slots_.push_back(held.slot);  // every entry goes below, the returned ones too
        // Marked idle, yet the worker read past its last request: it died
        // between reading bytes and parsing them into a request it held (a
        // header still arriving, or one read an instant before the death).
        // Those bytes are gone from the socket; the next worker would wait
        // for a request that never comes, so the client gets the 502.
        if (state == SessionState::idle && read_unmarked(held, slots)) state = SessionState::busy;
        if (state == SessionState::idle) {
            // Nothing of a request was read: what the client sent since is
            // still in the socket for the next worker.
            settled.between_requests.push_back({held.socket, held.v6, {}});
            continue;
        }
        std::string line = slots.request(held.slot);
        if (line.empty()) line = "(a request not yet read in full)";
        if (state == SessionState::busy && platform::write_and_shut(held.socket, answer, kAnswerTimeoutMs)) {
            settled.answered.push_back(std::move(line));
        } else {
            platform::set_abortive_close(held.socket);  // a cut response must not look complete
            settled.cut.push_back(std::move(line));
        }
        platform::close_descriptor(held.socket);
    }
    if (!held_.empty())
        spdlog::info("{} handed connection(s) of a worker that ended: {} answered 502, {} cut (mid-response, or "
                     "the client had gone), {} between requests (passed on, or closed if the client has left)",
                     held_.size(), settled.answered.size(), settled.cut.size(), settled.between_requests.size());
    held_.clear();
    return settled;
}

}  // namespace isapi::host

#pragma once
// A short list of byte ranges handed to Transport::send in one call. Most
// responses need only a few pieces (header block, chunk framing, body), so
// they live inline; a long VECTOR_SEND spills to the heap.
#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace isapi::ecb::detail {

class PieceList {
public:
    void push(std::string_view piece) {
        if (piece.empty()) return;
        bytes_ += piece.size();
        if (!spilled_.empty() || count_ == inline_.size()) {
            if (spilled_.empty()) spilled_.assign(inline_.begin(), inline_.end());
            spilled_.push_back(piece);
            return;
        }
        inline_[count_++] = piece;
    }

    std::span<const std::string_view> view() const {
        if (!spilled_.empty()) return spilled_;
        return {inline_.data(), count_};
    }

    bool empty() const { return bytes_ == 0; }
    std::size_t bytes() const { return bytes_; }

    void clear() {
        count_ = 0;
        bytes_ = 0;
        spilled_.clear();
    }

private:
    std::array<std::string_view, 8> inline_{};
    std::size_t count_ = 0;
    std::size_t bytes_ = 0;
    std::vector<std::string_view> spilled_;
};

}  // namespace isapi::ecb::detail

// webpubsub/data.hpp: a message payload with its data type.
#pragma once

#include <webpubsub_client.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace webpubsub {

/// The type of a payload (`WPS_DATA_TYPE_*`).
enum class DataType : std::uint32_t {
    Text = WPS_DATA_TYPE_TEXT,
    Json = WPS_DATA_TYPE_JSON,
    Binary = WPS_DATA_TYPE_BINARY,
    Protobuf = WPS_DATA_TYPE_PROTOBUF,
};

/// A payload to send or one received: bytes plus their DataType. Text and JSON are UTF-8;
/// JSON is kept as its text, so no JSON library is needed. The library validates text and
/// JSON when they are sent (an invalid one fails with ErrorCode::InvalidArgument or
/// InvalidUtf8 and nothing is sent).
class Data {
public:
    /// An empty text payload.
    Data() = default;
    Data(DataType type, std::vector<std::uint8_t> bytes) : type_(type), bytes_(std::move(bytes)) {}

    static Data text(std::string_view text) { return Data(DataType::Text, from_chars(text)); }
    /// One JSON value given as its text, e.g. `Data::json(R"({"n":1})")`.
    static Data json(std::string_view json_text) { return Data(DataType::Json, from_chars(json_text)); }
    static Data binary(std::vector<std::uint8_t> bytes) { return Data(DataType::Binary, std::move(bytes)); }
    static Data binary(const void* data, std::size_t size) {
        const auto* p = static_cast<const std::uint8_t*>(data);
        return Data(DataType::Binary, std::vector<std::uint8_t>(p, p + size));
    }
    /// A serialized `google.protobuf.Any`.
    static Data protobuf(std::vector<std::uint8_t> bytes) { return Data(DataType::Protobuf, std::move(bytes)); }

    DataType type() const noexcept { return type_; }
    const std::vector<std::uint8_t>& bytes() const noexcept { return bytes_; }
    std::size_t size() const noexcept { return bytes_.size(); }
    /// The bytes viewed as characters: the text of Text and Json payloads.
    std::string_view text() const noexcept {
        return std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
    }

    friend bool operator==(const Data& a, const Data& b) { return a.type_ == b.type_ && a.bytes_ == b.bytes_; }
    friend bool operator!=(const Data& a, const Data& b) { return !(a == b); }

private:
    static std::vector<std::uint8_t> from_chars(std::string_view s) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
        return std::vector<std::uint8_t>(p, p + s.size());
    }

    DataType type_ = DataType::Text;
    std::vector<std::uint8_t> bytes_;
};

}  // namespace webpubsub

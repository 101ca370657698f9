#include "support/emulator.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace support {
namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    if (!value || !*value) {
        throw std::runtime_error(std::string(name) + " is not set: run the tests through scripts/test/44-cpp.sh");
    }
    return value;
}

/// The value of a string field in a flat JSON object, enough for the control surface's
/// answers (no escapes occur in the fields read here).
std::string json_string_field(const std::string& json, const std::string& field) {
    const std::string key = "\"" + field + "\":\"";
    const auto start = json.find(key);
    if (start == std::string::npos) throw std::runtime_error("no field " + field + " in " + json);
    const auto begin = start + key.size();
    return json.substr(begin, json.find('"', begin) - begin);
}

const char* content_type(webpubsub::DataType type) {
    switch (type) {
        case webpubsub::DataType::Text: return "text/plain";
        case webpubsub::DataType::Json: return "application/json";
        default: return "application/octet-stream";
    }
}

}  // namespace

const std::vector<std::string>& all_group_roles() {
    static const std::vector<std::string> roles{"webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"};
    return roles;
}

Emulator::Emulator(std::string endpoint, std::string printed_url)
    : endpoint_(std::move(endpoint)), printed_url_(std::move(printed_url)) {}

const Emulator& Emulator::get() {
    static const Emulator emulator(env("WPS_EMULATOR_ENDPOINT"), env("WPS_EMULATOR_CLIENT_URL"));
    return emulator;
}

HttpResponse Emulator::request(const std::string& method, const std::string& path, const std::string& body,
                               const std::string& content_type) const {
    return http_request(endpoint_, method, path, body, content_type);
}

void Emulator::post_ok(const std::string& path, const std::string& body, const std::string& content_type) const {
    const HttpResponse r = request("POST", path, body, content_type);
    if (r.status != 200) throw std::runtime_error("POST " + path + " -> " + std::to_string(r.status) + " " + r.body);
}

std::string Emulator::client_url(const std::string& hub, const std::string& user_id,
                                 const std::vector<std::string>& roles) const {
    // Hubs, user ids and role names in these tests are URL-safe, so no encoding is needed.
    std::string path = "/_emulator/client-access-url?hub=" + hub;
    if (!user_id.empty()) path += "&userId=" + user_id;
    for (const auto& role : roles) path += "&role=" + role;
    const HttpResponse r = request("GET", path);
    if (r.status != 200) throw std::runtime_error("GET " + path + " -> " + std::to_string(r.status) + " " + r.body);
    return json_string_field(r.body, "url");
}

void Emulator::drop(const std::string& connection_id) const {
    post_ok("/_emulator/connections/" + connection_id + "/drop");
}

void Emulator::close(const std::string& connection_id, int code) const {
    post_ok("/_emulator/connections/" + connection_id + "/close?code=" + std::to_string(code));
}

void Emulator::blackhole(const std::string& connection_id) const {
    post_ok("/_emulator/connections/" + connection_id + "/blackhole");
}

void Emulator::send_server_message(const std::string& hub, const std::string& connection_id,
                                   const webpubsub::Data& data) const {
    const std::string body(data.text());
    post_ok("/_emulator/hubs/" + hub + "/server-message?connectionId=" + connection_id, body,
            content_type(data.type()));
}

void Emulator::send_group_message(const std::string& hub, const std::string& group,
                                  const webpubsub::Data& data) const {
    post_ok("/_emulator/hubs/" + hub + "/groups/" + group + "/message", std::string(data.text()),
            content_type(data.type()));
}

std::string Emulator::connection_info(const std::string& connection_id) const {
    return request("GET", "/_emulator/connections/" + connection_id).body;
}

std::string Emulator::recorded_events(const std::string& hub) const {
    return request("GET", "/_emulator/events?hub=" + hub).body;
}

std::string unique_hub() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "hub";
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    // The pid keeps concurrent runs against one emulator apart.
    return name + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1));
}

}  // namespace support

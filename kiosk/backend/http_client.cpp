#include "kiosk/backend/http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace kiosk::backend {

namespace {

struct Transfer {
    HttpResponse response;
    size_t cap = 0;
    bool overflow = false;
    uint64_t announced = 0;  ///< the Content-Length that overflowed the cap (0: the body itself did)
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    if (transfer->response.body.size() + bytes > transfer->cap) {
        transfer->overflow = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    transfer->response.body.append(data, bytes);
    return bytes;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    std::string line(data, bytes);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        value.erase(value.find_last_not_of(" \t\r\n") + 1);
        transfer->response.headers[name] = value;
        if (name == "content-length") {
            // A body announced larger than the cap is refused before a byte of it is read.
            uint64_t announced = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), announced);
            if (ec == std::errc() && end == value.data() + value.size() && announced > transfer->cap) {
                transfer->overflow = true;
                transfer->announced = announced;
                return 0;  // aborts the transfer with CURLE_WRITE_ERROR
            }
        }
    } else if (line.rfind("HTTP/", 0) == 0) {
        transfer->response.headers.clear();  // a new response (e.g. after 100 Continue)
    }
    return bytes;
}

/// A CURLU handle that frees itself.
struct UrlHandle {
    CURLU* url = curl_url();
    UrlHandle() = default;
    UrlHandle(const UrlHandle&) = delete;
    UrlHandle& operator=(const UrlHandle&) = delete;
    ~UrlHandle() { curl_url_cleanup(url); }

    std::string get(CURLUPart part, unsigned flags = 0) const {
        char* text = nullptr;
        if (curl_url_get(url, part, &text, flags) != CURLUE_OK || text == nullptr) return {};
        std::string out(text);
        curl_free(text);
        return out;
    }
};

std::string lowerAscii(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

Result<void> requireHttp(const UrlHandle& handle, const std::string& text) {
    const std::string scheme = lowerAscii(handle.get(CURLUPART_SCHEME));
    if (scheme != "http" && scheme != "https") return fail(Errc::invalid_answer, "not an http(s) URL: " + text.substr(0, 200), "backend.invalid_answer");
    if (handle.get(CURLUPART_HOST).empty()) return fail(Errc::invalid_answer, "URL without a host: " + text.substr(0, 200), "backend.invalid_answer");
    return {};
}

}  // namespace

std::string UrlOrigin::text() const { return fmt::format("{}://{}:{}", scheme, host, port); }

Result<UrlOrigin> urlOrigin(const std::string& absoluteUrl) {
    UrlHandle handle;
    if (!handle.url) return fail(Errc::internal, "curl_url failed");
    // No CURLU_GUESS_SCHEME: "example.org/fhir" is not an absolute URL.
    if (const CURLUcode code = curl_url_set(handle.url, CURLUPART_URL, absoluteUrl.c_str(), 0); code != CURLUE_OK) {
        return fail(Errc::invalid_answer, fmt::format("not a URL ({}): {}", curl_url_strerror(code), absoluteUrl.substr(0, 200)),
                    "backend.invalid_answer");
    }
    if (auto http = requireHttp(handle, absoluteUrl); !http) return std::unexpected(http.error());
    UrlOrigin origin;
    origin.scheme = lowerAscii(handle.get(CURLUPART_SCHEME));
    origin.host = lowerAscii(handle.get(CURLUPART_HOST));
    // CURLU_DEFAULT_PORT: the scheme's default when the URL names no port.
    origin.port = std::strtol(handle.get(CURLUPART_PORT, CURLU_DEFAULT_PORT).c_str(), nullptr, 10);
    return origin;
}

Result<std::string> resolveUrl(const std::string& baseUrl, const std::string& reference) {
    UrlHandle handle;
    if (!handle.url) return fail(Errc::internal, "curl_url failed");
    // The base as a "directory" so that a relative path lands under it, not beside it.
    std::string base = baseUrl;
    while (!base.empty() && base.back() == '/') base.pop_back();
    base += '/';
    if (const CURLUcode code = curl_url_set(handle.url, CURLUPART_URL, base.c_str(), 0); code != CURLUE_OK) {
        return fail(Errc::invalid_config, fmt::format("base URL '{}' does not parse: {}", baseUrl, curl_url_strerror(code)));
    }
    // A second URL set on a handle that holds one is resolved against it (RFC 3986 §5.2).
    if (const CURLUcode code = curl_url_set(handle.url, CURLUPART_URL, reference.c_str(), 0); code != CURLUE_OK) {
        return fail(Errc::invalid_answer, fmt::format("URL '{}' does not parse: {}", reference.substr(0, 200), curl_url_strerror(code)),
                    "backend.invalid_answer");
    }
    if (auto http = requireHttp(handle, reference); !http) return std::unexpected(http.error());
    std::string resolved = handle.get(CURLUPART_URL, CURLU_NO_DEFAULT_PORT);
    if (resolved.empty()) return fail(Errc::invalid_answer, "URL '" + reference.substr(0, 200) + "' cannot be resolved", "backend.invalid_answer");
    return resolved;
}

HttpClient::HttpClient(HttpSettings settings) : settings_(std::move(settings)) {
    while (!settings_.baseUrl.empty() && settings_.baseUrl.back() == '/') settings_.baseUrl.pop_back();
    if (!settings_.recorder) settings_.recorder = std::make_shared<CallRecorder>();
}

HttpClient::~HttpClient() {
    for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

std::string HttpClient::urlOf(const std::string& target) const {
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) return target;
    return settings_.baseUrl + "/" + target;
}

void* HttpClient::acquireHandle() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            void* handle = idle_.back();
            idle_.pop_back();
            return handle;
        }
    }
    return curl_easy_init();
}

void HttpClient::releaseHandle(void* handle) {
    std::lock_guard lock(mutex_);
    idle_.push_back(handle);
}

std::expected<HttpResponse, HttpFailure> HttpClient::perform(const HttpRequest& request) {
    CURL* curl = static_cast<CURL*>(acquireHandle());
    if (!curl) return std::unexpected(HttpFailure{Errc::internal, false, "curl_easy_init failed"});
    curl_easy_reset(curl);  // keeps the connection cache, clears the previous call's options
    Transfer transfer;
    transfer.cap = request.maxBodyBytes > 0 ? request.maxBodyBytes : settings_.maxBodyBytes;
    const std::string url = urlOf(request.target);
    const auto timeout = request.timeout.count() > 0 ? request.timeout : settings_.callTimeout;

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connectTimeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &onBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &onHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "yizhan-kiosk/0.1");
    if (!settings_.caBundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.caBundle.c_str());
    if (!settings_.clientCert.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, settings_.clientCert.c_str());
    if (!settings_.clientKey.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, settings_.clientKey.c_str());
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);

    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, ("Accept: " + request.accept).c_str());
    headers = curl_slist_append(headers, ("X-Kiosk-Id: " + settings_.kioskId).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    if (!request.body.empty()) headers = curl_slist_append(headers, "Content-Type: application/fhir+json; charset=utf-8");
    for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (request.method == "GET") {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    }

    const auto started = std::chrono::steady_clock::now();
    const CURLcode code = curl_easy_perform(curl);
    const auto took = std::chrono::steady_clock::now() - started;
    curl_slist_free_all(headers);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    // A 5xx is the service failing, as the circuit breaker counts it; a 404 or 409 is it answering.
    settings_.recorder->record(took, code == CURLE_OK && status < 500);
    long requestBytes = 0;  // bytes of the request sent so far (0: it never left the kiosk)
    curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &requestBytes);
    releaseHandle(curl);

    if (code == CURLE_OK) {
        transfer.response.status = status;
        return transfer.response;
    }
    const std::string what = fmt::format("{} {}: {}", request.method, url, curl_easy_strerror(code));
    switch (code) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
            return std::unexpected(HttpFailure{Errc::backend_unavailable, false, what});
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CRL_BADFILE:
            // The handshake happens before the request is sent.
            return std::unexpected(HttpFailure{Errc::backend_unavailable, false, "TLS: " + what});
        case CURLE_OPERATION_TIMEDOUT:
            // A timeout before the request went out (connecting) means nothing was sent.
            return std::unexpected(HttpFailure{Errc::timeout, requestBytes > 0, what});
        case CURLE_WRITE_ERROR:
            if (transfer.overflow) {
                const std::string size = transfer.announced > 0 ? fmt::format("Content-Length {}", transfer.announced)
                                                                : fmt::format("more than {} bytes sent", transfer.cap);
                return std::unexpected(HttpFailure{Errc::invalid_answer, true,
                                                   fmt::format("{}: answer larger than the {} byte cap ({}), not read", url, transfer.cap, size),
                                                   true});
            }
            return std::unexpected(HttpFailure{Errc::invalid_answer, true, what});
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
            // The connection broke while the request or its answer was in flight: lost answer.
            return std::unexpected(HttpFailure{Errc::unknown_outcome, true, what});
        default:
            return std::unexpected(HttpFailure{Errc::backend_unavailable, true, what});
    }
}

}  // namespace kiosk::backend

#pragma once
// A small HTTP(S) client over libcurl for the backend adapters.
//  [X] connection reuse: a pool of easy handles, each keeping its connections alive
//  [X] per-call timeout (connect + total), no signals (thread-safe)
//  [X] HTTPS with a CA bundle, a client certificate and key per kiosk (mutual TLS)
//  [X] redirects are never followed (a 3xx is an error: the kiosk talks to one configured host)
//  [X] answer size cap (a huge body is cut off and reported, never buffered whole)
//  [X] kiosk identity header on every request
//  [X] every call timed (CallRecorder: the last 100 durations, the latency histogram)
//  [ ] HTTP/2, proxies (not needed on a hospital LAN; curl's environment proxy is disabled)
// The client does not retry: the caller knows which calls are safe to repeat.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kiosk/backend/call_recorder.hpp"
#include "kiosk/core/error.hpp"

namespace kiosk::backend {

struct HttpSettings {
    std::string baseUrl;                               ///< e.g. "http://127.0.0.1:18080/fhir"
    std::chrono::milliseconds connectTimeout{2000};
    std::chrono::milliseconds callTimeout{8000};       ///< whole call, default per call
    size_t maxBodyBytes = 16U * 1024U * 1024U;
    std::filesystem::path caBundle;                    ///< empty: the system's CA store
    std::filesystem::path clientCert;                  ///< PEM; empty: no client certificate
    std::filesystem::path clientKey;
    std::string kioskId;                               ///< sent as X-Kiosk-Id
    /// Times every call (the technician's p50 / p99, the latency histogram). Null: the client
    /// makes its own, so every client's calls are timed; copies of the settings share it.
    std::shared_ptr<CallRecorder> recorder;
};

struct HttpRequest {
    std::string method = "GET";
    std::string target;            ///< path relative to baseUrl ("Patient?…") or an absolute URL
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string accept = "application/fhir+json";
    std::chrono::milliseconds timeout{0};  ///< 0 = settings.callTimeout
    /// The largest answer body this call takes (0 = settings.maxBodyBytes): a larger
    /// Content-Length is refused before any of the body is read, a longer body where it passes it.
    size_t maxBodyBytes = 0;
};

struct HttpResponse {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  ///< lower-case names
    std::string header(const std::string& lowerName) const {
        const auto it = headers.find(lowerName);
        return it == headers.end() ? std::string() : it->second;
    }
};

/// A transport failure. `maybeDelivered` is false only when the request certainly never reached
/// the server (connection refused, DNS, TLS handshake): then even a write may be repeated.
struct HttpFailure {
    Errc code = Errc::backend_unavailable;  ///< backend_unavailable, timeout, invalid_answer
    bool maybeDelivered = true;
    std::string detail;
    bool tooLarge = false;  ///< the answer was over the call's body cap (refused, not read whole)
};

/// The origin of an absolute http(s) URL (RFC 6454 §4, the "same origin" of browsers): scheme and
/// host in lower case (RFC 3986 §3.1 and §3.2.2: both are case-insensitive) and the port always
/// explicit, the scheme's default (RFC 9110 §4.2: http 80, https 443) when the URL names none.
/// So "HTTP://Example.ORG:80/fhir" and "http://example.org/x" have the same origin.
struct UrlOrigin {
    std::string scheme;
    std::string host;
    long port = 0;
    bool operator==(const UrlOrigin&) const = default;
    std::string text() const;  ///< "http://example.org:80", for logs
};

/// Parses an absolute http(s) URL with libcurl's URL API (curl_url, CURLU) and gives its origin.
/// Errors: invalid_answer when the text is not an absolute http or https URL.
Result<UrlOrigin> urlOrigin(const std::string& absoluteUrl);

/// Resolves a URL a FHIR server sent (a paging link, a Location header) against the service base
/// `baseUrl` (RFC 3986 §5.2, with curl_url): an absolute URL stays as it is, a relative one is
/// relative to the service base, as FHIR R4 reads relative URLs (references.html: a relative
/// reference is relative to the service base URL), so "Organization?page=2" → "<base>/Organization?page=2", "/fhir?x=1"
/// → "<scheme>://<host>/fhir?x=1" and "?x=1" → "<base>/?x=1". The result is normalised by libcurl
/// (lower-case scheme, default port left out). Errors: invalid_answer when it does not parse or is
/// not http(s).
Result<std::string> resolveUrl(const std::string& baseUrl, const std::string& reference);

class HttpClient {
public:
    explicit HttpClient(HttpSettings settings);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    std::expected<HttpResponse, HttpFailure> perform(const HttpRequest& request);
    const HttpSettings& settings() const { return settings_; }
    /// How this client's calls went (never null).
    const std::shared_ptr<CallRecorder>& recorder() const { return settings_.recorder; }
    /// The absolute URL of a target (base + relative path).
    std::string urlOf(const std::string& target) const;

private:
    void* acquireHandle();
    void releaseHandle(void* handle);

    HttpSettings settings_;
    std::mutex mutex_;
    std::vector<void*> idle_;  // CURL* kept alive with their connection caches
};

}  // namespace kiosk::backend

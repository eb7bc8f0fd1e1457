#pragma once
// The kiosk's metrics for a hospital's existing Prometheus (issue 17): counters, gauges and
// histograms with labels, rendered in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Debian 12 has no C++ client
// library for Prometheus (prometheus-cpp is not packaged), and the format is a few lines of text.
//
// Names follow Prometheus conventions: a `yizhan_` prefix, base units in the name (`_seconds`),
// `_total` for counters. Every series carries the kiosk's constant labels from config (kiosk id,
// site, mode) so a fleet's series stay apart even behind one scrape job.
//
// Thread-safe: the UI thread, workers and the HTTP server thread use one registry.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::ops {

/// Label name → value. Names match [a-zA-Z_][a-zA-Z0-9_]*; values are any UTF-8 (escaped on output).
using MetricLabels = std::map<std::string, std::string>;

enum class MetricType { counter, gauge, histogram };

class MetricsRegistry {
public:
    /// `constantLabels` go on every series (kiosk_id, site, mode).
    explicit MetricsRegistry(MetricLabels constantLabels = {});

    /// Declares a family (its HELP line and TYPE). Using an undeclared name declares it untyped as
    /// a gauge with an empty help text; declaring twice keeps the first declaration.
    /// `bucketsSeconds` (histograms only): upper bounds, ascending; +Inf is added.
    void declare(std::string_view name, MetricType type, std::string_view help,
                 std::vector<double> buckets = {});

    /// counter += delta (delta ≥ 0; a negative delta is ignored: counters never go down).
    void add(std::string_view name, const MetricLabels& labels = {}, double delta = 1.0);
    /// gauge = value.
    void set(std::string_view name, const MetricLabels& labels, double value);
    /// Removes every series of a gauge family (before a collector sets the current ones, so a
    /// device that left the config leaves the output too).
    void clear(std::string_view name);
    /// One observation into a histogram (e.g. a backend call's duration in seconds).
    void observe(std::string_view name, const MetricLabels& labels, double value);

    /// Functions that set gauges from the current state; run at every render(), outside the
    /// registry's lock (they call set()/clear()).
    void addCollector(std::function<void(MetricsRegistry&)> collector);

    /// The text exposition of every family, sorted by name (stable output for tests and diffs).
    std::string render();

    /// The current value of one counter or gauge series (0 when absent): for tests and the
    /// diagnostics screen.
    double value(std::string_view name, const MetricLabels& labels = {}) const;

    /// `\`, `"` and newline escaped as the exposition format requires for label values.
    static std::string escapeLabelValue(std::string_view value);

private:
    struct Histogram {
        std::vector<uint64_t> bucketCounts;  // per bound, not cumulative; last = +Inf
        double sum = 0;
        uint64_t count = 0;
    };
    struct Family {
        MetricType type = MetricType::gauge;
        std::string help;
        std::vector<double> buckets;
        std::map<MetricLabels, double> values;
        std::map<MetricLabels, Histogram> histograms;
    };
    Family& family(std::string_view name, MetricType typeIfNew);
    std::string labelText(const MetricLabels& labels, const std::pair<std::string, std::string>* extra = nullptr) const;

    MetricLabels constantLabels_;
    mutable std::mutex mutex_;
    std::map<std::string, Family, std::less<>> families_;
    std::vector<std::function<void(MetricsRegistry&)>> collectors_;
    std::mutex collectorsMutex_;
};

/// Histogram buckets for calls to the hospital: 5 ms … 30 s.
std::vector<double> backendLatencyBuckets();

}  // namespace kiosk::ops

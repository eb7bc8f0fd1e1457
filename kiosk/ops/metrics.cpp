#include "kiosk/ops/metrics.hpp"

#include <fmt/format.h>

#include <cmath>

namespace kiosk::ops {

MetricsRegistry::MetricsRegistry(MetricLabels constantLabels) : constantLabels_(std::move(constantLabels)) {}

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, MetricType typeIfNew) {
    auto found = families_.find(name);
    if (found != families_.end()) return found->second;
    Family created;
    created.type = typeIfNew;
    if (typeIfNew == MetricType::histogram) created.buckets = backendLatencyBuckets();
    return families_.emplace(std::string(name), std::move(created)).first->second;
}

void MetricsRegistry::declare(std::string_view name, MetricType type, std::string_view help, std::vector<double> buckets) {
    std::lock_guard lock(mutex_);
    if (families_.contains(name)) return;
    Family& created = family(name, type);
    created.help = std::string(help);
    if (type == MetricType::histogram && !buckets.empty()) created.buckets = std::move(buckets);
}

void MetricsRegistry::add(std::string_view name, const MetricLabels& labels, double delta) {
    if (!(delta >= 0)) return;  // also rejects NaN
    std::lock_guard lock(mutex_);
    family(name, MetricType::counter).values[labels] += delta;
}

void MetricsRegistry::set(std::string_view name, const MetricLabels& labels, double value) {
    std::lock_guard lock(mutex_);
    family(name, MetricType::gauge).values[labels] = value;
}

void MetricsRegistry::clear(std::string_view name) {
    std::lock_guard lock(mutex_);
    auto found = families_.find(name);
    if (found != families_.end()) found->second.values.clear();
}

void MetricsRegistry::observe(std::string_view name, const MetricLabels& labels, double value) {
    if (std::isnan(value)) return;
    std::lock_guard lock(mutex_);
    Family& target = family(name, MetricType::histogram);
    Histogram& histogram = target.histograms[labels];
    if (histogram.bucketCounts.empty()) histogram.bucketCounts.assign(target.buckets.size() + 1, 0);
    size_t bucket = 0;
    while (bucket < target.buckets.size() && value > target.buckets[bucket]) ++bucket;
    ++histogram.bucketCounts[bucket];
    histogram.sum += value;
    ++histogram.count;
}

void MetricsRegistry::addCollector(std::function<void(MetricsRegistry&)> collector) {
    std::lock_guard lock(collectorsMutex_);
    collectors_.push_back(std::move(collector));
}

double MetricsRegistry::value(std::string_view name, const MetricLabels& labels) const {
    std::lock_guard lock(mutex_);
    auto found = families_.find(name);
    if (found == families_.end()) return 0;
    auto series = found->second.values.find(labels);
    return series == found->second.values.end() ? 0 : series->second;
}

std::string MetricsRegistry::escapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

namespace {
std::string number(double value) {
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (std::isnan(value)) return "NaN";
    return fmt::format("{}", value);
}
std::string escapeHelp(std::string_view help) {
    std::string out;
    for (const char c : help) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}
std::string_view typeName(MetricType type) {
    switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
    }
    return "untyped";
}
}  // namespace

std::string MetricsRegistry::labelText(const MetricLabels& labels, const std::pair<std::string, std::string>* extra) const {
    MetricLabels all = constantLabels_;
    for (const auto& [name, labelValue] : labels) all[name] = labelValue;
    if (extra) all[extra->first] = extra->second;
    if (all.empty()) return {};
    std::string out = "{";
    bool first = true;
    for (const auto& [name, labelValue] : all) {
        if (!first) out += ',';
        first = false;
        out += name;
        out += "=\"";
        out += escapeLabelValue(labelValue);
        out += '"';
    }
    out += '}';
    return out;
}

std::string MetricsRegistry::render() {
    std::vector<std::function<void(MetricsRegistry&)>> collectors;
    {
        std::lock_guard lock(collectorsMutex_);
        collectors = collectors_;
    }
    for (const auto& collect : collectors) collect(*this);

    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, metric] : families_) {
        if (metric.values.empty() && metric.histograms.empty()) continue;
        if (!metric.help.empty()) out += fmt::format("# HELP {} {}\n", name, escapeHelp(metric.help));
        out += fmt::format("# TYPE {} {}\n", name, typeName(metric.type));
        if (metric.type != MetricType::histogram) {
            for (const auto& [labels, seriesValue] : metric.values) {
                out += fmt::format("{}{} {}\n", name, labelText(labels), number(seriesValue));
            }
            continue;
        }
        for (const auto& [labels, histogram] : metric.histograms) {
            uint64_t cumulative = 0;
            for (size_t i = 0; i <= metric.buckets.size(); ++i) {
                cumulative += histogram.bucketCounts[i];
                const std::pair<std::string, std::string> bound{
                    "le", i < metric.buckets.size() ? number(metric.buckets[i]) : "+Inf"};
                out += fmt::format("{}_bucket{} {}\n", name, labelText(labels, &bound), cumulative);
            }
            out += fmt::format("{}_sum{} {}\n", name, labelText(labels), number(histogram.sum));
            out += fmt::format("{}_count{} {}\n", name, labelText(labels), histogram.count);
        }
    }
    return out;
}

std::vector<double> backendLatencyBuckets() { return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}; }

}  // namespace kiosk::ops

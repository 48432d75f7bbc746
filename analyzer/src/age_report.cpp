#include "leakscope/analyzer/age_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "leakscope/analyzer/age_epoch.h"
#include "leakscope/analyzer/units.h"

namespace leakscope::analyzer {
namespace {

constexpr double kDominantShare = 0.9;
constexpr size_t kMinSpreadEpochs = 3;

std::string format_ms(int64_t ms) {
  char buf[32];
  if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof buf, "%.3gs", static_cast<double>(ms) / 1e3);
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof buf, "%.3gm", static_cast<double>(ms) / 6e4);
  else
    std::snprintf(buf, sizeof buf, "%.3gh", static_cast<double>(ms) / 3.6e6);
  return buf;
}

std::string share_text(double share) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100);
  return buf;
}

}  // namespace

const char* age_shape_name(AgeShape s) {
  switch (s) {
    case AgeShape::kEveryAge:
      return "every-age";
    case AgeShape::kOneAge:
      return "one-age";
    case AgeShape::kYoung:
      return "young";
    case AgeShape::kMixed:
      return "mixed";
    default:
      return "unknown";
  }
}

const char* age_shape_reading(AgeShape s) {
  switch (s) {
    case AgeShape::kEveryAge:
      return "leak-like";
    case AgeShape::kOneAge:
      return "cache-like";
    case AgeShape::kYoung:
      return "churn-like";
    case AgeShape::kMixed:
      return "mixed ages";
    default:
      return "too young to tell";
  }
}

AgeShape classify_age(const std::vector<int64_t>& by_epoch, std::string* why) {
  int64_t total = 0;
  size_t present = 0, largest = 0;
  for (size_t k = 0; k < by_epoch.size(); ++k) {
    if (by_epoch[k] <= 0) continue;
    total += by_epoch[k];
    ++present;
    if (by_epoch[k] > by_epoch[largest]) largest = k;
  }
  auto say = [&](AgeShape s, std::string text) {
    if (why) *why = std::move(text);
    return s;
  };
  if (by_epoch.size() < 2 || total <= 0) return say(AgeShape::kUnknown, "fewer than two epochs so far");
  size_t newest = by_epoch.size() - 1;
  double newest_share = static_cast<double>(std::max<int64_t>(by_epoch[newest], 0)) / static_cast<double>(total);
  double largest_share = static_cast<double>(by_epoch[largest]) / static_cast<double>(total);
  std::string counts = "live in " + std::to_string(present) + " of " + std::to_string(by_epoch.size()) +
                       " epochs, newest " + share_text(newest_share) + ", largest e" + std::to_string(largest) + " " +
                       share_text(largest_share);
  if (newest_share >= kDominantShare) return say(AgeShape::kYoung, counts);
  if (largest_share >= kDominantShare) return say(AgeShape::kOneAge, counts);
  if (present >= kMinSpreadEpochs && by_epoch[newest] > 0) return say(AgeShape::kEveryAge, counts);
  return say(AgeShape::kMixed, counts);
}

AgeReport make_age_report(const Profile& p, const StackTable& stacks, int index, double nodefraction,
                          size_t nodecount) {
  AgeReport r;
  r.sample_type = p.sample_types[index];
  std::vector<AgeEpoch> ages(p.samples.size());
  std::vector<bool> aged(p.samples.size());
  unsigned newest = 0;
  for (size_t i = 0; i < p.samples.size(); ++i) {
    auto a = age_of(p.samples[i]);
    if (!a) continue;
    if (r.epoch_ms == 0) r.epoch_ms = a->length_ms;
    if (a->length_ms != r.epoch_ms) continue;  // a merge of runs with other epochs: counted as without age
    ages[i] = *a;
    aged[i] = true;
    newest = std::max(newest, a->index);
  }
  if (!r.has_ages()) return r;
  if (auto clock = age_clock_of(p)) {
    r.clock_ms = *clock;
    newest = std::max(newest, age_epoch_index(static_cast<uint64_t>(*clock), r.epoch_ms));
  }
  for (unsigned k = 0; k <= newest; ++k) {
    AgeEpoch e{r.epoch_ms, k};
    AgeColumn c{k, e.start_ms(), e.end_ms()};
    if (r.clock_ms >= 0) {
      c.age_min_ms = std::max<int64_t>(0, r.clock_ms - std::min(c.allocated_to_ms, r.clock_ms));
      c.age_max_ms = std::max<int64_t>(0, r.clock_ms - c.allocated_from_ms);
    }
    r.epochs.push_back(c);
  }
  std::unordered_map<uint32_t, size_t> row_of_node;
  for (size_t i = 0; i < stacks.sample_count(); ++i) {
    const auto& stack = stacks.stack(i);
    if (stack.empty() && !stacks.kept(i)) continue;
    int64_t v = p.samples[i].values[index];
    if (v == 0) continue;
    r.total += v;
    if (!aged[i]) {
      r.without_age += v;
      continue;
    }
    if (stack.empty()) continue;
    auto [it, inserted] = row_of_node.try_emplace(stack[0], r.rows.size());
    if (inserted) {
      AgeRow row;
      row.name = stacks.name(stack[0]);
      row.by_epoch.resize(r.epochs.size());
      r.rows.push_back(std::move(row));
    }
    r.rows[it->second].total += v;
    r.rows[it->second].by_epoch[ages[i].index] += v;
  }
  // The same name can come from several nodes (a node per function and mapping): merge by name.
  std::unordered_map<std::string, size_t> row_of_name;
  std::vector<AgeRow> merged;
  for (auto& row : r.rows) {
    auto [it, inserted] = row_of_name.try_emplace(row.name, merged.size());
    if (inserted) {
      merged.push_back(std::move(row));
      continue;
    }
    AgeRow& into = merged[it->second];
    into.total += row.total;
    for (size_t k = 0; k < row.by_epoch.size(); ++k) into.by_epoch[k] += row.by_epoch[k];
  }
  int64_t cutoff = std::llabs(std::llround(static_cast<double>(r.total) * nodefraction));
  std::erase_if(merged, [&](const AgeRow& row) { return std::llabs(row.total) < cutoff || row.total == 0; });
  for (auto& row : merged) row.shape = classify_age(row.by_epoch, &row.why);
  std::sort(merged.begin(), merged.end(),
            [](const AgeRow& a, const AgeRow& b) { return a.total != b.total ? a.total > b.total : a.name < b.name; });
  if (nodecount > 0 && merged.size() > nodecount) merged.resize(nodecount);
  r.rows = std::move(merged);
  return r;
}

const AgeRow* find_age_row(const AgeReport& r, const std::string& name) {
  for (const auto& row : r.rows)
    if (row.name == name) return &row;
  return nullptr;
}

std::string render_age_text(const AgeReport& r, const std::vector<std::string>& header_lines) {
  const std::string& unit = r.sample_type.unit;
  std::string out;
  for (const auto& h : header_lines) out += h + "\n";
  out += "Type: " + r.sample_type.type + ", by allocation age (epochs of " +
         format_ms(static_cast<int64_t>(r.epoch_ms)) + ", each twice the one before)\n";
  for (const auto& c : r.epochs) {
    out += "  e" + std::to_string(c.index) + ": allocated " + format_ms(c.allocated_from_ms) + "-" +
           format_ms(c.allocated_to_ms) + " after start";
    if (c.age_max_ms >= 0) out += ", now " + format_ms(c.age_min_ms) + "-" + format_ms(c.age_max_ms) + " old";
    out += "\n";
  }
  if (r.without_age)
    out += "Without an age (allocated before ages were on): " + format_value(r.without_age, unit) + "\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%10s", "total");
  out += buf;
  for (const auto& c : r.epochs) {
    std::snprintf(buf, sizeof buf, " %9s", ("e" + std::to_string(c.index)).c_str());
    out += buf;
  }
  out += "  shape                   name\n";
  for (const auto& row : r.rows) {
    std::snprintf(buf, sizeof buf, "%10s", format_value(row.total, unit).c_str());
    out += buf;
    for (int64_t v : row.by_epoch) {
      std::snprintf(buf, sizeof buf, " %9s", v ? format_value(v, unit).c_str() : ".");
      out += buf;
    }
    std::snprintf(buf, sizeof buf, "  %-23s ",
                  (std::string(age_shape_name(row.shape)) + " (" + age_shape_reading(row.shape) + ")").c_str());
    out += buf + row.name + "\n";
  }
  return out;
}

std::string render_age_json(const AgeReport& r) {
  nlohmann::ordered_json j;
  j["sample_type"] = r.sample_type.type;
  j["unit"] = r.sample_type.unit;
  j["total"] = r.total;
  j["without_age"] = r.without_age;
  j["epoch_ms"] = r.epoch_ms;
  j["clock_ms"] = r.clock_ms >= 0 ? nlohmann::ordered_json(r.clock_ms) : nlohmann::ordered_json();
  auto epochs = nlohmann::ordered_json::array();
  for (const auto& c : r.epochs) {
    nlohmann::ordered_json e = {
        {"index", c.index}, {"allocated_from_ms", c.allocated_from_ms}, {"allocated_to_ms", c.allocated_to_ms}};
    if (c.age_max_ms >= 0) {
      e["age_min_ms"] = c.age_min_ms;
      e["age_max_ms"] = c.age_max_ms;
    }
    epochs.push_back(std::move(e));
  }
  j["epochs"] = std::move(epochs);
  auto rows = nlohmann::ordered_json::array();
  for (const auto& row : r.rows)
    rows.push_back({{"name", row.name},
                    {"total", row.total},
                    {"by_epoch", row.by_epoch},
                    {"shape", age_shape_name(row.shape)},
                    {"reading", age_shape_reading(row.shape)},
                    {"why", row.why}});
  j["rows"] = std::move(rows);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace leakscope::analyzer

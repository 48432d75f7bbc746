#include "leakscope/viz/palette.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace leakscope::viz {

namespace {

// FNV-1a: stable across runs and platforms (std::hash is neither promised).
uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Three independent fractions in [0, 1) from one name.
struct Shades {
  double v1, v2, v3;
};
Shades shades(std::string_view name) {
  uint64_t h = fnv1a(name);
  return {static_cast<double>(h & 0xffff) / 65536.0, static_cast<double>((h >> 16) & 0xffff) / 65536.0,
          static_cast<double>((h >> 32) & 0xffff) / 65536.0};
}

int channel(double v) { return std::clamp(static_cast<int>(std::lround(v)), 0, 255); }

Rgb hsl(double hue, double sat, double light) {
  double c = (1 - std::fabs(2 * light - 1)) * sat, hp = hue / 60.0, x = c * (1 - std::fabs(std::fmod(hp, 2.0) - 1));
  double r = 0, g = 0, b = 0;
  if (hp < 1)
    r = c, g = x;
  else if (hp < 2)
    r = x, g = c;
  else if (hp < 3)
    g = c, b = x;
  else if (hp < 4)
    g = x, b = c;
  else if (hp < 5)
    r = x, b = c;
  else
    r = c, b = x;
  double m = light - c / 2;
  return {channel((r + m) * 255), channel((g + m) * 255), channel((b + m) * 255)};
}

}  // namespace

std::string Rgb::css() const {
  return "rgb(" + std::to_string(r) + "," + std::to_string(g) + "," + std::to_string(b) + ")";
}

const std::vector<std::string>& palette_names() {
  static const std::vector<std::string> names = {"hot",  "mem",  "io",     "red",   "green",
                                                 "blue", "aqua", "yellow", "module"};
  return names;
}

void check_palette(const std::string& palette) {
  const auto& names = palette_names();
  if (std::find(names.begin(), names.end(), palette) != names.end()) return;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw std::invalid_argument("--colors: unknown palette '" + palette + "' (one of " + list + ")");
}

Rgb frame_colour(const std::string& palette, std::string_view name, std::string_view module) {
  auto [v1, v2, v3] = shades(name);
  // The formulas are flamegraph.pl's, so graphs look familiar to its users.
  if (palette == "hot") return {channel(205 + 50 * v3), channel(230 * v1), channel(55 * v2)};
  if (palette == "mem") return {0, channel(190 + 50 * v2), channel(210 * v1)};
  if (palette == "io") return {channel(80 + 60 * v1), channel(80 + 60 * v1), channel(190 + 55 * v2)};
  if (palette == "red") return {channel(200 + 55 * v1), channel(80 + 80 * v1), channel(80 + 80 * v1)};
  if (palette == "green") return {channel(50 + 60 * v1), channel(200 + 55 * v1), channel(50 + 60 * v1)};
  if (palette == "blue") return {channel(80 + 60 * v1), channel(80 + 60 * v1), channel(205 + 50 * v1)};
  if (palette == "aqua") return {channel(50 + 60 * v1), channel(165 + 55 * v1), channel(165 + 55 * v1)};
  if (palette == "yellow") return {channel(175 + 55 * v1), channel(175 + 55 * v1), channel(50 + 20 * v1)};
  if (palette == "module") {
    // One hue per library, so "everything from librabbitmq" reads as one colour; shade by function.
    double hue = static_cast<double>(fnv1a(module.empty() ? "?" : module) % 360);
    return hsl(hue, 0.55, 0.62 + 0.16 * v1);
  }
  throw std::invalid_argument("unknown palette '" + palette + "'");
}

Rgb delta_colour(int64_t delta, double intensity) {
  int fade = channel(210 * (1 - std::clamp(intensity, 0.0, 1.0)));
  if (delta > 0) return {255, fade, fade};
  if (delta < 0) return {fade, fade, 255};
  return {250, 250, 250};
}

}  // namespace leakscope::viz

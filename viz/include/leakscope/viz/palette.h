// Frame colours: stable per function name (the same function has the same colour in every graph),
// in flamegraph.pl's palettes, by module, or by growth for differential graphs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leakscope::viz {

struct Rgb {
  int r = 0, g = 0, b = 0;
  std::string css() const;  // "rgb(r,g,b)"
};

// Names accepted by --colors.
const std::vector<std::string>& palette_names();
// Throws std::invalid_argument for an unknown palette.
void check_palette(const std::string& palette);

// A colour for `name` in `palette`; "module" hues by `module` and shades by name.
Rgb frame_colour(const std::string& palette, std::string_view name, std::string_view module);

// Differential: red for growth, blue for shrinkage, white for none; `intensity` in [0, 1].
Rgb delta_colour(int64_t delta, double intensity);

}  // namespace leakscope::viz

// Reads back what `leakscope trend --json` printed (render_trend_json), so a report can show a verdict
// computed earlier or elsewhere: the counts, the sample type and the suspects' figures. Rows of the
// other tables and the thresholds are not read back.
#pragma once

#include <string>

#include "leakscope/analyzer/trend_report.h"

namespace leakscope::analyzer {

// Throws InputError (naming `source`) when `text` is not JSON or has no "suspects" array, or a field
// has the wrong type.
TrendReport read_trend_json(const std::string& text, const std::string& source);

}  // namespace leakscope::analyzer

#include "leakscope/viz/graphviz_render.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace leakscope::viz {

namespace {
// Graphviz reports errors through a global callback; collect them for the exception.
std::string* g_errors = nullptr;
int collect_error(char* message) {
  if (g_errors) *g_errors += message;
  return 0;
}
std::mutex g_graphviz_mutex;  // libcgraph keeps global state (error handler, string pools)

// One context for the process, never freed: Graphviz 2.42's pango plugin remembers the last font
// name it laid out by pointer (a static in gvtextlayout_pango.c), and that string belongs to the
// context's font dictionary. Freeing the context after each render left the plugin comparing
// against freed memory on the next one (AddressSanitizer: heap-use-after-free in textspan_size,
// seen as soon as one process drew two graphs: the report page tests, `leakscope serve`).
GVC_t* process_context() {
  static GVC_t* gvc = gvContext();
  return gvc;
}
}  // namespace

std::string render_graphviz(const std::string& dot, const std::string& format) {
  if (format != "svg" && format != "png")
    throw std::invalid_argument("Graphviz output must be svg or png, not " + format);
  std::lock_guard lock(g_graphviz_mutex);
  std::string errors;
  g_errors = &errors;
  agseterr(AGERR);
  agseterrf(collect_error);
  GVC_t* gvc = process_context();
  std::unique_ptr<Agraph_t, decltype(&agclose)> graph(agmemread(dot.c_str()), &agclose);
  auto fail = [&](const char* what) {
    g_errors = nullptr;
    throw std::runtime_error(std::string("Graphviz: ") + what + (errors.empty() ? "" : ": " + errors));
  };
  if (!graph) fail("cannot parse the dot text");
  if (gvLayout(gvc, graph.get(), "dot") != 0) fail("layout failed");
  char* data = nullptr;
  unsigned int length = 0;
  int rc = gvRenderData(gvc, graph.get(), format.c_str(), &data, &length);
  std::string out;
  if (rc == 0 && data) out.assign(data, length);
  if (data) gvFreeRenderData(data);
  gvFreeLayout(gvc, graph.get());
  if (rc != 0) fail(("no renderer for " + format + " (is the Graphviz plugin installed?)").c_str());
  g_errors = nullptr;
  return out;
}

}  // namespace leakscope::viz

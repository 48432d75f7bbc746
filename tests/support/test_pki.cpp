#include "test_pki.h"

#include <fstream>
#include <stdexcept>

#include "run_command.h"

namespace leakscope::test {
namespace {

void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  auto r = run_program(args);
  if (r.exit_code != 0) throw std::runtime_error("openssl " + args[1] + " failed: " + r.err);
}

// A leaf certificate with subject CN `cn` and the one subjectAltName `san` ("DNS:host", "IP:addr").
PemPair make_leaf(const PemPair& ca, const std::string& dir, const std::string& name, const std::string& cn,
                  const std::string& san) {
  PemPair leaf{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  std::string csr = dir + "/" + name + ".csr", ext = dir + "/" + name + ".ext";
  std::ofstream(ext) << "subjectAltName = " << san << "\n";
  openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn, "-keyout", leaf.key, "-out", csr});
  openssl({"x509", "-req", "-days", "2", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-extfile",
           ext, "-out", leaf.cert});
  return leaf;
}

}  // namespace

PemPair make_test_ca(const std::string& dir, const std::string& name) {
  PemPair ca{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name, "-keyout", ca.key,
           "-out", ca.cert});
  return ca;
}

PemPair make_signed_cert(const PemPair& ca, const std::string& dir, const std::string& name,
                         const std::string& dns_name) {
  return make_leaf(ca, dir, name, dns_name, "DNS:" + dns_name);
}

PemPair make_signed_cert_for_ip(const PemPair& ca, const std::string& dir, const std::string& name,
                                const std::string& ip) {
  return make_leaf(ca, dir, name, name, "IP:" + ip);
}

}  // namespace leakscope::test

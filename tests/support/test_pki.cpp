#include "test_pki.h"

#include <fstream>
#include <stdexcept>

#include "run_command.h"

namespace leakscope::test {
namespace {

void openssl(const std::string& args) {
  auto r = run_command("openssl " + args);
  if (r.exit_code != 0) throw std::runtime_error("openssl " + args + " failed: " + r.err);
}

// A leaf certificate with subject CN `cn` and the one subjectAltName `san` ("DNS:host", "IP:addr").
PemPair make_leaf(const PemPair& ca, const std::string& dir, const std::string& name, const std::string& cn,
                  const std::string& san) {
  PemPair leaf{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  std::string csr = dir + "/" + name + ".csr", ext = dir + "/" + name + ".ext";
  std::ofstream(ext) << "subjectAltName = " << san << "\n";
  openssl("req -newkey rsa:2048 -nodes -subj " + shell_quote("/CN=" + cn) + " -keyout " + shell_quote(leaf.key) +
          " -out " + shell_quote(csr));
  openssl("x509 -req -days 2 -in " + shell_quote(csr) + " -CA " + shell_quote(ca.cert) + " -CAkey " +
          shell_quote(ca.key) + " -CAcreateserial -extfile " + shell_quote(ext) + " -out " + shell_quote(leaf.cert));
  return leaf;
}

}  // namespace

PemPair make_test_ca(const std::string& dir, const std::string& name) {
  PemPair ca{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  openssl("req -x509 -newkey rsa:2048 -nodes -days 2 -subj " + shell_quote("/CN=" + name) + " -keyout " +
          shell_quote(ca.key) + " -out " + shell_quote(ca.cert));
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

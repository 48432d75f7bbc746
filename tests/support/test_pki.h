// Certificates for TLS tests, made with the openssl command line: a CA of the test's own and leaf
// certificates it signs (server or client), so each test decides exactly whom to trust.
#pragma once

#include <string>

namespace leakscope::test {

struct PemPair {
  std::string cert, key;  // file paths
};

// A self-signed CA certificate and key under `dir`, named `name`.crt / `name`.key.
PemPair make_test_ca(const std::string& dir, const std::string& name);
// A certificate for `dns_name` (subject CN and subjectAltName DNS) signed by `ca`, under `dir`.
PemPair make_signed_cert(const PemPair& ca, const std::string& dir, const std::string& name,
                         const std::string& dns_name);
// A certificate whose only subjectAltName is IP:`ip` (subject CN `name`, not an address), signed by `ca`.
PemPair make_signed_cert_for_ip(const PemPair& ca, const std::string& dir, const std::string& name,
                                const std::string& ip);

}  // namespace leakscope::test

#include "leakscope/relay/jwt.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>

namespace leakscope::relay {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

Key read_key(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!k) {
    BIO_reset(bio.get());
    k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  }
  return Key(k, EVP_PKEY_free);
}

}  // namespace

std::string base64url_encode(std::string_view in) {
  std::string out;
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = byte(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
    for (int s : {18, 12, 6}) out += kAlphabet[(v >> s) & 63];
  }
  return out;
}

std::string base64url_decode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const char* p = std::char_traits<char>::find(kAlphabet, 64, c);
    if (!p) throw std::invalid_argument("not base64url");
    acc = acc << 6 | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string sign_rs256_jwt(const nlohmann::json& claims, const std::string& private_key_pem,
                           const std::string& key_id) {
  Key key = read_key(private_key_pem);
  if (!key) throw std::runtime_error("cannot read the service account's private key (PEM)");
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key_id.empty()) header["kid"] = key_id;
  std::string signing_input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1)
    throw std::runtime_error("RS256 signing failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) != 1)
    throw std::runtime_error("RS256 signing failed");
  sig.resize(len);
  return signing_input + "." + base64url_encode(sig);
}

nlohmann::json verify_rs256_jwt(const std::string& jwt, const std::string& key_pem) {
  size_t a = jwt.find('.'), b = jwt.find('.', a == std::string::npos ? a : a + 1);
  if (a == std::string::npos || b == std::string::npos)
    throw std::runtime_error("not a JWT (expected header.claims.signature)");
  nlohmann::json header, claims;
  std::string sig;
  try {
    header = nlohmann::json::parse(base64url_decode(jwt.substr(0, a)));
    claims = nlohmann::json::parse(base64url_decode(jwt.substr(a + 1, b - a - 1)));
    sig = base64url_decode(jwt.substr(b + 1));
  } catch (const std::exception&) {
    throw std::runtime_error("JWT parts are not base64url JSON");
  }
  if (header.value("alg", "") != "RS256") throw std::runtime_error("JWT alg is not RS256");
  Key key = read_key(key_pem);
  if (!key) throw std::runtime_error("cannot read the verification key");
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string signing_input = jwt.substr(0, b);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) != 1)
    throw std::runtime_error("JWT signature does not verify");
  return claims;
}

std::string generate_rsa_private_key_pem() {
  Key key(EVP_RSA_gen(2048), EVP_PKEY_free);
  if (!key) throw std::runtime_error("RSA key generation failed");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace leakscope::relay

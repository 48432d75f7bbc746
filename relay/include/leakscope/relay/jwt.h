// RS256 JSON Web Tokens (OpenSSL): the relay signs the OAuth2 assertion with its service account's
// key; fake-fcm verifies it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace leakscope::relay {

std::string base64url_encode(std::string_view bytes);
// Throws std::invalid_argument on characters outside the base64url alphabet.
std::string base64url_decode(std::string_view text);

// header.claims.signature with {"alg":"RS256","typ":"JWT","kid":key_id}. Throws std::runtime_error
// when the PEM private key cannot be read.
std::string sign_rs256_jwt(const nlohmann::json& claims, const std::string& private_key_pem, const std::string& key_id);

// Verifies the signature with the public half of `key_pem` (a private or public key) and returns
// the claims. Throws std::runtime_error saying what is wrong.
nlohmann::json verify_rs256_jwt(const std::string& jwt, const std::string& key_pem);

// A new 2048-bit RSA private key, PEM (PKCS#8).
std::string generate_rsa_private_key_pem();

}  // namespace leakscope::relay

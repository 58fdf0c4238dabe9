#pragma once
// What the command line says about TLS on the client port. Plain data, in
// every build: a build without OpenSSL refuses these options at startup.
#include <filesystem>

namespace isapi::host {

// IIS's SSL setting "Client certificates": Ignore, Accept or Require.
enum class ClientCertMode { ignore, accept, require };

struct TlsOptions {
    std::filesystem::path cert;       // PEM: the server certificate, then its chain
    std::filesystem::path key;        // PEM: its private key
    ClientCertMode client_certs = ClientCertMode::ignore;
    std::filesystem::path client_ca;  // PEM: the CAs a client certificate must chain to
};

// Whether this build has TLS (OpenSSL was there at build time).
#if ISAPI_HOST_TLS
inline constexpr bool kTlsBuiltIn = true;
#else
inline constexpr bool kTlsBuiltIn = false;
#endif

}  // namespace isapi::host

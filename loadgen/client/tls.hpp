#pragma once
// TLS for https:// targets, as the rest of the program sees it: the options
// (--insecure, --ca), their checks, one client context per run, and what the
// handshakes of a run came to. No Asio or OpenSSL here: only
// client/connection.cpp and client/tls.cpp see them (tls_context.hpp).
//
// A build without OpenSSL (the mingw cross build) compiles all of this, and
// refuses an https:// target with "this build has no TLS support".
#include <cstdint>
#include <memory>
#include <string>

#include "url.hpp"

namespace isapi::loadgen {

struct TlsOptions {
    bool insecure = false;  // --insecure: no check of the server's certificate (curl -k)
    std::string ca_file;    // --ca FILE: PEM CA bundle to check it against; empty: the system's default paths
};

// False in a build without OpenSSL.
bool tls_available() noexcept;

// Checks the options against the target before anything starts. Throws
// std::invalid_argument for --insecure or --ca with an http:// target (the
// user meant to test TLS and would not be), or for both together;
// std::runtime_error for an https:// target in a build without TLS.
void check_tls_options(const Url& target, const TlsOptions& options);

// The client side of TLS for one run: protocol defaults, the trust store,
// the check of the certificate's name against `target.host` (a DNS name, or
// the IP address of a literal). Made once per run and shared, read-only,
// by every connection of every thread.
class TlsContext;

// Throws std::runtime_error for a --ca file that cannot be read or holds no
// certificate OpenSSL can use, naming the file; and as check_tls_options.
std::shared_ptr<TlsContext> make_tls_context(const Url& target, const TlsOptions& options);

// What the handshakes of a run (or of one of its threads) came to.
struct TlsTally {
    std::uint64_t handshakes = 0;  // completed
    std::uint64_t resumed = 0;     // of those, the ones that resumed an earlier session
    std::uint64_t failed = 0;      // requests booked in the class tls
    std::string protocol;          // of the first completed handshake: "TLSv1.3"
    std::string cipher;            // "TLS_AES_256_GCM_SHA384"
    std::string first_error;       // why the first failed handshake failed, one line

    void merge(const TlsTally& other);
};

}  // namespace isapi::loadgen

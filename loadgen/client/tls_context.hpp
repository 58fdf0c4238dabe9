#pragma once
// The TlsContext behind client/tls.hpp: Asio's ssl::context, configured once
// per run. Included by client/tls.cpp and client/connection.cpp only, and
// only in builds with OpenSSL (ISAPI_LOADGEN_TLS).
#ifdef ISAPI_LOADGEN_TLS
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "tls.hpp"

namespace isapi::loadgen {

class TlsContext {
public:
    explicit TlsContext(const Url& target) : ssl(boost::asio::ssl::context::tls_client), host(target.host),
        sni(!is_ip_literal(target.host)) {}

    boost::asio::ssl::context ssl;
    std::string host;      // what the certificate must name; also the SNI name
    bool sni = false;      // a name, not an address literal: sent as SNI (RFC 6066 forbids literals)
    bool verify = true;    // false with --insecure
    std::string ca_file;   // for the hint of a failed check
};

// Why a handshake failed, in one line: the certificate's problem and the
// option that deals with it, or OpenSSL's reason.
std::string describe_handshake_failure(const TlsContext& context, SSL* ssl, const boost::system::error_code& ec);

}  // namespace isapi::loadgen
#endif

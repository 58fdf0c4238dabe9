#pragma once
// The server side of TLS, set up once for the listener: the certificate and
// key, whether clients are asked for certificates (IIS's "Client
// certificates: Ignore / Accept / Require"), and what a finished handshake
// tells the extension through the HTTPS_* and CERT_* variables. HTTP.sys
// ends TLS before IIS sees a request, and so does the front end here: worker
// processes get the facts in the request, never the TLS state. Only built
// where OpenSSL is (ISAPI_HOST_TLS); docs/host.md, "TLS".
#include "tls_options.hpp"

#include <isapi/ecb/request.hpp>

#include <boost/asio/ssl/context.hpp>

#include <string_view>

namespace isapi::host {

class TlsContext {
public:
    // Throws std::runtime_error naming the file and OpenSSL's reason.
    explicit TlsContext(const TlsOptions& options);
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    boost::asio::ssl::context& context() { return context_; }
    ClientCertMode client_certs() const { return client_certs_; }

    // What the handshake on `ssl` settled, for the ECB's variables.
    ecb::TlsInfo describe(SSL* ssl) const;

    // Why a request on a connection described by `info` is refused (IIS's
    // 403.7 and 403.16), or "" when it may go on.
    std::string_view refusal(const ecb::TlsInfo& info) const;

private:
    boost::asio::ssl::context context_;
    ClientCertMode client_certs_;
    ecb::TlsInfo server_;  // the server's half: the same on every connection
};

}  // namespace isapi::host

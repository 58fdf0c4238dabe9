#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace isapi::host {

namespace ssl = boost::asio::ssl;

namespace {

[[noreturn]] void fail(const std::string& what, const boost::system::error_code& ec) {
    throw std::runtime_error(what + ": " + ec.message());
}

// A distinguished name as Windows writes one (CertNameToStr, X.500 form):
// "C=US, O=Contoso, CN=www.contoso.com", in the certificate's order, with
// Windows' short names where they differ from OpenSSL's (S for the state, E
// for the e-mail address), and a value holding a separator in quotes.
std::string windows_name(const X509_NAME* name) {
    std::string out;
    if (!name) return out;
    for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
        const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
        const char* key = nid == NID_stateOrProvinceName ? "S"
                          : nid == NID_pkcs9_emailAddress ? "E"
                          : nid == NID_givenName          ? "G"
                                                          : OBJ_nid2sn(nid);
        unsigned char* utf8 = nullptr;
        const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
        std::string value = length > 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length)) : "";
        OPENSSL_free(utf8);
        if (value.find_first_of(",+=\"\n<>#;") != std::string::npos || value.starts_with(' ') || value.ends_with(' ')) {
            std::string quoted = "\"";
            for (char c : value) quoted.append(c == '"' ? "\"\"" : std::string(1, c));
            value = quoted + "\"";
        }
        if (!out.empty()) out.append(", ");
        out.append(key ? key : "?").append("=").append(value);
    }
    return out;
}

std::string hex(const unsigned char* bytes, std::size_t n, std::string_view separator) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        if (i != 0) out.append(separator);
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 0xf]);
    }
    return out;
}

// "01-9a-fe": the serial's bytes, most significant first.
std::string serial_text(X509* cert) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
    return serial ? hex(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial)), "-")
                  : std::string();
}

// The certificate's SHA-1 digest in hex: the "thumbprint" Windows shows, a
// signature of the whole certificate as IIS documents CERT_COOKIE.
std::string thumbprint(X509* cert) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert, EVP_sha1(), digest, &n) != 1) return {};
    return hex(digest, n, "");
}

std::string der(X509* cert) {
    const int n = i2d_X509(cert, nullptr);
    if (n <= 0) return {};
    std::string out(static_cast<std::size_t>(n), '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_X509(cert, &p);
    return out;
}

}  // namespace

TlsContext::TlsContext(const TlsOptions& options)
    : context_(ssl::context::tls_server), client_certs_(options.client_certs) {
    boost::system::error_code ec;
    // TLS 1.2 and 1.3, as a current IIS offers by default.
    context_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    context_.use_certificate_chain_file(options.cert.string(), ec);
    if (ec) fail("cannot read the TLS certificate " + options.cert.string(), ec);
    context_.use_private_key_file(options.key.string(), ssl::context::pem, ec);
    // OpenSSL checks here that the key is the certificate's ("key values
    // mismatch" when not).
    if (ec) fail("cannot use the TLS key " + options.key.string() + " with " + options.cert.string(), ec);

    if (client_certs_ != ClientCertMode::ignore) {
        if (!options.client_ca.empty()) {
            context_.load_verify_file(options.client_ca.string(), ec);
            if (ec) fail("cannot read the client CA file " + options.client_ca.string(), ec);
            // Sent in the certificate request, so a client with several
            // certificates can pick one these CAs issued.
            if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca.string().c_str()))
                SSL_CTX_set_client_CA_list(context_.native_handle(), names);
        }
        // Ask for a certificate but never fail the handshake over it: IIS
        // answers a missing or untrusted one with 403.7 or 403.16, which the
        // client can read, and records the verdict in CERT_FLAGS.
        context_.set_verify_mode(ssl::verify_peer);
        context_.set_verify_callback([](bool, ssl::verify_context&) { return true; });
    }

    X509* cert = SSL_CTX_get0_certificate(context_.native_handle());
    server_.server_issuer = windows_name(X509_get_issuer_name(cert));
    server_.server_subject = windows_name(X509_get_subject_name(cert));
    if (EVP_PKEY* key = SSL_CTX_get0_privatekey(context_.native_handle())) server_.server_key_bits = EVP_PKEY_get_bits(key);
}

ecb::TlsInfo TlsContext::describe(SSL* ssl) const {
    ecb::TlsInfo info = server_;
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl))
        info.key_bits = static_cast<std::uint32_t>(SSL_CIPHER_get_bits(cipher, nullptr));
    info.protocol = SSL_get_version(ssl);
    if (client_certs_ == ClientCertMode::ignore) return info;
    const std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
    if (!cert) return info;
    info.client_cert_present = true;
    info.client_cert_untrusted = SSL_get_verify_result(ssl) != X509_V_OK;
    info.client_issuer = windows_name(X509_get_issuer_name(cert.get()));
    info.client_subject = windows_name(X509_get_subject_name(cert.get()));
    info.client_serial = serial_text(cert.get());
    info.client_cookie = thumbprint(cert.get());
    info.client_cert_der = der(cert.get());
    return info;
}

std::string_view TlsContext::refusal(const ecb::TlsInfo& info) const {
    if (client_certs_ == ClientCertMode::ignore) return {};
    if (client_certs_ == ClientCertMode::require && !info.client_cert_present)
        return "403.7 - Forbidden: a client certificate is required";
    if (info.client_cert_untrusted) return "403.16 - Forbidden: the client certificate is untrusted or invalid";
    return {};
}

}  // namespace isapi::host

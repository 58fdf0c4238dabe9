#include "tls.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#ifdef ISAPI_LOADGEN_TLS
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/error.hpp>

#include "tls_context.hpp"
#endif

namespace isapi::loadgen {

bool tls_available() noexcept {
#ifdef ISAPI_LOADGEN_TLS
    return true;
#else
    return false;
#endif
}

void check_tls_options(const Url& target, const TlsOptions& o) {
    if (!target.tls) {
        const char* given = o.insecure ? "--insecure" : !o.ca_file.empty() ? "--ca" : nullptr;
        if (given)
            throw std::invalid_argument(std::string(given) + " is for https:// targets; " + target.origin() +
                                        " is plain HTTP, so there is no certificate to check (use https://, or drop " +
                                        given + ")");
        return;
    }
    if (o.insecure && !o.ca_file.empty())
        throw std::invalid_argument("--insecure turns off the certificate check that --ca " + o.ca_file +
                                    " is for; give one or the other");
    if (!tls_available())
        throw std::runtime_error(target.origin() +
                                 ": this build has no TLS support (it was built without OpenSSL); use an http:// target");
}

void TlsTally::merge(const TlsTally& other) {
    handshakes += other.handshakes;
    resumed += other.resumed;
    failed += other.failed;
    if (protocol.empty()) protocol = other.protocol;
    if (cipher.empty()) cipher = other.cipher;
    if (first_error.empty()) first_error = other.first_error;
}

#ifdef ISAPI_LOADGEN_TLS

namespace ssl = boost::asio::ssl;

std::shared_ptr<TlsContext> make_tls_context(const Url& target, const TlsOptions& o) {
    check_tls_options(target, o);
    if (!target.tls) throw std::invalid_argument(target.origin() + " is not an https:// target");
    auto c = std::make_shared<TlsContext>(target);
    c->ca_file = o.ca_file;
    c->ssl.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_compression);
    if (o.insecure) {
        c->verify = false;
        c->ssl.set_verify_mode(ssl::verify_none);
        return c;
    }
    c->ssl.set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (!o.ca_file.empty()) {
        // Said in the system's words first: OpenSSL's "system library" hides
        // whether the file is missing or unreadable.
        if (std::ifstream probe(o.ca_file, std::ios::binary); !probe)
            throw std::runtime_error("--ca " + o.ca_file + ": cannot read it (" + std::strerror(errno) + ")");
        if (std::error_code fs_ec; std::filesystem::is_directory(o.ca_file, fs_ec))
            throw std::runtime_error("--ca " + o.ca_file + ": is a folder; give a PEM file of CA certificates");
        c->ssl.load_verify_file(o.ca_file, ec);
        if (ec)
            throw std::runtime_error("--ca " + o.ca_file + ": no PEM certificate OpenSSL can use in it (" + ec.message() +
                                     ")");
    } else {
        c->ssl.set_default_verify_paths(ec);
        if (ec)
            throw std::runtime_error("cannot load the system's CA certificates (" + ec.message() + "); give --ca FILE");
    }
    // The name check, as boost::asio::ssl::host_name_verification makes it
    // (X509_check_host for a name, X509_check_ip_asc for an address), but
    // set once here and made by OpenSSL as the last step of the chain's
    // verification, so a mismatch has its own verify result
    // (X509_V_ERR_HOSTNAME_MISMATCH) for the error message, and no
    // connection needs a verify callback of its own.
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(c->ssl.native_handle());
    const bool named = c->sni ? X509_VERIFY_PARAM_set1_host(param, c->host.c_str(), c->host.size()) == 1
                              : X509_VERIFY_PARAM_set1_ip_asc(param, c->host.c_str()) == 1;
    if (!named) throw std::runtime_error("cannot set up the certificate's name check for " + c->host);
    if (c->sni) X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return c;
}

namespace {

std::string one_line(X509_NAME* name) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) return {};
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, n > 0 ? static_cast<std::size_t>(n) : 0);
    BIO_free(bio);
    return out;
}

}  // namespace

std::string describe_handshake_failure(const TlsContext& context, SSL* ssl, const boost::system::error_code& ec) {
    const long verdict = SSL_get_verify_result(ssl);
    if (context.verify && verdict != X509_V_OK) {
        std::string what = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verdict);
        // The leaf as the server sent it (after a failed check OpenSSL keeps
        // the chain, not the peer certificate).
        if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl); chain && sk_X509_num(chain) > 0)
            what += " (the server's certificate: " + one_line(X509_get_subject_name(sk_X509_value(chain, 0))) + ")";
        if (verdict == X509_V_ERR_HOSTNAME_MISMATCH || verdict == X509_V_ERR_IP_ADDRESS_MISMATCH)
            what += "; it does not name " + context.host + ": use a name or address it has, or --insecure";
        else if (context.ca_file.empty())
            what += "; trust its issuer with --ca FILE, or skip the check with --insecure";
        else
            what += "; " + context.ca_file + " does not vouch for it (--insecure skips the check)";
        return what;
    }
    std::string what = ec.message();
    const auto code = static_cast<unsigned long>(ec.value());
    if (ec.category() == boost::asio::error::get_ssl_category() && ERR_GET_LIB(code) == ERR_LIB_SSL &&
        ERR_GET_REASON(code) == SSL_R_WRONG_VERSION_NUMBER)
        what += ": the server did not answer in TLS; is it a plain HTTP port (http://)?";
    return what;
}

#else

std::shared_ptr<TlsContext> make_tls_context(const Url& target, const TlsOptions& o) {
    check_tls_options(target, o);
    throw std::invalid_argument(target.origin() + " is not an https:// target");
}

#endif

}  // namespace isapi::loadgen

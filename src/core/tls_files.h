// PEM files into an OpenSSL context, every problem in words under the option that named the
// file ("http.tls.cert_file: cannot read ..."): the server's certificate (transport) and the
// Redis client's certificate and CA (engine) load the same way.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace neo::tls_files {

// The file's bytes into `text`; false with a problem "<option>: cannot read <path>: <why>".
bool read_pem(std::string_view option, const std::string& path, std::string& text,
              std::vector<std::string>& problems);

// A certificate chain and its private key (`prefix`: "http.tls", "engine.redis.tls"). Problems:
// a file that cannot be read, no PEM certificate, no unencrypted PEM key (encrypted keys are
// refused rather than OpenSSL asking for a password on the terminal), a key that does not
// match the certificate.
void load_key_pair(boost::asio::ssl::context& context, std::string_view prefix,
                   const std::string& cert_file, const std::string& key_file,
                   std::vector<std::string>& problems);

// CA certificates to verify the peer against; a problem when none can be read.
void load_ca(boost::asio::ssl::context& context, std::string_view option, const std::string& path,
             std::vector<std::string>& problems);

}  // namespace neo::tls_files

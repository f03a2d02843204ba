#include "core/tls_files.h"

#include <openssl/ssl.h>

#include "core/file.h"

namespace neo::tls_files {
namespace {

namespace ssl = boost::asio::ssl;

int no_password(char*, int, int, void*) { return 0; }

std::string option_key(std::string_view prefix, std::string_view key) {
  return std::string(prefix) + "." + std::string(key);
}

}  // namespace

bool read_pem(std::string_view option, const std::string& path, std::string& text,
              std::vector<std::string>& problems) {
  if (auto error = read_file(path, text)) {
    problems.push_back(std::string(option) + ": cannot read " + path + ": " + *error);
    return false;
  }
  return true;
}

// The key first: OpenSSL refuses a key that does not match a certificate already loaded, while
// a certificate loaded after a key of another pair only drops the key, which the check below
// then reports as the mismatch it is.
void load_key_pair(ssl::context& context, std::string_view prefix, const std::string& cert_file,
                   const std::string& key_file, std::vector<std::string>& problems) {
  SSL_CTX_set_default_passwd_cb(context.native_handle(), no_password);
  std::string cert, key;
  bool have_cert = read_pem(option_key(prefix, "cert_file"), cert_file, cert, problems);
  bool have_key = read_pem(option_key(prefix, "key_file"), key_file, key, problems);
  boost::system::error_code ec;
  if (have_key) context.use_private_key(boost::asio::buffer(key), ssl::context::pem, ec);
  if (have_key && ec) {
    problems.push_back(option_key(prefix, "key_file") + ": no unencrypted PEM private key in " +
                       key_file);
    have_key = false;
  }
  ec.clear();
  if (have_cert) context.use_certificate_chain(boost::asio::buffer(cert), ec);
  if (have_cert && ec) {
    problems.push_back(option_key(prefix, "cert_file") + ": no PEM certificate in " + cert_file);
    have_cert = false;
  }
  if (have_cert && have_key && SSL_CTX_check_private_key(context.native_handle()) != 1)
    problems.push_back(option_key(prefix, "key_file") + ": the key in " + key_file +
                       " does not match the certificate in " + cert_file);
}

void load_ca(ssl::context& context, std::string_view option, const std::string& path,
             std::vector<std::string>& problems) {
  std::string pem;
  if (!read_pem(option, path, pem, problems)) return;
  boost::system::error_code ec;
  context.add_certificate_authority(boost::asio::buffer(pem), ec);
  if (ec) problems.push_back(std::string(option) + ": no PEM certificate in " + path);
}

}  // namespace neo::tls_files

#ifndef COPENSSLTLS_SHIM_H
#define COPENSSLTLS_SHIM_H
// libssl for TSClient's https:// support. A target of its own so that only TSClient links libssl.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

// Macros over SSL_ctrl / SSL_CTX_ctrl that Swift cannot import.
static inline int tsclient_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline int tsclient_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

// A close without close_notify is reported as end of stream, as for plain TCP; HTTP framing
// (Content-Length, chunked) still detects truncated bodies.
static inline void tsclient_SSL_CTX_ignore_unexpected_eof(SSL_CTX *ctx) {
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#else
    (void)ctx;
#endif
}
#endif

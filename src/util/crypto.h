/*
 * crypto.h - the few cryptographic operations Tandem needs, all libsodium.
 */
#ifndef TDM_CRYPTO_H
#define TDM_CRYPTO_H

#include <stddef.h>

#define TOKEN_LEN 44    /* 32 random bytes, base64url without padding, + NUL */
#define SHA256_HEX 65   /* 64 hex digits + NUL */
#define PWHASH_LEN 128  /* crypto_pwhash_STRBYTES */

int crypto_init(void);
/* A fresh opaque token: 256 random bits, base64url. */
void crypto_token(char out[TOKEN_LEN]);
/* A readable random password of n-1 chars (no look-alikes), NUL-terminated. */
void crypto_password(char *out, size_t n);
void crypto_sha256_hex(const void *data, size_t n, char out[SHA256_HEX]);
/* Argon2id hash of a password into out. Returns 0 or -1 (out of memory). */
int crypto_pw_hash(const char *password, char out[PWHASH_LEN]);
/* 1 when password matches hash, 0 otherwise. Always does the full work. */
int crypto_pw_verify(const char *hash, const char *password);
/* Constant-time equality of two equal-length strings. */
int crypto_equal(const char *a, const char *b, size_t n);
void crypto_wipe(void *p, size_t n);

#endif

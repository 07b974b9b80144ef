import COpenSSL

/// Thin wrappers over libcrypto. Internal; exercised by the tests via @testable import.
enum CollectdCrypto {
    static func sha256(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBufferPointer { d in
            out.withUnsafeMutableBufferPointer { o in
                _ = SHA256(d.baseAddress, d.count, o.baseAddress)
            }
        }
        return out
    }

    static func sha1(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        out.withUnsafeMutableBufferPointer { o in
            _ = SHA1(data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, o.baseAddress)
        }
        return out
    }

    static func sha1(_ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { sha1($0) }
    }

    static func hmacSHA256(key: [UInt8], data: UnsafeRawBufferPointer) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: 32)
        var outLen: UInt32 = 0
        // libcrypto's HMAC wants a non-NULL data pointer even for empty input.
        var empty: UInt8 = 0
        let ok = key.withUnsafeBytes { k -> Bool in
            out.withUnsafeMutableBufferPointer { o -> Bool in
                let dp = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
                return withUnsafeMutablePointer(to: &empty) { e in
                    HMAC(EVP_sha256(), k.baseAddress ?? UnsafeRawPointer(e), Int32(k.count),
                         dp ?? UnsafePointer(e), data.count, o.baseAddress, &outLen) != nil
                }
            }
        }
        return ok && outLen == 32 ? out : nil
    }

    /// AES-256 in OFB mode. OFB is symmetric: the same call encrypts and decrypts.
    static func aes256OFB(key: [UInt8], iv: [UInt8], data: [UInt8]) -> [UInt8]? {
        guard key.count == 32, iv.count == 16 else { return nil }
        if data.isEmpty { return [] }
        guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: data.count + 16)
        var n1: Int32 = 0
        var n2: Int32 = 0
        let ok = key.withUnsafeBufferPointer { k in
            iv.withUnsafeBufferPointer { v in
                data.withUnsafeBufferPointer { d in
                    out.withUnsafeMutableBufferPointer { o -> Bool in
                        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_ofb(), nil, k.baseAddress, v.baseAddress) == 1
                        else { return false }
                        guard EVP_DecryptUpdate(ctx, o.baseAddress, &n1, d.baseAddress, Int32(d.count)) == 1
                        else { return false }
                        return EVP_DecryptFinal_ex(ctx, o.baseAddress! + Int(n1), &n2) == 1
                    }
                }
            }
        }
        guard ok, Int(n1 + n2) == data.count else { return nil }
        return Array(out[0..<data.count])
    }

    /// Constant-time comparison.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

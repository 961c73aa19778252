import Crypto
import CryptoExtras
import Foundation

/// Passwords as stored: scrypt (memory-hard, so guessing is slow on any hardware) with a random
/// salt, written `scrypt$N$r$p$salt$hash` (base64) so the cost can rise without breaking old
/// hashes. Never the password itself.
enum PasswordHash {
    /// 2^15 rounds × 8 × 128 bytes: 32 MB and some tens of milliseconds per check.
    static let rounds = 1 << 15, blockSize = 8, parallelism = 1

    /// A hash of no one's password, checked for unknown users so they take as long as known ones.
    static let decoy: String = (try? make(UUID().uuidString)) ?? ""

    static func make(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var random = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = random.next() }
        let key = try derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Whether `password` is the one `stored` was made from (comparing in constant time).
    static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              n > 1, n <= 1 << 20, (1...32).contains(r), (1...16).contains(p),
              let salt = Data(base64Encoded: parts[4]), let expected = Data(base64Encoded: parts[5]),
              let key = try? derive(password, salt: Array(salt), rounds: n, blockSize: r, parallelism: p), key.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(key, expected) { difference |= a ^ b }
        return difference == 0
    }

    static func derive(_ password: String, salt: [UInt8], rounds: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: rounds, blockSize: blockSize,
                                           parallelism: parallelism, maxMemory: 256 << 20)
        return key.withUnsafeBytes { Array($0) }
    }
}

import Foundation
import Synchronization
import WireFormats

/// One issued download: a generated file, whose it is, and until when it may be fetched.
public struct Download: Sendable, Equatable {
    public var token: String
    public var tenant: String
    /// The sanitized name offered to the browser, e.g. `credit-usage-summary-tenant-01-2026-01-08-to-2026-01-15.xlsx`.
    public var fileName: String
    public var fileURL: URL
    public var createdAt: Date
    public var expiresAt: Date
}

/// Generated files kept in one directory, each reachable only through an unguessable token
/// (256 random bits, base64url without padding) until its time to live has passed.
///
/// Only tokens this store issued are ever resolved: `lookup` consults the in-memory index and
/// never derives a path from the token it is given. Expired entries stop resolving at once;
/// `sweep` (run periodically by `DownloadSweeper`, off the cooperative pool) deletes their files.
/// `store`, `discard`, `lookup` (one `stat`) and `sweep` touch the disk: async callers run them on
/// `BlockingWorkPool`.
public final class DownloadStore: Sendable {
    public let directory: URL
    public let ttl: TimeInterval
    private let entries = Mutex<[String: Download]>([:])
    /// Tokens reserved and still being written: the sweeper leaves their files alone however long it takes.
    private let writing = Mutex<Set<String>>([])

    /// Length of a token: 32 bytes in base64url without padding.
    public static let tokenLength = 43

    /// Creates `directory` when needed.
    public init(directory: URL, ttl: TimeInterval = 600) throws {
        self.directory = directory
        self.ttl = ttl
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A per-user temporary directory for downloads, e.g. `/tmp/credits-mcp-downloads`.
    public static var defaultDirectory: URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("credits-mcp-downloads", isDirectory: true)
    }

    /// Issues a token, lets `write` create the file at the URL it is given (e.g. with
    /// `XLSXWriter.write(_:to:)`), and registers it. When `write` throws, nothing is registered
    /// and any partial file is removed.
    public func store(
        tenant: String, fileName: String, now: Date = Date(), write: (URL) throws -> Void
    ) throws -> Download {
        let reservation = reserve()
        do {
            try write(reservation.fileURL)
        } catch {
            discard(reservation)
            throw error
        }
        return commit(reservation, tenant: tenant, fileName: fileName, now: now)
    }

    /// A file about to be written for a download: the token it will be served under and where to
    /// write it. Nothing is served until `commit`; `discard` removes whatever was written.
    public struct Reservation: Sendable, Equatable {
        public let token: String
        public let fileURL: URL
    }

    /// Issues a token and the path to write its file at, for writers that produce the file over time
    /// (e.g. `XLSXStreamWriter` fed page by page). Until `commit`, the token resolves to nothing.
    public func reserve() -> Reservation {
        let token = Self.makeToken()
        writing.withLock { _ = $0.insert(token) }
        return Reservation(token: token, fileURL: directory.appendingPathComponent(token + ".xlsx", isDirectory: false))
    }

    /// Registers a reserved file once it is complete.
    public func commit(_ reservation: Reservation, tenant: String, fileName: String, now: Date = Date()) -> Download {
        let download = Download(
            token: reservation.token, tenant: tenant, fileName: Self.sanitizeFileName(fileName), fileURL: reservation.fileURL,
            createdAt: now, expiresAt: now.addingTimeInterval(ttl))
        entries.withLock { $0[reservation.token] = download }
        writing.withLock { _ = $0.remove(reservation.token) }
        return download
    }

    /// Removes a reserved file that will not be committed (blocking; the sweeper would remove it later anyway).
    public func discard(_ reservation: Reservation) {
        try? FileManager.default.removeItem(at: reservation.fileURL)
        writing.withLock { _ = $0.remove(reservation.token) }
    }

    /// The download for `token` while it is valid (`now` before its expiry and the file present);
    /// nil for malformed, unknown or expired tokens.
    public func lookup(token: String, now: Date = Date()) -> Download? {
        guard Self.isWellFormedToken(token) else { return nil }
        guard let download = entries.withLock({ $0[token] }), now < download.expiresAt else { return nil }
        guard FileManager.default.fileExists(atPath: download.fileURL.path) else { return nil }
        return download
    }

    /// Removes expired entries from the index and their files from disk, plus files of ours in
    /// the directory that no entry refers to and that are older than the TTL (left over from an
    /// earlier run or an interrupted write). Returns the number of expired entries removed.
    @discardableResult
    public func sweep(now: Date = Date()) -> Int {
        let (expired, indexed) = entries.withLock { index -> ([Download], Set<String>) in
            let expired = index.values.filter { now >= $0.expiresAt }
            for download in expired { index[download.token] = nil }
            return (expired, Set(index.keys))
        }
        let live = indexed.union(writing.withLock { $0 })
        let fileManager = FileManager.default
        for download in expired {
            try? fileManager.removeItem(at: download.fileURL)
        }
        let files = (try? fileManager.contentsOfDirectory(
            at: directory, includingPropertiesForKeys: [.contentModificationDateKey], options: [])) ?? []
        for file in files {
            guard let token = Self.ownFileToken(file.lastPathComponent), !live.contains(token) else { continue }
            let modified = (try? file.resourceValues(forKeys: [.contentModificationDateKey]))?.contentModificationDate
            if let modified, now.timeIntervalSince(modified) < ttl { continue }
            try? fileManager.removeItem(at: file)
        }
        return expired.count
    }

    /// Number of entries in the index (expired ones included until swept).
    public var count: Int {
        entries.withLock { $0.count }
    }

    // MARK: - Tokens

    /// 256 bits from `SystemRandomNumberGenerator`, base64url without padding (43 characters).
    public static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for _ in 0..<4 {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        return base64URL(bytes)
    }

    /// Exactly `tokenLength` characters of `A-Z a-z 0-9 - _`.
    public static func isWellFormedToken(_ token: String) -> Bool {
        let utf8 = token.utf8
        return utf8.count == tokenLength && utf8.allSatisfy(isTokenByte)
    }

    static func isTokenByte(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 95
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            let available = min(bytes.count - index, 3) + 1
            for position in 0..<available {
                out.append(alphabet[Int((group >> UInt32(18 - 6 * position)) & 0x3F)])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The token of a file this store (or `XLSXWriter`'s temporary file) names:
    /// `<token>.xlsx` or `.<token>.xlsx.<anything>.tmp`.
    static func ownFileToken(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        let length = tokenLength
        if bytes.count == length + 5, name.hasSuffix(".xlsx") {
            let token = String(decoding: bytes[0..<length], as: UTF8.self)
            return isWellFormedToken(token) ? token : nil
        }
        if bytes.count > length + 7, bytes[0] == UInt8(ascii: "."), name.hasSuffix(".tmp"),
           String(decoding: bytes[(length + 1)..<(length + 7)], as: UTF8.self) == ".xlsx." {
            let token = String(decoding: bytes[1..<(length + 1)], as: UTF8.self)
            return isWellFormedToken(token) ? token : nil
        }
        return nil
    }

    // MARK: - File names

    /// `<report>-<tenant>-<from date>-to-<to date>.xlsx`, sanitized, e.g.
    /// `credit-usage-summary-tenant-01-2026-01-08-to-2026-01-15.xlsx`.
    public static func fileName(report: String, tenant: String, from: Int64, to: Int64) -> String {
        let fromDay = RFC3339.format(seconds: from).prefix(10)
        let toDay = RFC3339.format(seconds: to).prefix(10)
        return sanitizeFileName("\(report)-\(tenant)-\(fromDay)-to-\(toDay).xlsx")
    }

    /// Only `A-Z a-z 0-9 . _ -` (anything else becomes `-`, runs collapsed), no leading dot or
    /// dash, at most 150 characters, always ending in `.xlsx`; `report.xlsx` when nothing is left.
    public static func sanitizeFileName(_ name: String) -> String {
        var base = name
        if base.lowercased().hasSuffix(".xlsx") { base.removeLast(5) }
        var out: [UInt8] = []
        for c in base.utf8 {
            let safe = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 46 || c == 95 || c == 45
            let byte = safe ? c : UInt8(ascii: "-")
            if byte == UInt8(ascii: "-"), out.last == UInt8(ascii: "-") { continue }
            out.append(byte)
        }
        while let first = out.first, first == UInt8(ascii: ".") || first == UInt8(ascii: "-") { out.removeFirst() }
        if out.count > 145 { out.removeLast(out.count - 145) }
        while let last = out.last, last == UInt8(ascii: ".") || last == UInt8(ascii: "-") { out.removeLast() }
        if out.isEmpty { return "report.xlsx" }
        return String(decoding: out, as: UTF8.self) + ".xlsx"
    }
}

import Foundation
import Synchronization

// zlib's deflate and crc32. On Linux, ZIPFoundation (a dependency of this target) declares the system
// zlib as its `CZlib` module and re-exports it to its clients; Apple SDKs ship a `zlib` module.
#if canImport(CZlib)
import CZlib
#elseif canImport(zlib)
import zlib
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a ZIP archive front to back into a new file, deflating each entry as its bytes arrive, so
/// an entry of any length needs only a fixed amount of memory (the deflate window and one output buffer).
///
/// Each entry's local header is written with zero CRC and sizes, and patched in place (`pwrite`) once
/// the entry ends, so the archive needs no data descriptors (general purpose bit 3): every reader,
/// Excel included, sees ordinary headers. The central directory can list the entries in any order.
///
/// No ZIP64: an entry or the archive beyond 4 GiB, or more than 65,535 entries, is refused with a
/// clear error instead of producing a corrupt file.
///
/// All calls block (file writes, compression); run them off Swift's cooperative pool. The state sits in
/// a `Mutex`, so one writer may be driven from different threads, one call at a time.
final class ZIPStreamWriter: Sendable {
    /// One entry as the central directory lists it.
    struct Entry {
        var name: [UInt8]
        var crc: UInt32 = 0
        var compressedSize: UInt64 = 0
        var uncompressedSize: UInt64 = 0
        var localHeaderOffset: UInt64
        var dosTime: UInt16
        var dosDate: UInt16
    }

    private struct State: ~Copyable {
        var fd: Int32
        var offset: UInt64 = 0
        var entries: [Entry] = []
        var current: Entry?
        var stream: UnsafeMutablePointer<z_stream>?
        var output: UnsafeMutableBufferPointer<UInt8>
        var outputCount = 0
        var finished = false

        deinit {
            if let stream {
                deflateEnd(stream)
                stream.deallocate()
            }
            output.deallocate()
            if fd >= 0 { close(fd) }
        }
    }

    /// The largest size or offset a ZIP without ZIP64 can record.
    static let maximumSize = UInt64(UInt32.max)
    static let outputBufferSize = 1 << 18

    let path: String
    let level: Int32
    private let state: Mutex<State>

    /// Creates `path` (it must not exist yet).
    /// - Parameter level: the deflate level (zlib's default, 6, unless told otherwise).
    init(path: String, level: Int32 = Z_DEFAULT_COMPRESSION) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw XLSXWriterError(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.level = level
        let output = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.outputBufferSize)
        state = Mutex(State(fd: fd, output: output))
    }

    /// Starts a deflated entry; the previous one must have ended.
    func beginEntry(_ name: String, modified: Date = Date()) throws {
        let level = self.level
        try state.withLock { state throws(XLSXWriterError) in
            guard !state.finished, state.current == nil else { throw XLSXWriterError(description: "ZIP entry \(name) started out of order") }
            let (time, date) = Self.dosDateTime(modified)
            let entry = Entry(name: Array(name.utf8), localHeaderOffset: state.offset, dosTime: time, dosDate: date)
            guard state.entries.count < 0xFFFF else { throw XLSXWriterError(description: "too many ZIP entries (ZIP64 is not supported)") }
            guard entry.localHeaderOffset <= Self.maximumSize else { throw Self.tooLarge }
            var header = ByteWriter()
            header.u32(0x0403_4B50)
            header.u16(20)  // version needed: 2.0 (deflate)
            header.u16(0)  // flags: sizes are in this header (patched when the entry ends)
            header.u16(8)  // deflate
            header.u16(entry.dosTime)
            header.u16(entry.dosDate)
            header.u32(0)  // CRC-32, patched
            header.u32(0)  // compressed size, patched
            header.u32(0)  // uncompressed size, patched
            header.u16(UInt16(entry.name.count))
            header.u16(0)  // no extra field
            header.bytes.append(contentsOf: entry.name)
            try Self.append(header.bytes, to: &state)

            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let status = deflateInit2_(stream, level, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else {
                stream.deallocate()
                throw XLSXWriterError(description: "deflateInit2 failed (\(status))")
            }
            state.stream = stream
            state.current = entry
        }
    }

    /// Appends uncompressed bytes to the current entry.
    func write(_ bytes: [UInt8]) throws {
        try state.withLock { state throws in
            try bytes.withUnsafeBytes { raw in
                try Self.compress(raw, finish: false, state: &state)
            }
        }
    }

    /// Ends the current entry: flushes the deflate stream and records its CRC and sizes.
    func endEntry() throws {
        try state.withLock { state throws(XLSXWriterError) in
            try Self.compress(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, state: &state)
            guard let stream = state.stream, let entry = state.current else { return }
            deflateEnd(stream)
            stream.deallocate()
            state.stream = nil
            state.current = nil
            try Self.flushOutput(&state)
            guard entry.compressedSize <= Self.maximumSize, entry.uncompressedSize <= Self.maximumSize else { throw Self.tooLarge }
            var fields = ByteWriter()
            fields.u32(entry.crc)
            fields.u32(UInt32(entry.compressedSize))
            fields.u32(UInt32(entry.uncompressedSize))
            try Self.pwriteAll(fields.bytes, fd: state.fd, at: entry.localHeaderOffset + 14)
            state.entries.append(entry)
        }
    }

    /// Writes the central directory in `order` (entry names; unlisted entries follow in writing order)
    /// and closes the file.
    func finish(centralDirectoryOrder order: [String] = []) throws {
        try state.withLock { state throws(XLSXWriterError) in
            guard state.current == nil, !state.finished else { throw XLSXWriterError(description: "ZIP archive finished out of order") }
            var entries: [Entry] = []
            var remaining = state.entries
            for name in order {
                let bytes = Array(name.utf8)
                if let index = remaining.firstIndex(where: { $0.name == bytes }) {
                    entries.append(remaining.remove(at: index))
                }
            }
            entries += remaining
            let directoryOffset = state.offset
            var directory = ByteWriter()
            for entry in entries {
                directory.u32(0x0201_4B50)
                directory.u16(0x0314)  // made by: UNIX, version 2.0
                directory.u16(20)
                directory.u16(0)
                directory.u16(8)
                directory.u16(entry.dosTime)
                directory.u16(entry.dosDate)
                directory.u32(entry.crc)
                directory.u32(UInt32(entry.compressedSize))
                directory.u32(UInt32(entry.uncompressedSize))
                directory.u16(UInt16(entry.name.count))
                directory.u16(0)  // extra
                directory.u16(0)  // comment
                directory.u16(0)  // disk number
                directory.u16(0)  // internal attributes
                directory.u32(UInt32(0o100644) << 16)  // external attributes: a regular file, rw-r--r--
                directory.u32(UInt32(entry.localHeaderOffset))
                directory.bytes.append(contentsOf: entry.name)
            }
            try Self.append(directory.bytes, to: &state)
            try Self.flushOutput(&state)
            let directorySize = state.offset - directoryOffset
            guard directoryOffset <= Self.maximumSize, state.offset <= Self.maximumSize else { throw Self.tooLarge }
            var end = ByteWriter()
            end.u32(0x0605_4B50)
            end.u16(0)
            end.u16(0)
            end.u16(UInt16(entries.count))
            end.u16(UInt16(entries.count))
            end.u32(UInt32(directorySize))
            end.u32(UInt32(directoryOffset))
            end.u16(0)  // comment length
            try Self.append(end.bytes, to: &state)
            try Self.flushOutput(&state)
            state.finished = true
            let fd = state.fd
            state.fd = -1
            guard close(fd) == 0 else {
                throw XLSXWriterError(description: "cannot close \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Closes the file without finishing it (the caller removes it).
    func abandon() {
        state.withLock { state in
            if let stream = state.stream {
                deflateEnd(stream)
                stream.deallocate()
                state.stream = nil
            }
            state.current = nil
            state.finished = true
            if state.fd >= 0 {
                close(state.fd)
                state.fd = -1
            }
        }
    }

    /// Bytes written so far (compressed), including headers.
    var bytesWritten: UInt64 {
        state.withLock { $0.offset + UInt64($0.outputCount) }
    }

    // MARK: - Internals

    private static let tooLarge = XLSXWriterError(
        description: "the workbook would be larger than 4 GiB, which needs ZIP64 (not supported); choose a shorter range")

    /// Deflates `input` into the output buffer, writing the buffer to the file whenever it fills.
    private static func compress(_ input: UnsafeRawBufferPointer, finish: Bool, state: inout State) throws(XLSXWriterError) {
        guard let stream = state.stream, state.current != nil else {
            throw XLSXWriterError(description: "ZIP data written outside an entry")
        }
        if let base = input.baseAddress, input.count > 0 {
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            state.current!.crc = UInt32(crc32(UInt(state.current!.crc), bytes, UInt32(input.count)))
            state.current!.uncompressedSize += UInt64(input.count)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes)
            stream.pointee.avail_in = UInt32(input.count)
        } else {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            if !finish { return }
        }
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            if state.outputCount == state.output.count { try flushOutput(&state) }
            let space = state.output.count - state.outputCount
            stream.pointee.next_out = state.output.baseAddress! + state.outputCount
            stream.pointee.avail_out = UInt32(space)
            let status = deflate(stream, flush)
            let produced = space - Int(stream.pointee.avail_out)
            state.outputCount += produced
            state.current!.compressedSize += UInt64(produced)
            if status == Z_STREAM_END { break }
            guard status == Z_OK || status == Z_BUF_ERROR else {
                throw XLSXWriterError(description: "deflate failed (\(status))")
            }
            // Without Z_FINISH, deflate is done once it consumed the input and had room left over.
            if !finish, stream.pointee.avail_in == 0, stream.pointee.avail_out > 0 { break }
        }
        stream.pointee.next_in = nil
    }

    private static func append(_ bytes: [UInt8], to state: inout State) throws(XLSXWriterError) {
        var index = 0
        while index < bytes.count {
            if state.outputCount == state.output.count { try flushOutput(&state) }
            let count = min(bytes.count - index, state.output.count - state.outputCount)
            for offset in 0..<count { state.output[state.outputCount + offset] = bytes[index + offset] }
            state.outputCount += count
            index += count
        }
    }

    private static func flushOutput(_ state: inout State) throws(XLSXWriterError) {
        guard state.outputCount > 0 else { return }
        var written = 0
        while written < state.outputCount {
            let result = writeToFile(state.fd, state.output.baseAddress! + written, state.outputCount - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw XLSXWriterError(description: "cannot write the workbook: \(String(cString: strerror(errno)))")
            }
            written += result
        }
        state.offset += UInt64(state.outputCount)
        state.outputCount = 0
    }

    private static func pwriteAll(_ bytes: [UInt8], fd: Int32, at offset: UInt64) throws(XLSXWriterError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                pwrite(fd, raw.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw XLSXWriterError(description: "cannot write the workbook: \(String(cString: strerror(errno)))")
            }
            written += result
        }
    }

    /// MS-DOS time and date fields (local time, as ZIP tools expect), clamped to 1980…2107.
    static func dosDateTime(_ date: Date) -> (time: UInt16, date: UInt16) {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return (0, 0x21) }
        let year = Int(parts.tm_year) + 1900
        guard year >= 1980 else { return (0, 0x21) }  // 1980-01-01 00:00
        let clampedYear = min(year, 2107)
        let time = UInt16(parts.tm_hour) << 11 | UInt16(parts.tm_min) << 5 | UInt16(parts.tm_sec / 2)
        let day = UInt16(clampedYear - 1980) << 9 | UInt16(parts.tm_mon + 1) << 5 | UInt16(parts.tm_mday)
        return (time, day)
    }
}

/// `write(2)`, out of reach of `ZIPStreamWriter.write` inside the class.
private func writeToFile(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// Little-endian header fields.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(value & 0xFF))
        bytes.append(UInt8(value >> 8))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Large working buffers (an input file's bytes, the CSV reader's numeric columns) in memory of
/// their own, asked for in 2 MiB pages where the system allows it.
///
/// Why: on Linux every 4 KiB page a process first touches costs a page fault, and on the
/// virtual machines this tool runs on a fault costs a few microseconds, more than parsing the
/// bytes in it: reading a 78 MB CSV through 4 KiB pages spent about 0.15 s of system time in
/// faults against about 0.25 s of user time. A block of 2 MiB or more is mapped anonymously,
/// aligned to 2 MiB and advised `MADV_HUGEPAGE` (honoured when transparent huge pages are in
/// `madvise` or `always` mode, ignored otherwise: then it is an ordinary mapping); a smaller
/// block comes from `malloc`. Mapped memory starts as zeros.
enum _PageMemory {
    /// Blocks from this size on (one huge page) are mapped; smaller ones come from `malloc`.
    static let mappedFrom = 2 << 20
    static let hugePage = 2 << 20

    /// A block of at least `bytes` bytes; `deallocate(_:bytes:)` with the same `bytes` frees it.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes < mappedFrom {
            return UnsafeMutableRawPointer.allocate(byteCount: Swift.max(bytes, 1), alignment: 16)
        }
        let length = roundUp(bytes, hugePage)
        // Room to align the block to 2 MiB, then the slack on both sides is given back.
        guard let raw = mmap(nil, length + hugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else {
            fatalError("Out of memory: could not map \(bytes) bytes.")
        }
        let start = UInt(bitPattern: raw)
        let aligned = roundUp(Int(start), hugePage)
        let head = aligned - Int(start)
        if head > 0 { munmap(raw, head) }
        let tail = hugePage - head
        if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: UInt(aligned + length)), tail) }
        let p = UnsafeMutableRawPointer(bitPattern: UInt(aligned))!
        _ = madvise(p, length, 14)  // MADV_HUGEPAGE (Linux); an error (another system, no THP) changes nothing
        return p
    }

    /// Frees a block from `allocate(bytes:)`.
    static func deallocate(_ p: UnsafeMutableRawPointer, bytes: Int) {
        if bytes < mappedFrom { p.deallocate(); return }
        munmap(p, roundUp(bytes, hugePage))
    }

    /// The usable size of a block asked for with `bytes` (a mapped block is whole 2 MiB pages).
    static func usable(bytes: Int) -> Int {
        bytes < mappedFrom ? bytes : roundUp(bytes, hugePage)
    }

    @inline(__always)
    static func roundUp(_ x: Int, _ to: Int) -> Int { (x + to - 1) / to * to }
}

/// An input's bytes (`InputFile.readBytes`): `count` bytes at `pointer`, then at least
/// `InputBytes.padding` zero bytes (the CSV scanner's sentinel, and room for reading eight bytes
/// at a time near the end). Freed with the object.
public final class InputBytes {
    /// Zero bytes after the data.
    public static let padding = 16
    public private(set) var pointer: UnsafeMutablePointer<UInt8>
    public private(set) var count = 0
    /// Bytes allocated (data and padding).
    private var allocated: Int

    /// Room for `capacity` bytes of data.
    init(capacity: Int) {
        allocated = _PageMemory.usable(bytes: capacity + InputBytes.padding)
        pointer = _PageMemory.allocate(bytes: allocated).bindMemory(to: UInt8.self, capacity: allocated)
        if allocated < _PageMemory.mappedFrom { pointer.initialize(repeating: 0, count: allocated) }
    }

    deinit { _PageMemory.deallocate(UnsafeMutableRawPointer(pointer), bytes: allocated) }

    /// Bytes that can be added before the buffer grows.
    var free: Int { allocated - InputBytes.padding - count }

    /// Where the next bytes go.
    var end: UnsafeMutablePointer<UInt8> { pointer + count }

    /// Takes `n` bytes just written at `end`.
    func added(_ n: Int) { count += n }

    /// Doubles the room (the data is copied once into the new block, whose padding is zeros).
    func grow() {
        let bigger = _PageMemory.usable(bytes: Swift.max(2 * allocated, 1 << 20))
        let fresh = _PageMemory.allocate(bytes: bigger).bindMemory(to: UInt8.self, capacity: bigger)
        if bigger < _PageMemory.mappedFrom { fresh.initialize(repeating: 0, count: bigger) }
        fresh.update(from: pointer, count: count)
        _PageMemory.deallocate(UnsafeMutableRawPointer(pointer), bytes: allocated)
        pointer = fresh
        allocated = bigger
    }

    /// The data as a buffer (valid while the object lives).
    public var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: pointer, count: count) }
}

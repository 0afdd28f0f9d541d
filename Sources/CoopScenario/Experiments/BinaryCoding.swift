import Foundation

/// A compact binary form of `Codable` values, for the engine partials a shard writes (Guides/Batch.md).
///
/// JSON turns every double into text and back (a shard's sketches are megabytes of them); this
/// writes values in the order `encode(to:)` visits them: integers as 8 bytes little-endian, doubles
/// and floats by their bit patterns (exact, including NaN payloads and -0), booleans as one byte,
/// strings as a length and UTF-8 bytes, and every unkeyed container (array) preceded by its element
/// count. Keys are not written: decoding must visit properties in the order encoding did, which
/// synthesised `Codable` conformances do. Optionals encoded with `encodeIfPresent` are not
/// supported (the engine's partials have none); `encodeNil` writes a marker byte.
/// Decoding past the end or a malformed count throws `DecodingError.dataCorrupted`.
enum BinaryCoding {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let sink = _Sink()
        try value.encode(to: _Encoder(sink: sink))
        return sink.bytes
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let source = _Source(bytes: bytes)
        let value = try T(from: _Decoder(source: source))
        guard source.position == bytes.count else { throw source.corrupted("\(bytes.count - source.position) bytes left over") }
        return value
    }
}

// MARK: Encoding

private final class _Sink {
    var bytes: [UInt8] = []
    func u64(_ x: UInt64) { withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) } }
    func patch(_ x: UInt64, at offset: Int) {
        withUnsafeBytes(of: x.littleEndian) { for k in 0..<8 { bytes[offset + k] = $0[k] } }
    }
    func string(_ s: String) { let u = Array(s.utf8); u64(UInt64(u.count)); bytes.append(contentsOf: u) }
    func value<T: Encodable>(_ v: T) throws {
        switch v {
        case let x as Double: u64(x.bitPattern)
        case let x as Float: u64(UInt64(x.bitPattern))
        case let x as Int: u64(UInt64(bitPattern: Int64(x)))
        case let x as Int64: u64(UInt64(bitPattern: x))
        case let x as Int32: u64(UInt64(bitPattern: Int64(x)))
        case let x as Int16: u64(UInt64(bitPattern: Int64(x)))
        case let x as Int8: u64(UInt64(bitPattern: Int64(x)))
        case let x as UInt: u64(UInt64(x))
        case let x as UInt64: u64(x)
        case let x as UInt32: u64(UInt64(x))
        case let x as UInt16: u64(UInt64(x))
        case let x as UInt8: u64(UInt64(x))
        case let x as Bool: bytes.append(x ? 1 : 0)
        case let x as String: string(x)
        default: try v.encode(to: _Encoder(sink: self))
        }
    }
}

private struct _Encoder: Encoder {
    let sink: _Sink
    var codingPath: [CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { KeyedEncodingContainer(_Keyed<Key>(sink: sink)) }
    func unkeyedContainer() -> UnkeyedEncodingContainer { _Unkeyed(sink: sink) }
    func singleValueContainer() -> SingleValueEncodingContainer { _Single(sink: sink) }
}

private struct _Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: _Sink
    var codingPath: [CodingKey] = []
    mutating func encodeNil(forKey key: Key) throws { sink.bytes.append(0) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try sink.value(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try sink.value(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try sink.value(value) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(_Keyed<NestedKey>(sink: sink))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer { _Unkeyed(sink: sink) }
    mutating func superEncoder() -> Encoder { _Encoder(sink: sink) }
    mutating func superEncoder(forKey key: Key) -> Encoder { _Encoder(sink: sink) }
}

/// Writes a count placeholder, patched after every element.
private struct _Unkeyed: UnkeyedEncodingContainer {
    let sink: _Sink
    let offset: Int
    var codingPath: [CodingKey] = []
    var count = 0
    init(sink: _Sink) { self.sink = sink; offset = sink.bytes.count; sink.u64(0) }
    private mutating func bump() {
        count += 1
        sink.patch(UInt64(count), at: offset)
    }
    mutating func encodeNil() throws { bump(); sink.bytes.append(0) }
    mutating func encode(_ value: Bool) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: String) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: Double) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: Float) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: Int) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: Int8) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: Int16) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: Int32) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: Int64) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: UInt) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: UInt8) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: UInt16) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: UInt32) throws { bump(); try sink.value(value) }
    mutating func encode(_ value: UInt64) throws { bump(); try sink.value(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { bump(); try sink.value(value) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        bump()
        return KeyedEncodingContainer(_Keyed<NestedKey>(sink: sink))
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer { bump(); return _Unkeyed(sink: sink) }
    mutating func superEncoder() -> Encoder { bump(); return _Encoder(sink: sink) }
}

private struct _Single: SingleValueEncodingContainer {
    let sink: _Sink
    var codingPath: [CodingKey] = []
    mutating func encodeNil() throws { sink.bytes.append(0) }
    mutating func encode(_ value: Bool) throws { try sink.value(value) }
    mutating func encode(_ value: String) throws { try sink.value(value) }
    mutating func encode(_ value: Double) throws { try sink.value(value) }
    mutating func encode(_ value: Float) throws { try sink.value(value) }
    mutating func encode(_ value: Int) throws { try sink.value(value) }
    mutating func encode(_ value: Int8) throws { try sink.value(value) }
    mutating func encode(_ value: Int16) throws { try sink.value(value) }
    mutating func encode(_ value: Int32) throws { try sink.value(value) }
    mutating func encode(_ value: Int64) throws { try sink.value(value) }
    mutating func encode(_ value: UInt) throws { try sink.value(value) }
    mutating func encode(_ value: UInt8) throws { try sink.value(value) }
    mutating func encode(_ value: UInt16) throws { try sink.value(value) }
    mutating func encode(_ value: UInt32) throws { try sink.value(value) }
    mutating func encode(_ value: UInt64) throws { try sink.value(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try sink.value(value) }
}

// MARK: Decoding

private final class _Source {
    let bytes: [UInt8]
    var position = 0
    init(bytes: [UInt8]) { self.bytes = bytes }
    func corrupted(_ what: String) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "binary partial: \(what) at byte \(position)"))
    }
    func u64() throws -> UInt64 {
        guard position + 8 <= bytes.count else { throw corrupted("8 bytes expected, the data ends") }
        var x: UInt64 = 0
        for k in 0..<8 { x |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += 8
        return x
    }
    func byte() throws -> UInt8 {
        guard position < bytes.count else { throw corrupted("a byte expected, the data ends") }
        position += 1
        return bytes[position - 1]
    }
    func count() throws -> Int {
        let n = try u64()
        guard n <= UInt64(bytes.count - position) * 8 + 8 else { throw corrupted("a count of \(n) exceeds the data") }
        return Int(n)
    }
    func int<T: FixedWidthInteger & SignedInteger>(_ t: T.Type) throws -> T {
        let v = Int64(bitPattern: try u64())
        guard let x = T(exactly: v) else { throw corrupted("\(v) does not fit \(T.self)") }
        return x
    }
    func uint<T: FixedWidthInteger & UnsignedInteger>(_ t: T.Type) throws -> T {
        let v = try u64()
        guard let x = T(exactly: v) else { throw corrupted("\(v) does not fit \(T.self)") }
        return x
    }
    func value<T: Decodable>(_ t: T.Type) throws -> T {
        switch t {
        case is Double.Type: return Double(bitPattern: try u64()) as! T
        case is Float.Type:
            let v = try u64()
            guard let b = UInt32(exactly: v) else { throw corrupted("not a float") }
            return Float(bitPattern: b) as! T
        case is Int.Type: return try int(Int.self) as! T
        case is Int64.Type: return try int(Int64.self) as! T
        case is Int32.Type: return try int(Int32.self) as! T
        case is Int16.Type: return try int(Int16.self) as! T
        case is Int8.Type: return try int(Int8.self) as! T
        case is UInt.Type: return try uint(UInt.self) as! T
        case is UInt64.Type: return try uint(UInt64.self) as! T
        case is UInt32.Type: return try uint(UInt32.self) as! T
        case is UInt16.Type: return try uint(UInt16.self) as! T
        case is UInt8.Type: return try uint(UInt8.self) as! T
        case is Bool.Type:
            let b = try byte()
            guard b <= 1 else { throw corrupted("not a boolean") }
            return (b == 1) as! T
        case is String.Type:
            let n = try count()
            guard position + n <= bytes.count else { throw corrupted("a string longer than the data") }
            defer { position += n }
            return String(decoding: bytes[position..<(position + n)], as: UTF8.self) as! T
        default: return try T(from: _Decoder(source: self))
        }
    }
}

private struct _Decoder: Decoder {
    let source: _Source
    var codingPath: [CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(_KeyedDec<Key>(source: source))
    }
    func unkeyedContainer() throws -> UnkeyedDecodingContainer { try _UnkeyedDec(source: source) }
    func singleValueContainer() throws -> SingleValueDecodingContainer { _SingleDec(source: source) }
}

private struct _KeyedDec<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let source: _Source
    var codingPath: [CodingKey] = []
    var allKeys: [Key] { [] }
    func contains(_ key: Key) -> Bool { true }
    /// Optionals are not supported (see `BinaryCoding`): every value is present.
    func decodeNil(forKey key: Key) throws -> Bool { false }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try source.value(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try source.value(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try source.value(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try source.value(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try source.value(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try source.value(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try source.value(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try source.value(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try source.value(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try source.value(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try source.value(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try source.value(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try source.value(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try source.value(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try source.value(type) }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(_KeyedDec<NestedKey>(source: source))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try _UnkeyedDec(source: source) }
    func superDecoder() throws -> Decoder { _Decoder(source: source) }
    func superDecoder(forKey key: Key) throws -> Decoder { _Decoder(source: source) }
}

private struct _UnkeyedDec: UnkeyedDecodingContainer {
    let source: _Source
    var codingPath: [CodingKey] = []
    var count: Int?
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex >= count! }
    init(source: _Source) throws { self.source = source; count = try source.count() }
    private mutating func advance() throws {
        guard !isAtEnd else { throw source.corrupted("more elements read than the \(count!) written") }
        currentIndex += 1
    }
    mutating func decodeNil() throws -> Bool { false }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try advance(); return try source.value(type) }
    mutating func decode(_ type: String.Type) throws -> String { try advance(); return try source.value(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try advance(); return try source.value(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try advance(); return try source.value(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try advance(); return try source.value(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try advance(); return try source.value(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try advance(); return try source.value(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try advance(); return try source.value(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try advance(); return try source.value(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try advance(); return try source.value(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try advance(); return try source.value(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try advance(); return try source.value(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try advance(); return try source.value(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try advance(); return try source.value(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try advance(); return try source.value(type) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try advance(); return KeyedDecodingContainer(_KeyedDec<NestedKey>(source: source))
    }
    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try advance(); return try _UnkeyedDec(source: source) }
    mutating func superDecoder() throws -> Decoder { try advance(); return _Decoder(source: source) }
}

private struct _SingleDec: SingleValueDecodingContainer {
    let source: _Source
    var codingPath: [CodingKey] = []
    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool { try source.value(type) }
    func decode(_ type: String.Type) throws -> String { try source.value(type) }
    func decode(_ type: Double.Type) throws -> Double { try source.value(type) }
    func decode(_ type: Float.Type) throws -> Float { try source.value(type) }
    func decode(_ type: Int.Type) throws -> Int { try source.value(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try source.value(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try source.value(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try source.value(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try source.value(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try source.value(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try source.value(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try source.value(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try source.value(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try source.value(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try source.value(type) }
}

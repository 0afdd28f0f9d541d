#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The checks every input file passes before its bytes are parsed (`CSVReader.readFile`, and so
/// every TOML and CSV input): what kind of file it is and how large, so that no input can block a
/// command forever or exhaust memory.
///
/// - A regular file is read up to `maximumBytes` (1 GiB); a larger one (for example a huge sparse
///   file) is refused before anything is allocated.
/// - A pipe is read in 1 MiB chunks and refused once it passes `maximumBytes` (an endless pipe
///   such as `<(yes)`). A named pipe (FIFO) that no process opens for writing within
///   `fifoWriterTimeout` (2 s) is refused; process substitution (`<(command)`) has its writer.
/// - A folder, a device (such as `/dev/zero`, which never ends) or a socket is refused.
/// - A symbolic-link loop is reported as such, not as a missing file.
///
/// Errors are `InputError`s naming the file and what was expected and found.
public enum InputFile {
    /// The largest input read: 1 GiB (a panel of 10 million rows of 100 bytes).
    public static let maximumBytes = 1 << 30
    /// How long a named pipe may wait for its first writer, in milliseconds.
    public static let fifoWriterTimeout: Int32 = 2000

    /// The bytes of the input at `path`, by the rules of the type.
    public static func read(_ path: String) throws(InputError) -> [UInt8] {
        let bytes = try readBytes(path)
        return Array(bytes.buffer)
    }

    /// The bytes of the input at `path`, by the rules of the type, in a buffer of their own
    /// followed by zero bytes (`InputBytes`): a regular file is read straight into it (no
    /// intermediate copy; large files in 2 MiB pages, see `_PageMemory`).
    public static func readBytes(_ path: String) throws(InputError) -> InputBytes {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ELOOP {
                throw InputError(file: path, expected: "a readable file", found: "a symbolic link in a loop")
            }
            throw InputError(file: path, expected: "a readable file", found: String(cString: strerror(code)).lowercased())
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            throw InputError(file: path, expected: "a readable file", found: String(cString: strerror(errno)).lowercased())
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            throw InputError(file: path, expected: "a file", found: "a folder")
        case S_IFREG:
            if Int(st.st_size) > maximumBytes {
                throw InputError(file: path, expected: "an input file of at most \(maximumBytes >> 20) MiB",
                                 found: "\(st.st_size) bytes")
            }
        case S_IFIFO:
            // Wait (boundedly) for data or the end of the pipe; a FIFO with no writer shows neither.
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            var ready: Int32
            repeat { ready = poll(&p, 1, fifoWriterTimeout) } while ready < 0 && errno == EINTR
            if ready == 0 {
                throw InputError(file: path, expected: "a pipe that a process writes to",
                                 found: "a named pipe (FIFO) that no process wrote to within \(fifoWriterTimeout / 1000) seconds")
            }
        default:
            throw InputError(file: path, expected: "a regular file", found: "a device or socket")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        // A regular file: room for its size and one byte more, so that the read that finds the
        // end needs no growth (a file that grows meanwhile grows the buffer). A pipe: 1 MiB first.
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        let result = InputBytes(capacity: regular ? Int(st.st_size) + 1 : 1 << 20)
        while true {
            if result.free == 0 { result.grow() }
            let got = Glibc.read(fd, result.end, Swift.min(result.free, 1 << 30))
            if got < 0 {
                if errno == EINTR { continue }
                throw InputError(file: path, expected: "a readable file", found: String(cString: strerror(errno)).lowercased())
            }
            if got == 0 { break }
            if result.count + got > maximumBytes {
                throw InputError(file: path, expected: "an input of at most \(maximumBytes >> 20) MiB",
                                 found: "more (a file or pipe that grows without end?)")
            }
            result.added(got)
        }
        return result
    }
}

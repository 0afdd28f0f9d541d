import CoopData
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The HTTP side of `coopsim serve` (Hummingbird): one page, its script and style, and a JSON API.
///
/// | route | does |
/// |---|---|
/// | `GET /` | the page (`ExplorerPage`) |
/// | `GET /app.js`, `GET /app.css` | its script and style (no CDN, nothing fetched at run time) |
/// | `GET /api/scenarios` | `Explorer.catalogJSON()` |
/// | `POST /api/run` | `Explorer.evaluate` |
/// | `POST /api/save` | `Explorer.save` |
/// | `POST /api/export` | `Explorer.export` |
///
/// Safe by construction: the API takes lever values only (never paths, formulas or file names beyond a
/// checked file stem), bodies over `ExplorerRequest.maximumBodyBytes` are refused (413), at most
/// `simulations` requests compute at once (the others wait in turn), a later request of a page
/// (`session`, higher `seq`) supersedes its earlier ones that have not started (409), and requests whose
/// `Host` is not the server's own address are refused (421), so another web site cannot drive the
/// server through the browser (DNS rebinding).
public struct ExplorerServer: Sendable {
    public let explorer: Explorer
    public let host: String
    public let port: Int
    /// Simulations at once (default: the cores).
    public let simulations: Int

    public init(explorer: Explorer, host: String, port: Int, simulations: Int) {
        self.explorer = explorer; self.host = host; self.port = port; self.simulations = max(1, simulations)
    }

    /// Runs until SIGINT or SIGTERM. `started(port)` is called once the socket listens (the actual port
    /// when `port` is 0).
    public func run(started: @escaping @Sendable (Int) -> Void) async throws {
        let gate = SimulationGate(permits: simulations)
        let explorer = self.explorer
        let router = Router()
        router.add(middleware: GuardMiddleware(host: host))
        router.get("/") { _, _ in Self.response(200, ExplorerPage.html, type: "text/html; charset=utf-8") }
        router.get("/app.js") { _, _ in Self.response(200, ExplorerPage.script, type: "text/javascript; charset=utf-8") }
        router.get("/app.css") { _, _ in Self.response(200, ExplorerPage.style, type: "text/css; charset=utf-8") }
        router.get("/api/scenarios") { _, _ in Self.response(200, explorer.catalogJSON()) }
        for (route, action) in [("/api/run", Action.run), ("/api/save", .save), ("/api/export", .export)] {
            router.post(RouterPath(stringLiteral: route)) { request, _ in
                await Self.handle(request, action: action, explorer: explorer, gate: gate)
            }
        }
        // Only warnings and errors of the server itself reach standard error (coopsim prints its own address line).
        var logger = Logger(label: "coopsim-serve")
        logger.logLevel = .warning
        let app = Application(router: router,
                              configuration: .init(address: .hostname(host, port: port), serverName: "coopsim"),
                              onServerRunning: { channel in started(channel.localAddress?.port ?? port) }, logger: logger)
        try await app.runService()
    }

    enum Action: Sendable { case run, save, export }

    static func handle(_ request: Request, action: Action, explorer: Explorer, gate: SimulationGate) async -> Response {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: ExplorerRequest.maximumBodyBytes) } catch {
            return failure(ExplorerError(413, "the request body is larger than \(ExplorerRequest.maximumBodyBytes) bytes"))
        }
        do {
            let r = try ExplorerRequest(json: Data(body.readableBytesView))
            // Only live runs supersede each other; save and export always complete.
            let ticket = try await gate.enter(session: action == .run ? r.session : nil, seq: r.seq)
            let outcome = await Task.detached(priority: .userInitiated) { () -> Result<String, ExplorerError> in
                do {
                    switch action {
                    case .run: return .success(try explorer.evaluate(r))
                    case .save: return .success(try explorer.save(r))
                    case .export: return .success(try explorer.export(r))
                    }
                } catch let e as ExplorerError { return .failure(e) } catch { return .failure(ExplorerError(500, "\(error)")) }
            }.value
            await gate.leave(ticket)
            let text = try outcome.get()
            return response(200, text)
        } catch let e as ExplorerError {
            return failure(e)
        } catch {
            return failure(ExplorerError(500, "\(error)"))
        }
    }

    static func failure(_ e: ExplorerError) -> Response {
        response(e.status, "{\"error\": \(JSONText.string(e.message)), \"status\": \(e.status)}\n")
    }

    static func response(_ status: Int, _ text: String, type: String = "application/json; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Refuses requests addressed to another host name than the server's own (421) and methods other than
/// GET and POST (405).
struct GuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let host: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .post else {
            return ExplorerServer.failure(ExplorerError(405, "only GET and POST are served"))
        }
        if let h = request.head.authority, !allowed(h) {
            return ExplorerServer.failure(ExplorerError(421, "Host '\(h)' is not this server's address"))
        }
        return try await next(request, context)
    }

    func allowed(_ header: String) -> Bool {
        // Host without its port ("[::1]:8080" -> "::1").
        var name = header
        if name.hasPrefix("["), let end = name.firstIndex(of: "]") { name = String(name[name.index(after: name.startIndex)..<end]) }
        else if let colon = name.lastIndex(of: ":") { name = String(name[..<colon]) }
        let loopback = ["127.0.0.1", "localhost", "::1"]
        if loopback.contains(host) { return loopback.contains(name) }
        return host == "0.0.0.0" || host == "::" || name == host
    }
}

/// At most `permits` simulations at once; a page's later request supersedes its earlier ones that wait.
actor SimulationGate {
    struct Ticket: Sendable { var id: Int }
    private var free: Int
    private var waiting: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var latest: [String: Int] = [:]
    private var order: [String] = []
    private var nextID = 0

    init(permits: Int) { free = permits }

    /// Waits for a free slot. Throws 409 when a request of the same session with a higher `seq` arrived
    /// before this one could start.
    func enter(session: String?, seq: Int) async throws(ExplorerError) -> Ticket {
        if let s = session {
            if let l = latest[s], l > seq { throw ExplorerError(409, "superseded by a later request of this page (seq \(l))") }
            if latest[s] == nil {
                order.append(s)
                // Bounded memory: remember the latest 1,000 pages.
                if order.count > 1000 { latest[order.removeFirst()] = nil }
            }
            latest[s] = seq
        }
        nextID += 1
        let id = nextID
        if free > 0 { free -= 1 } else {
            await withCheckedContinuation { c in waiting.append((id, c)) }
        }
        if let s = session, let l = latest[s], l > seq {
            leave(Ticket(id: id))
            throw ExplorerError(409, "superseded by a later request of this page (seq \(l))")
        }
        return Ticket(id: id)
    }

    func leave(_ ticket: Ticket) {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().continuation.resume() }
    }
}

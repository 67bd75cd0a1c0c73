import Hummingbird
import NIOCore

/// The request context of the sandbox's router: Hummingbird's basic context plus the connection, so the
/// accept-then-drop fault can reset it.
public struct SandboxRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    let channel: any Channel

    /// Creates the context for one request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

import Hummingbird
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The control socket on a thread of its own. fleetd runs Swift tasks on the event loops that
/// serve the VMs (main.swift); without this, a 10,000-VM listing or export rendered in a handler
/// would hold up a VM loop's I/O, and requests would queue behind the VMs' work. Here the
/// server's I/O and every task it starts (its children inherit the preference) run on one loop
/// that serves nothing else. (It does not cure the status stall during the first inventory burst
/// of 10,000 VMs, when both cores are saturated: BENCHMARKS.md.)
public struct ControlService<App: ApplicationProtocol>: Service {
    let app: App
    let executor: EventLoopTaskExecutor

    init(app: App, loop: any EventLoop) {
        self.app = app
        self.executor = EventLoopTaskExecutor(loop: loop)
    }

    public func run() async throws {
        try await withTaskExecutorPreference(executor) {
            try await app.run()
        }
    }
}

/// An event loop as a Swift task executor: jobs run on the loop's thread, in order.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension ControlServer {
    /// The loop the control socket's server runs on, apart from the VMs' loops.
    static let controlLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
}

#if canImport(Glibc)
import Glibc
#endif
import LineEditor
import RosterScript

/// Ctrl-C. The handler only sets flags (async-signal-safe): the interpreter's interrupt flag,
/// and the line editor's, so `el_gets` returns and the line is dropped. A SIGINT that lands on
/// another thread is forwarded to the one running the session, whose read must be interrupted.
enum Signals {
    nonisolated(unsafe) static var sessionThread: pthread_t?

    /// Ctrl-C stops the running command; with `terminating` (a script run, not the prompt),
    /// SIGTERM ends the run the same way, so the journal and the failures file close whole
    /// (exit 130). At the prompt SIGTERM keeps its default: the process ends.
    static func installInterruptHandler(terminating: Bool = false) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            if let t = Signals.sessionThread, pthread_equal(pthread_self(), t) == 0 {
                pthread_kill(t, SIGINT)
                return
            }
            Interrupt.request()
            EditLineReader.interruptPending = 1
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0   // no SA_RESTART: a blocked read returns EINTR
        sigaction(SIGINT, &action, nil)
        if terminating { sigaction(SIGTERM, &action, nil) }
        // A parent may have started us with SIGINT blocked; threads made from here inherit this mask.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Runs `body` on a thread with a large stack (deep recursion in scripts), waiting for it.
    static func runOnLargeStack(_ body: @escaping () -> Int32) -> Int32 {
        final class Box { let body: () -> Int32; var result: Int32 = 0; init(_ b: @escaping () -> Int32) { body = b } }
        let box = Box(body)
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, 512 << 20)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(box).toOpaque()
        let created = pthread_create(&thread, &attr, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            Signals.sessionThread = pthread_self()
            box.result = box.body()
            return nil
        }, context)
        pthread_attr_destroy(&attr)
        guard created == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            return body()
        }
        pthread_join(thread, nil)
        return box.result
    }
}

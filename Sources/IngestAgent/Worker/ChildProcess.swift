import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process in its own process group, with stdout and stderr on pipes. Killing it kills the group, so a
/// worker that started helpers cannot leave them holding the pipes open.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let stdout: FileHandle
    let stderr: FileHandle

    /// Spawns `executable` with `arguments` (argv[0] is the executable path) and this process's environment plus
    /// `environment`.
    init(executable: String, arguments: [String], environment: [String: String] = [:]) throws(WorkerFailure) {
        var out: [Int32] = [0, 0]
        var err: [Int32] = [0, 0]
        guard pipe(&out) == 0 else { throw .cannotStart("cannot create a pipe: \(errnoText())") }
        guard pipe(&err) == 0 else {
            close(out[0])
            close(out[1])
            throw .cannotStart("cannot create a pipe: \(errnoText())")
        }
        // Our ends stay out of other children the agent starts; dup2 clears the flag on the child's copies.
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(out[1])
        close(err[1])
        guard status == 0 else {
            close(out[0])
            close(err[0])
            throw .cannotStart("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        stdout = FileHandle(fileDescriptor: out[0], closeOnDealloc: true)
        stderr = FileHandle(fileDescriptor: err[0], closeOnDealloc: true)
    }

    /// Closes this side of both pipes once they are read to their end.
    func closePipes() {
        try? stdout.close()
        try? stderr.close()
    }

    /// Sends `signal` to the whole process group.
    func kill(_ signal: Int32) {
        _ = Glibc.kill(-pid, signal)
    }

    enum Exit: Equatable {
        case status(Int32)
        case signal(Int32)
    }

    /// Blocks until the child exits (call it from a dedicated thread).
    func wait() -> Exit {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .status(-1) }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7F
        return signal == 0 ? .status((status >> 8) & 0xFF) : .signal(signal)
    }
}

/// The text of the current `errno`.
private func errnoText() -> String {
    String(cString: strerror(errno))
}

/// How the media worker (`reel-ingest-media`) ends, for the agent that runs it: the status says what kind of failure
/// it was, its last line on stderr says which.
public enum WorkerExitStatus {
    public static let success: Int32 = 0
    /// The probe or the transcode failed (the source, libav, a file it could not write).
    public static let failed: Int32 = 1
    /// Bad usage or an invalid configuration.
    public static let usage: Int32 = 2
    /// The output's filesystem is full (ENOSPC): the machine's condition, not the source's; the job waits for room.
    public static let outOfSpace: Int32 = 3
}

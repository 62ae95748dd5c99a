import Foundation
import IngestCore
import IngestPublish
import IngestStore
import Logging

/// What every job run shares: the database, the configuration in force, the store and its upload lane, the upload
/// stage's slots, scratch space, the media worker and the CDN.
struct PipelineContext: Sendable {
    let database: any JobStore
    let box: ConfigBox
    let logger: Logger
    let store: any ObjectStore
    let lane: UploadLane
    let uploadSlots: SlotPool
    let scratch: ScratchSpace
    /// `reel-ingest-media`, beside the agent's executable.
    let mediaWorker: String
    /// The agent's configuration file, passed to the worker so it applies the same profiles and limits.
    let configFile: String?
    /// Credentials for CloudFront (the storage's); nil when none are configured.
    let cdnCredentials: SigV4Credentials?
    /// How `video.json` is written: conditionally where the store honours it.
    let manifests: ManifestCommit
    /// Intake's probe answers, used instead of probing the same file again.
    var probeAnswers: ProbeAnswers? = nil
}

import Foundation
import IngestCore

/// A value bound to a statement parameter, for the SQL both stores run alike.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case date(Date)
}

/// What may be passed as a statement argument.
protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension Int: SQLBindable { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { var sqlValue: SQLValue { .text(self) } }
extension Date: SQLBindable { var sqlValue: SQLValue { .date(self) } }
extension JobState: SQLBindable { var sqlValue: SQLValue { .text(rawValue) } }
extension UploadRecord.State: SQLBindable { var sqlValue: SQLValue { .text(rawValue) } }
extension HTTPUploadRecord.State: SQLBindable { var sqlValue: SQLValue { .text(rawValue) } }
extension AgentRecord.State: SQLBindable { var sqlValue: SQLValue { .text(rawValue) } }
extension CDNActionRecord.Status: SQLBindable { var sqlValue: SQLValue { .text(rawValue) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension SQLValue: SQLBindable {
    var sqlValue: SQLValue { self }
}

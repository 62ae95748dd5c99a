import GRDB

extension StatementArguments {
    /// Arguments of SQL shared with the PostgreSQL store.
    init(sql values: [any SQLBindable]) {
        self.init(
            values.map { value -> (any DatabaseValueConvertible)? in
                switch value.sqlValue {
                case .null: nil
                case .integer(let integer): integer
                case .real(let real): real
                case .text(let text): text
                case .date(let date): date
                }
            }
        )
    }
}

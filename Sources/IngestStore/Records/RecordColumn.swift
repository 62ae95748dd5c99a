import GRDB

/// The coding keys of the store's record types. Their raw values are the columns' names, snake_case in both stores,
/// so rows decode without converting names row by row; `propertyName` is the Swift property's camelCase name, which
/// JSON for people (the CLI's `--json`) keeps using.
public protocol RecordColumn: CodingKey, ColumnExpression, RawRepresentable<String> {}

extension RecordColumn {
    public var propertyName: String {
        let words = rawValue.split(separator: "_")
        guard let first = words.first else { return rawValue }
        return words.dropFirst().reduce(String(first)) { $0 + $1.prefix(1).uppercased() + $1.dropFirst() }
    }
}

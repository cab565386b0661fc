// The traceability matrix as CSV (RFC 4180): one row per requirement item, its links up and down, the
// code that implements it and the tests that verify it.

import Foundation

public enum CSVReport {
    /// The header row. `Implemented` and `Verified` are the rolled-up status (`yes`/`no`, see
    /// `ReportIndex`); list cells hold one entry per line. `Coverage` is there when the report was made
    /// with a coverage file.
    public static let header = [
        "ID", "Kind", "ASIL", "Status", "Rev", "Title", "Location", "Parents", "Children",
        "Implemented by", "Verified by", "Implemented", "Verified", "Defects",
    ]

    /// The matrix as rows of cells, header first.
    public static func rows(_ index: ReportIndex) -> [[String]] {
        var rows = [header + (index.hasCoverage ? ["Coverage"] : [])]
        for item in index.items {
            rows.append([
                item.id,
                ReportIndex.levelCode(item.kind),
                item.asil?.description ?? "",
                item.status ?? "",
                String(item.rev),
                item.title,
                item.location.description,
                (index.parents[item.id] ?? []).joined(separator: "\n"),
                (index.children[item.id] ?? []).joined(separator: "\n"),
                (index.implementations[item.id] ?? []).map(ReportIndex.tagText).joined(separator: "\n"),
                (index.verifications[item.id] ?? []).map(ReportIndex.tagText).joined(separator: "\n"),
                index.implemented.contains(item.id) ? "yes" : "no",
                index.verified.contains(item.id) ? "yes" : "no",
                String(index.defects(of: item.id).count),
            ] + (index.hasCoverage ? [index.coverageText(item.id)] : []))
        }
        return rows
    }

    /// The CSV text: CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF.
    public static func render(_ report: TraceReport) -> String {
        format(rows(ReportIndex(report)))
    }

    public static func format(_ rows: [[String]]) -> String {
        rows.map { $0.map(field).joined(separator: ",") + "\r\n" }.joined()
    }

    static func field(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Reads RFC 4180 CSV (CRLF or LF line ends) back into rows of cells; nil when a quoted field is not
    /// closed or a quote appears inside an unquoted field.
    public static func parse(_ text: String) -> [[String]]? {
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false       // inside a quoted field
        var wasQuoted = false    // the current field was quoted (only a separator may follow)
        var scalars = Array(text.unicodeScalars)[...]
        var atRowStart = true
        while let c = scalars.popFirst() {
            if quoted {
                if c == "\"" {
                    if scalars.first == "\"" {
                        scalars.removeFirst()
                        cell.unicodeScalars.append("\"")
                    } else {
                        quoted = false
                        wasQuoted = true
                    }
                } else {
                    cell.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                row.append(cell); cell = ""; wasQuoted = false; atRowStart = false
            case "\r", "\n":
                if c == "\r" {
                    guard scalars.first == "\n" else { return nil }
                    scalars.removeFirst()
                }
                row.append(cell); rows.append(row)
                row = []; cell = ""; wasQuoted = false; atRowStart = true
            case "\"":
                guard cell.isEmpty, !wasQuoted else { return nil }
                quoted = true; atRowStart = false
            default:
                guard !wasQuoted else { return nil }
                cell.unicodeScalars.append(c); atRowStart = false
            }
        }
        if quoted { return nil }
        if !atRowStart { row.append(cell); rows.append(row) }
        return rows
    }
}

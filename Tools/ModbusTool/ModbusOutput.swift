// How `orion modbus read` prints values: mbpoll's table (`[ref]: \tvalue`) or one JSON object.

/// Formats `values` read from `table` starting at reference `firstReference` (as the user numbers them).
public enum ModbusOutput {
    /// mbpoll's layout: one line per value, `[reference]: ` then a tab and the value; registers are signed
    /// 16-bit decimal like mbpoll's default `-t 4` (unsigned with `unsigned`).
    public static func table(_ values: [UInt16], table: ModbusPollTable, firstReference: Int, unsigned: Bool = false) -> String {
        var out = ""
        for (i, v) in values.enumerated() {
            let shown = table.isBits || unsigned ? String(v) : String(Int16(bitPattern: v))
            out += "[\(firstReference + i)]: \t\(shown)\n"
        }
        return out
    }

    /// `{"table":"holding registers","unit":1,"reference":1,"address":0,"values":[...]}` and a newline.
    public static func json(_ values: [UInt16], table: ModbusPollTable, unit: Int, firstReference: Int, address: Int) -> String {
        "{\"table\":\"\(table.name)\",\"unit\":\(unit),\"reference\":\(firstReference),\"address\":\(address),\"values\":["
            + values.map { String($0) }.joined(separator: ",") + "]}\n"
    }

    /// The JSON of a failed request: `{"error":"...","exception":2}` (exception only for an exception reply).
    public static func jsonError(_ message: String, exception: UInt8? = nil) -> String {
        var escaped = ""
        for ch in message {
            if ch == "\\" || ch == "\"" { escaped.append("\\") }
            escaped.append(ch)
        }
        return "{\"error\":\"\(escaped)\"" + (exception.map { ",\"exception\":\($0)" } ?? "") + "}\n"
    }
}

// The requirement items as ReqIF 1.2 (OMG ReqIF, namespace http://www.omg.org/spec/ReqIF/20110401/reqif.xsd),
// for requirement tools such as StrictDoc, DOORS or Polarion.
//
// One specification holds a chapter per level (safety goals, FSR, TSR, SWR), each chapter the items of
// that level. Items are spec objects of type "Requirement" whose attributes use the names requirement
// tools map by convention: ReqIF.ForeignID (the item ID), ReqIF.Name (title), ReqIF.Text (body, XHTML),
// then ASIL, Status (an enumeration), Rev (an integer), Kind, Needs and Source (file:line). Chapters are
// spec objects of type "Section" with ReqIF.ChapterName. Every resolved `covers` link is a spec relation
// of type "Parent" from the child (source) to the parent (target).

import Foundation

public enum ReqIFReport {
    public static let namespace = "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"
    public static let xhtmlNamespace = "http://www.w3.org/1999/xhtml"

    /// Identifiers of the fixed parts. Items use `SO-` (spec object) and `SH-` (hierarchy) followed by
    /// their encoded ID, chapters `SC-` and `SHC-` followed by the level, so nothing collides.
    enum Fixed {
        static let header = "HEADER-orion-trace"
        static let string = "DT-STRING", xhtml = "DT-XHTML", integer = "DT-INTEGER", status = "DT-STATUS"
        static let requirementType = "T-REQUIREMENT", sectionType = "T-SECTION"
        static let parentType = "T-PARENT", specificationType = "T-SPECIFICATION"
        static let specification = "SPEC-orion-trace"
    }

    /// The attributes of a requirement: identifier, long name, data type.
    enum Attribute: CaseIterable {
        case foreignID, name, text, asil, status, rev, kind, needs, source

        var identifier: String {
            switch self {
            case .foreignID: "AD-ID"
            case .name: "AD-TITLE"
            case .text: "AD-TEXT"
            case .asil: "AD-ASIL"
            case .status: "AD-STATUS"
            case .rev: "AD-REV"
            case .kind: "AD-KIND"
            case .needs: "AD-NEEDS"
            case .source: "AD-SOURCE"
            }
        }

        var longName: String {
            switch self {
            case .foreignID: "ReqIF.ForeignID"
            case .name: "ReqIF.Name"
            case .text: "ReqIF.Text"
            case .asil: "ASIL"
            case .status: "Status"
            case .rev: "Rev"
            case .kind: "Kind"
            case .needs: "Needs"
            case .source: "Source"
            }
        }

        /// STRING, XHTML, INTEGER or ENUMERATION (the element name part).
        var type: String {
            switch self {
            case .text: "XHTML"
            case .rev: "INTEGER"
            case .status: "ENUMERATION"
            default: "STRING"
            }
        }

        var datatype: String {
            switch type {
            case "XHTML": Fixed.xhtml
            case "INTEGER": Fixed.integer
            case "ENUMERATION": Fixed.status
            default: Fixed.string
            }
        }
    }

    static let sectionName = "AD-CHAPTER-NAME"

    /// The ReqIF document. `title` names the header and the specification; `date` is written as the
    /// creation time and as every LAST-CHANGE.
    public static func render(_ report: TraceReport, title: String = "Orion RT safety requirements", date: Date = Date()) -> String {
        let index = ReportIndex(report)
        let when = timestamp(date)
        var x = XMLWriter()
        x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        x.open("REQ-IF", ["xmlns": namespace, "xmlns:xhtml": xhtmlNamespace])

        x.open("THE-HEADER")
        x.open("REQ-IF-HEADER", ["IDENTIFIER": Fixed.header])
        x.leaf("COMMENT", text: "Traceability items exported by orion trace report")
        x.leaf("CREATION-TIME", text: when)
        x.leaf("REQ-IF-TOOL-ID", text: "orion trace report")
        x.leaf("REQ-IF-VERSION", text: "1.0")
        x.leaf("SOURCE-TOOL-ID", text: "Orion RT SafetyTrace")
        x.leaf("TITLE", text: title)
        x.close("REQ-IF-HEADER")
        x.close("THE-HEADER")

        x.open("CORE-CONTENT")
        x.open("REQ-IF-CONTENT")

        x.open("DATATYPES")
        x.empty("DATATYPE-DEFINITION-STRING", ["IDENTIFIER": Fixed.string, "LAST-CHANGE": when, "LONG-NAME": "String", "MAX-LENGTH": "65535"])
        x.empty("DATATYPE-DEFINITION-XHTML", ["IDENTIFIER": Fixed.xhtml, "LAST-CHANGE": when, "LONG-NAME": "XHTML"])
        x.empty("DATATYPE-DEFINITION-INTEGER", ["IDENTIFIER": Fixed.integer, "LAST-CHANGE": when, "LONG-NAME": "Integer", "MAX": "2147483647", "MIN": "0"])
        x.open("DATATYPE-DEFINITION-ENUMERATION", ["IDENTIFIER": Fixed.status, "LAST-CHANGE": when, "LONG-NAME": "Status"])
        x.open("SPECIFIED-VALUES")
        for (key, status) in RequirementParser.statuses.sorted().enumerated() {
            x.open("ENUM-VALUE", ["IDENTIFIER": statusValue(status), "LAST-CHANGE": when, "LONG-NAME": status])
            x.open("PROPERTIES")
            x.empty("EMBEDDED-VALUE", ["KEY": String(key), "OTHER-CONTENT": status])
            x.close("PROPERTIES")
            x.close("ENUM-VALUE")
        }
        x.close("SPECIFIED-VALUES")
        x.close("DATATYPE-DEFINITION-ENUMERATION")
        x.close("DATATYPES")

        x.open("SPEC-TYPES")
        x.open("SPEC-OBJECT-TYPE", ["IDENTIFIER": Fixed.requirementType, "LAST-CHANGE": when, "LONG-NAME": "Requirement"])
        x.open("SPEC-ATTRIBUTES")
        for attribute in Attribute.allCases {
            var attributes = ["IDENTIFIER": attribute.identifier, "LAST-CHANGE": when, "LONG-NAME": attribute.longName]
            if attribute.type == "ENUMERATION" { attributes["MULTI-VALUED"] = "false" }
            x.open("ATTRIBUTE-DEFINITION-\(attribute.type)", attributes)
            x.open("TYPE")
            x.leaf("DATATYPE-DEFINITION-\(attribute.type)-REF", text: attribute.datatype)
            x.close("TYPE")
            x.close("ATTRIBUTE-DEFINITION-\(attribute.type)")
        }
        x.close("SPEC-ATTRIBUTES")
        x.close("SPEC-OBJECT-TYPE")
        x.open("SPEC-OBJECT-TYPE", ["IDENTIFIER": Fixed.sectionType, "LAST-CHANGE": when, "LONG-NAME": "Section"])
        x.open("SPEC-ATTRIBUTES")
        x.open("ATTRIBUTE-DEFINITION-STRING", ["IDENTIFIER": sectionName, "LAST-CHANGE": when, "LONG-NAME": "ReqIF.ChapterName"])
        x.open("TYPE")
        x.leaf("DATATYPE-DEFINITION-STRING-REF", text: Fixed.string)
        x.close("TYPE")
        x.close("ATTRIBUTE-DEFINITION-STRING")
        x.close("SPEC-ATTRIBUTES")
        x.close("SPEC-OBJECT-TYPE")
        x.empty("SPEC-RELATION-TYPE", ["IDENTIFIER": Fixed.parentType, "LAST-CHANGE": when, "LONG-NAME": "Parent"])
        x.empty("SPECIFICATION-TYPE", ["IDENTIFIER": Fixed.specificationType, "LAST-CHANGE": when, "LONG-NAME": "Specification"])
        x.close("SPEC-TYPES")

        // Chapters: one per level that has items.
        let levels = Dictionary(grouping: index.items) { ReportIndex.levelRank($0.kind) }
        let chapters = levels.keys.sorted().map { rank -> (id: String, name: String, items: [RequirementItem]) in
            let kind = levels[rank]![0].kind
            return (ReportIndex.levelCode(kind), ReportIndex.levelName(kind), levels[rank]!)
        }

        x.open("SPEC-OBJECTS")
        for chapter in chapters {
            x.open("SPEC-OBJECT", ["IDENTIFIER": "SC-" + chapter.id, "LAST-CHANGE": when])
            x.open("VALUES")
            stringValue(&x, sectionName, chapter.name)
            x.close("VALUES")
            x.open("TYPE")
            x.leaf("SPEC-OBJECT-TYPE-REF", text: Fixed.sectionType)
            x.close("TYPE")
            x.close("SPEC-OBJECT")
        }
        for item in index.items {
            x.open("SPEC-OBJECT", ["IDENTIFIER": objectID(item.id), "LAST-CHANGE": when, "LONG-NAME": item.id])
            x.open("VALUES")
            stringValue(&x, Attribute.foreignID.identifier, item.id)
            stringValue(&x, Attribute.name.identifier, item.title)
            if !item.body.isEmpty {
                x.open("ATTRIBUTE-VALUE-XHTML")
                x.open("DEFINITION")
                x.leaf("ATTRIBUTE-DEFINITION-XHTML-REF", text: Attribute.text.identifier)
                x.close("DEFINITION")
                x.open("THE-VALUE")
                x.raw(xhtml(item.body))
                x.close("THE-VALUE")
                x.close("ATTRIBUTE-VALUE-XHTML")
            }
            if let asil = item.asil { stringValue(&x, Attribute.asil.identifier, asil.description) }
            if let status = item.status, RequirementParser.statuses.contains(status) {
                x.open("ATTRIBUTE-VALUE-ENUMERATION")
                x.open("DEFINITION")
                x.leaf("ATTRIBUTE-DEFINITION-ENUMERATION-REF", text: Attribute.status.identifier)
                x.close("DEFINITION")
                x.open("VALUES")
                x.leaf("ENUM-VALUE-REF", text: statusValue(status))
                x.close("VALUES")
                x.close("ATTRIBUTE-VALUE-ENUMERATION")
            }
            x.open("ATTRIBUTE-VALUE-INTEGER", ["THE-VALUE": String(item.rev)])
            x.open("DEFINITION")
            x.leaf("ATTRIBUTE-DEFINITION-INTEGER-REF", text: Attribute.rev.identifier)
            x.close("DEFINITION")
            x.close("ATTRIBUTE-VALUE-INTEGER")
            stringValue(&x, Attribute.kind.identifier, ReportIndex.levelCode(item.kind))
            if !item.needs.isEmpty {
                stringValue(&x, Attribute.needs.identifier, item.needs.map(\.description).joined(separator: ", "))
            }
            stringValue(&x, Attribute.source.identifier, item.location.description)
            x.close("VALUES")
            x.open("TYPE")
            x.leaf("SPEC-OBJECT-TYPE-REF", text: Fixed.requirementType)
            x.close("TYPE")
            x.close("SPEC-OBJECT")
        }
        x.close("SPEC-OBJECTS")

        x.open("SPEC-RELATIONS")
        var relation = 0
        for item in index.items {
            for parent in index.parents[item.id] ?? [] {
                relation += 1
                x.open("SPEC-RELATION", ["IDENTIFIER": "SR-\(relation)", "LAST-CHANGE": when, "LONG-NAME": "\(item.id) covers \(parent)"])
                x.open("SOURCE")
                x.leaf("SPEC-OBJECT-REF", text: objectID(item.id))
                x.close("SOURCE")
                x.open("TARGET")
                x.leaf("SPEC-OBJECT-REF", text: objectID(parent))
                x.close("TARGET")
                x.open("TYPE")
                x.leaf("SPEC-RELATION-TYPE-REF", text: Fixed.parentType)
                x.close("TYPE")
                x.close("SPEC-RELATION")
            }
        }
        x.close("SPEC-RELATIONS")

        x.open("SPECIFICATIONS")
        x.open("SPECIFICATION", ["IDENTIFIER": Fixed.specification, "LAST-CHANGE": when, "LONG-NAME": title])
        x.open("TYPE")
        x.leaf("SPECIFICATION-TYPE-REF", text: Fixed.specificationType)
        x.close("TYPE")
        x.open("CHILDREN")
        for chapter in chapters {
            x.open("SPEC-HIERARCHY", ["IDENTIFIER": "SHC-" + chapter.id, "LAST-CHANGE": when])
            x.open("OBJECT")
            x.leaf("SPEC-OBJECT-REF", text: "SC-" + chapter.id)
            x.close("OBJECT")
            x.open("CHILDREN")
            for item in chapter.items {
                x.open("SPEC-HIERARCHY", ["IDENTIFIER": "SH-" + encode(item.id), "LAST-CHANGE": when])
                x.open("OBJECT")
                x.leaf("SPEC-OBJECT-REF", text: objectID(item.id))
                x.close("OBJECT")
                x.close("SPEC-HIERARCHY")
            }
            x.close("CHILDREN")
            x.close("SPEC-HIERARCHY")
        }
        x.close("CHILDREN")
        x.close("SPECIFICATION")
        x.close("SPECIFICATIONS")

        x.close("REQ-IF-CONTENT")
        x.close("CORE-CONTENT")
        x.close("REQ-IF")
        return x.text
    }

    static func stringValue(_ x: inout XMLWriter, _ definition: String, _ value: String) {
        x.open("ATTRIBUTE-VALUE-STRING", ["THE-VALUE": value])
        x.open("DEFINITION")
        x.leaf("ATTRIBUTE-DEFINITION-STRING-REF", text: definition)
        x.close("DEFINITION")
        x.close("ATTRIBUTE-VALUE-STRING")
    }

    /// The spec object IDENTIFIER of an item.
    public static func objectID(_ id: String) -> String { "SO-" + encode(id) }

    static func statusValue(_ status: String) -> String { "EV-STATUS-" + encode(status) }

    /// An item ID as part of an XML ID (NCName): ASCII letters, digits, `-` and `.` are kept, anything
    /// else becomes `_XX_` (its code point in hex), so two IDs never encode alike.
    static func encode(_ id: String) -> String {
        var out = ""
        for scalar in id.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "." {
                out.unicodeScalars.append(scalar)
            } else {
                out += "_" + String(scalar.value, radix: 16, uppercase: true) + "_"
            }
        }
        return out
    }

    /// The body as XHTML: one paragraph per block of lines, line breaks kept.
    static func xhtml(_ body: String) -> String {
        var paragraphs: [[String]] = [[]]
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                if !paragraphs[paragraphs.count - 1].isEmpty { paragraphs.append([]) }
            } else {
                paragraphs[paragraphs.count - 1].append(String(line))
            }
        }
        let blocks = paragraphs.filter { !$0.isEmpty }.map { lines in
            "<xhtml:p>" + lines.map { XMLWriter.escape($0, attribute: false) }.joined(separator: "<xhtml:br/>") + "</xhtml:p>"
        }
        return "<xhtml:div>" + blocks.joined() + "</xhtml:div>"
    }

    /// `2025-01-31T12:00:00Z`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// An indenting XML writer with escaping; attributes are written in sorted order.
struct XMLWriter {
    private(set) var text = ""
    private var depth = 0

    mutating func raw(_ line: String) {
        text += String(repeating: "  ", count: depth) + line + "\n"
    }

    mutating func open(_ name: String, _ attributes: [String: String] = [:]) {
        raw("<\(name)\(XMLWriter.attributes(attributes))>")
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        raw("</\(name)>")
    }

    mutating func empty(_ name: String, _ attributes: [String: String] = [:]) {
        raw("<\(name)\(XMLWriter.attributes(attributes))/>")
    }

    mutating func leaf(_ name: String, text value: String) {
        raw("<\(name)>\(XMLWriter.escape(value, attribute: false))</\(name)>")
    }

    static func attributes(_ attributes: [String: String]) -> String {
        attributes.keys.sorted().map { " \($0)=\"\(escape(attributes[$0]!, attribute: true))\"" }.joined()
    }

    /// XML text or attribute value: markup characters escaped, characters XML 1.0 cannot hold dropped;
    /// in attributes, tabs and line breaks are kept as character references.
    static func escape(_ s: String, attribute: Bool) -> String {
        escapeMarkup(s, for: attribute ? .xmlAttribute : .xmlText)
    }
}

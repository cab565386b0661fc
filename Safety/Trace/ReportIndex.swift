// What the `trace report` outputs (HTML, ReqIF, CSV) share: a `TraceReport` indexed by item, with the
// links in both directions, the tags per item, and the implemented/verified status rolled up the tree.

import Foundation

/// A `TraceReport` indexed for rendering.
public struct ReportIndex: Sendable {
    public let report: TraceReport
    /// The items by level (SG, FSR, TSR, SWR, then items of no known kind), then by ID.
    public let items: [RequirementItem]
    public let byID: [String: RequirementItem]
    /// Resolved `covers` links: item → its parents, and parent → the items covering it (report order, no repeats).
    public let parents: [String: [String]]
    public let children: [String: [String]]
    /// Implements and verifies tags per item ID (tags naming unknown items are not here).
    public let implementations: [String: [TraceTag]]
    public let verifications: [String: [TraceTag]]
    /// Indices into `report.defects` per defect ID.
    public let defectsByID: [String: [Int]]
    /// Items implemented: an implements tag names the item, or it has children and all of them are
    /// implemented. `verified` is the same with verifies tags.
    public let implemented: Set<String>
    public let verified: Set<String>
    /// Coverage of each measured item's implementing code (`report.coverage`, empty without a coverage file).
    public let coverage: [String: ItemCoverage]

    public init(_ report: TraceReport) {
        self.report = report
        let items = report.items.sorted { a, b in
            (ReportIndex.levelRank(a.kind), a.id) < (ReportIndex.levelRank(b.kind), b.id)
        }
        self.items = items
        var byID: [String: RequirementItem] = [:]
        for item in items where byID[item.id] == nil { byID[item.id] = item }
        self.byID = byID

        var parents: [String: [String]] = [:]
        var children: [String: [String]] = [:]
        for item in items {
            for (reference, _) in item.covers where byID[reference.id] != nil {
                if !(parents[item.id] ?? []).contains(reference.id) {
                    parents[item.id, default: []].append(reference.id)
                    children[reference.id, default: []].append(item.id)
                }
            }
        }
        self.parents = parents
        self.children = children

        var implementations: [String: [TraceTag]] = [:]
        var verifications: [String: [TraceTag]] = [:]
        for tag in report.tags where byID[tag.reference.id] != nil {
            switch tag.kind {
            case .implements: implementations[tag.reference.id, default: []].append(tag)
            case .verifies: verifications[tag.reference.id, default: []].append(tag)
            }
        }
        self.implementations = implementations
        self.verifications = verifications

        var defectsByID: [String: [Int]] = [:]
        for (index, defect) in report.defects.enumerated() { defectsByID[defect.id, default: []].append(index) }
        self.defectsByID = defectsByID

        self.implemented = ReportIndex.rollUp(items: items, direct: Set(implementations.keys), children: children)
        self.verified = ReportIndex.rollUp(items: items, direct: Set(verifications.keys), children: children)
        self.coverage = Dictionary(report.coverage.items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether the report was made with a coverage file.
    public var hasCoverage: Bool { report.coverage.source != nil }

    /// The coverage cell of an item: `87.5%` when measured, `not measured` when it has implements
    /// tags but none of their code is in the coverage file, empty otherwise (or without a coverage file).
    public func coverageText(_ id: String) -> String {
        guard hasCoverage else { return "" }
        if let measured = coverage[id] { return ReportIndex.percentText(measured.percent) + "%" }
        return implementations[id] != nil ? "not measured" : ""
    }

    /// `87.5`, `100`: one decimal, none when whole.
    public static func percentText(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    /// Items with a direct tag, plus items whose children all roll up (a covers loop counts as not done).
    /// A depth-first search with its own stack, so a chain of any length is walked in constant stack space.
    static func rollUp(items: [RequirementItem], direct: Set<String>, children: [String: [String]]) -> Set<String> {
        var done: [String: Bool] = [:]
        var onPath: Set<String> = []
        var stack: [(id: String, kids: [String], next: Int, all: Bool)] = []

        /// The answer for `id` when it is known without looking at its children; nil after pushing it.
        func start(_ id: String) -> Bool? {
            if let known = done[id] { return known }
            if direct.contains(id) { done[id] = true; return true }
            guard let kids = children[id], !kids.isEmpty, onPath.insert(id).inserted else { return false }
            stack.append((id, kids, 0, true))
            return nil
        }
        func visit(_ root: String) -> Bool {
            if let answer = start(root) { return answer }
            while true {
                let top = stack[stack.count - 1]
                if top.next < top.kids.count {
                    stack[stack.count - 1].next += 1
                    if let answer = start(top.kids[top.next]), !answer { stack[stack.count - 1].all = false }
                    continue
                }
                stack.removeLast()
                onPath.remove(top.id)
                done[top.id] = top.all
                guard !stack.isEmpty else { return top.all }
                if !top.all { stack[stack.count - 1].all = false }
            }
        }
        return Set(items.map(\.id).filter(visit))
    }

    /// Defects whose ID is `id`.
    public func defects(of id: String) -> [Defect] {
        (defectsByID[id] ?? []).map { report.defects[$0] }
    }

    /// The safety goals, then the items that no known item covers and that are not safety goals: the
    /// roots of the tree. Items reached only through a covers loop are in `unreached`.
    public var roots: (goals: [RequirementItem], others: [RequirementItem]) {
        let goals = items.filter { $0.kind == .safetyGoal }
        let others = items.filter { $0.kind != .safetyGoal && (parents[$0.id] ?? []).isEmpty }
        return (goals, others)
    }

    /// Items not reachable from a root (only through a covers loop).
    public var unreached: [RequirementItem] {
        let (goals, others) = roots
        var seen: Set<String> = []
        var pending = (goals + others).map(\.id)
        while let id = pending.popLast() {
            guard seen.insert(id).inserted else { continue }
            pending += children[id] ?? []
        }
        return items.filter { !seen.contains($0.id) }
    }

    // MARK: Levels and summaries

    /// 0 SG, 1 FSR, 2 TSR, 3 SWR, 4 no known kind.
    public static func levelRank(_ kind: ItemKind?) -> Int {
        kind.map { ItemKind.allCases.firstIndex(of: $0)! } ?? ItemKind.allCases.count
    }

    /// `SG`, `FSR`, `TSR`, `SWR`, or `other`.
    public static func levelCode(_ kind: ItemKind?) -> String {
        kind?.rawValue.uppercased() ?? "other"
    }

    public static func levelName(_ kind: ItemKind?) -> String {
        switch kind {
        case .safetyGoal: "Safety goals"
        case .functional: "Functional safety requirements"
        case .technical: "Technical safety requirements"
        case .software: "Software requirements"
        case nil: "Items of no known kind"
        }
    }

    /// One row of a summary table.
    public struct SummaryRow: Equatable, Sendable {
        public var label: String
        public var items: Int
        public var implemented: Int
        public var verified: Int
        /// Items with at least one defect, and the defects on them.
        public var itemsWithDefects: Int
        public var defects: Int
    }

    func summaryRow(_ label: String, _ rowItems: [RequirementItem]) -> SummaryRow {
        let ids = rowItems.map(\.id)
        let defectCounts = ids.map { (defectsByID[$0] ?? []).count }
        return SummaryRow(label: label, items: ids.count,
                          implemented: ids.filter(implemented.contains).count,
                          verified: ids.filter(verified.contains).count,
                          itemsWithDefects: defectCounts.filter { $0 > 0 }.count,
                          defects: defectCounts.reduce(0, +))
    }

    /// One row per ASIL level (QM to D; a decomposed `B(D)` counts as B), plus `none` when some item has
    /// no ASIL.
    public var summaryByASIL: [SummaryRow] {
        var rows = ASILLevel.allCases.map { level in summaryRow(level.rawValue, items.filter { $0.asil?.level == level }) }
        let without = items.filter { $0.asil == nil }
        if !without.isEmpty { rows.append(summaryRow("none", without)) }
        return rows
    }

    /// One row per level (SG, FSR, TSR, SWR), plus `other` when some item has no known kind.
    public var summaryByLevel: [SummaryRow] {
        var rows = ItemKind.allCases.map { kind in summaryRow(kind.rawValue.uppercased(), items.filter { $0.kind == kind }) }
        let without = items.filter { $0.kind == nil }
        if !without.isEmpty { rows.append(summaryRow("other", without)) }
        return rows
    }

    /// All items; `defects` counts every defect, including those on tags naming no item.
    public var summaryTotal: SummaryRow {
        var row = summaryRow("all", items)
        row.defects = report.defects.count
        return row
    }

    // MARK: Text forms shared by the outputs

    /// `symbol (file:line)` of the declaration a tag is attributed to, or the tag's own `file:line`;
    /// a pinned revision is appended as `@rev`.
    public static func tagText(_ tag: TraceTag) -> String {
        let pin = tag.reference.rev.map { " @\($0)" } ?? ""
        if let symbol = tag.symbol {
            return "\(symbol) (\(tag.symbolLocation ?? tag.location))\(pin)"
        }
        return "\(tag.location)\(pin)"
    }
}

// The traceability report as one self-contained HTML file: a summary per ASIL and per level, the tree
// from the safety goals down to the code and the tests, the traceability matrix and every defect.
// Inline CSS, a few lines of inline script (expand/collapse, matrix filter), no external resources.

import Foundation

public enum HTMLReport {
    /// The page. `date` and `inputs` (the paths read) are shown under the title when given.
    public static func render(_ report: TraceReport, title: String = "Orion RT traceability report",
                              date: Date? = nil, inputs: [String] = []) -> String {
        var page = Page(index: ReportIndex(report))
        page.render(title: title, date: date, inputs: inputs)
        return page.out
    }

    /// Text for HTML content and attribute values: `& < > " '` escaped, characters HTML cannot carry
    /// (controls other than tab and line breaks) dropped.
    public static func escape(_ s: String) -> String { escapeMarkup(s, for: .html) }

    /// The `id` of an item's node in the tree (`item-…`) and of its matrix row (`row-…`).
    public static func itemAnchor(_ id: String) -> String { "item-" + ReqIFReport.encode(id) }
    public static func rowAnchor(_ id: String) -> String { "row-" + ReqIFReport.encode(id) }
    /// The `id` of the n-th defect (from 1, in report order).
    public static func defectAnchor(_ n: Int) -> String { "defect-\(n)" }
    /// The `id` of an item's row in the coverage table.
    public static func coverageAnchor(_ id: String) -> String { "cov-" + ReqIFReport.encode(id) }
}

private struct Page {
    let index: ReportIndex
    var out = ""
    /// Items whose full node has been written (later mentions link to it).
    var shown: Set<String> = []

    init(index: ReportIndex) {
        self.index = index
        out.reserveCapacity(4096 + index.items.count * 1500)
    }

    mutating func w(_ s: String) { out += s; out += "\n" }

    func e(_ s: String) -> String { HTMLReport.escape(s) }

    mutating func render(title: String, date: Date?, inputs: [String]) {
        let report = index.report
        w("<!DOCTYPE html>")
        w("<html lang=\"en\">")
        w("<head>")
        w("<meta charset=\"utf-8\">")
        w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        w("<title>\(e(title))</title>")
        w("<style>\(Page.css)</style>")
        w("</head>")
        w("<body>")
        w("<header>")
        w("<h1>\(e(title))</h1>")
        var meta: [String] = []
        if let date { meta.append("Generated " + e(ReqIFReport.timestamp(date))) }
        if !inputs.isEmpty { meta.append("from " + inputs.map { "<code>\(e($0))</code>" }.joined(separator: " ")) }
        if !meta.isEmpty { w("<p class=\"meta\">\(meta.joined(separator: " "))</p>") }
        provenance()
        let verdict = report.defects.isEmpty ? "clean" : "dirty"
        let defectText = report.defects.isEmpty ? "no defects" : "\(report.defects.count) defect\(report.defects.count == 1 ? "" : "s")"
        w("<p class=\"verdict \(verdict)\" id=\"verdict\">\(index.items.count) items · \(report.linkCount) links · \(report.tags.count) tags · \(defectText)</p>")
        w("<nav><a href=\"#summary\">Summary</a> <a href=\"#tree\">Tree</a> <a href=\"#matrix\">Matrix</a> <a href=\"#defects\">Defects</a>\(index.hasCoverage ? " <a href=\"#coverage\">Coverage</a>" : "")</nav>")
        w("</header>")
        w("<main>")
        summary()
        tree()
        matrix()
        defects()
        if index.hasCoverage { coverage() }
        w("</main>")
        w("<script>\(Page.script)</script>")
        w("</body>")
        w("</html>")
    }

    /// What the report was made from: commit, tools, mode, test totals, input files and their SHA-256.
    mutating func provenance() {
        let report = index.report
        var rows: [(String, String)] = []
        rows.append(("Commit", "<code>\(e(report.provenance?.commitText ?? "unknown"))</code>"))
        let tools = (report.provenance?.tools ?? []).map { "\(e($0.name)) \(e($0.version))" }
        if !tools.isEmpty { rows.append(("Tools", tools.joined(separator: ", "))) }
        rows.append(("Mode", report.baseline ? "baseline (every item must be approved)" : "development (draft items allowed)"))
        rows.append(("Tests", report.testTotals.map { e($0.text) } ?? "no test results given"))
        for input in report.inputs {
            rows.append((input.role.prefix(1).uppercased() + input.role.dropFirst(), "<code>\(e(input.path))</code> SHA-256 <code class=\"hash\">\(e(input.sha256))</code>"))
        }
        if !report.inputs.contains(where: { $0.role == "coverage" }) { rows.append(("Coverage", "no coverage data given")) }
        if !report.skipped.isEmpty {
            rows.append(("Skipped", report.skipped.map { "<code>\(e($0.path))</code> (\(e($0.reason)))" }.joined(separator: "<br>")))
        }
        w("<dl class=\"provenance\" id=\"provenance\">")
        for (name, value) in rows { w("<dt>\(e(name))</dt><dd>\(value)</dd>") }
        w("</dl>")
    }

    // MARK: Summary

    mutating func summary() {
        let total = index.summaryTotal
        w("<section id=\"summary\">")
        w("<h2>Summary</h2>")
        w("<div class=\"cards\">")
        for (label, value, cls) in [("Items", total.items, ""), ("Implemented", total.implemented, "ok"),
                                    ("Verified", total.verified, "ok"), ("Defects", total.defects, total.defects == 0 ? "ok" : "bad")] {
            w("<div class=\"card \(cls)\"><div class=\"num\">\(value)</div><div>\(label)</div></div>")
        }
        w("</div>")
        summaryTable(id: "summary-asil", heading: "By ASIL", first: "ASIL", rows: index.summaryByASIL, total: total)
        summaryTable(id: "summary-level", heading: "By level", first: "Level", rows: index.summaryByLevel, total: total)
        if total.defects > 0 {
            let kinds = Dictionary(grouping: index.report.defects, by: \.kind.rawValue).map { ($0.key, $0.value.count) }.sorted { $0.0 < $1.0 }
            w("<p class=\"kinds\">Defects by kind: " + kinds.map { "<span class=\"dk\">\(e($0.0))</span> \($0.1)" }.joined(separator: " · ") + "</p>")
        }
        w("<p class=\"note\">An item is <em>implemented</em> when an <code>@implements</code> tag names it or all the items covering it are implemented; <em>verified</em> likewise with <code>@verifies</code>.</p>")
        w("</section>")
    }

    mutating func summaryTable(id: String, heading: String, first: String, rows: [ReportIndex.SummaryRow], total: ReportIndex.SummaryRow) {
        w("<h3>\(heading)</h3>")
        w("<table class=\"summary\" id=\"\(id)\">")
        w("<thead><tr><th>\(first)</th><th>Items</th><th>Implemented</th><th>Verified</th><th>Items with defects</th><th>Defects</th></tr></thead>")
        w("<tbody>")
        for row in rows {
            w(summaryRow(row, cell: "td"))
        }
        w("</tbody>")
        w("<tfoot>\(summaryRow(total, cell: "th"))</tfoot>")
        w("</table>")
    }

    func summaryRow(_ row: ReportIndex.SummaryRow, cell: String) -> String {
        func ratio(_ n: Int) -> String {
            row.items == 0 ? "–" : "\(n) <span class=\"pct\">(\(Int((Double(n) * 100 / Double(row.items)).rounded())) %)</span>"
        }
        let bad = row.defects > 0 ? " class=\"bad\"" : ""
        return "<tr><\(cell) class=\"label\">\(e(row.label))</\(cell)><td>\(row.items)</td><td>\(ratio(row.implemented))</td><td>\(ratio(row.verified))</td><td\(bad)>\(row.itemsWithDefects)</td><td\(bad)>\(row.defects)</td></tr>"
    }

    // MARK: Tree

    mutating func tree() {
        let (goals, others) = index.roots
        let unreached = index.unreached
        w("<section id=\"tree\">")
        w("<h2>Traceability tree</h2>")
        w("<p class=\"tools\"><button type=\"button\" onclick=\"setOpen(true)\">Expand all</button> <button type=\"button\" onclick=\"setOpen(false)\">Collapse all</button></p>")
        if goals.isEmpty { w("<p class=\"note\">No safety goals.</p>") }
        forest(goals)
        if !others.isEmpty {
            w("<h3>Not under a safety goal</h3>")
            forest(others)
        }
        if !unreached.isEmpty {
            w("<h3>Reached only through a covers loop</h3>")
            forest(unreached)
        }
        w("</section>")
    }

    mutating func forest(_ items: [RequirementItem]) {
        w("<ul class=\"tree\">")
        for item in items where !shown.contains(item.id) { subtree(item) }
        w("</ul>")
    }

    /// An item's node with its children below it, walked with a stack of its own (not the call stack),
    /// so a covers chain of any length renders. An item already shown, or met again on its own path
    /// (a covers loop), is a one-line reference to its node.
    mutating func subtree(_ root: RequirementItem) {
        enum Step { case enter(RequirementItem), leave(String, hasChildren: Bool) }
        var steps: [Step] = [.enter(root)]
        var path: Set<String> = []
        while let step = steps.popLast() {
            switch step {
            case .enter(let item):
                let id = item.id
                if shown.contains(id) || path.contains(id) {
                    let why = path.contains(id) ? "covers loop back to \(id)" : "shown above"
                    w("<li class=\"ref\">\(kindBadge(item.kind)) <a href=\"#\(HTMLReport.itemAnchor(id))\">\(e(id))</a> \(e(item.title)) <span class=\"muted\">(\(why))</span></li>")
                    continue
                }
                shown.insert(id)
                path.insert(id)
                node(item)
                let kids = (index.children[id] ?? []).compactMap { index.byID[$0] }
                if !kids.isEmpty { w("<ul class=\"tree\">") }
                steps.append(.leave(id, hasChildren: !kids.isEmpty))
                steps += kids.reversed().map { Step.enter($0) }
            case .leave(let id, let hasChildren):
                if hasChildren { w("</ul>") }
                w("</details>")
                w("</li>")
                path.remove(id)
            }
        }
    }

    /// The opening of an item's node: its summary line and details, up to where its children go.
    mutating func node(_ item: RequirementItem) {
        let id = item.id
        let itemDefects = index.defectsByID[id] ?? []
        w("<li class=\"node\">")
        w("<details open id=\"\(HTMLReport.itemAnchor(id))\">")
        var head = "<summary>\(kindBadge(item.kind)) <a class=\"id\" href=\"#\(HTMLReport.rowAnchor(id))\" title=\"row in the matrix\">\(e(id))</a> <span class=\"title\">\(e(item.title))</span>"
        if let asil = item.asil { head += " <span class=\"asil\">ASIL \(e(asil.description))</span>" }
        head += " " + statusChip("implemented", index.implemented.contains(id))
        head += " " + statusChip("verified", index.verified.contains(id))
        let covered = index.coverageText(id)
        if !covered.isEmpty {
            let good = index.coverage[id].map { $0.threshold <= 0 || $0.percent >= $0.threshold } ?? false
            let target = index.coverage[id] != nil ? HTMLReport.coverageAnchor(id) : "coverage"
            head += " <a class=\"chip \(good ? "ok" : "no")\" href=\"#\(target)\">coverage \(e(covered))</a>"
        }
        if !itemDefects.isEmpty {
            head += " <a class=\"chip bad\" href=\"#\(HTMLReport.defectAnchor(itemDefects[0] + 1))\">\(itemDefects.count) defect\(itemDefects.count == 1 ? "" : "s")</a>"
        }
        w(head + "</summary>")
        w("<div class=\"detail\">")
        var attrs = ["rev \(item.rev)"]
        if let status = item.status { attrs.append(e(status)) }
        if !item.needs.isEmpty { attrs.append("needs " + e(item.needs.map(\.description).joined(separator: ", "))) }
        let parents = index.parents[id] ?? []
        if !parents.isEmpty { attrs.append("covers " + parents.map(itemLink).joined(separator: ", ")) }
        let independent = item.independentOf.map(\.id)
        if !independent.isEmpty {
            attrs.append("independent of " + independent.map { index.byID[$0] != nil ? itemLink($0) : e($0) }.joined(separator: ", "))
        }
        attrs.append("<code class=\"loc\">\(e(item.location.description))</code>")
        w("<p class=\"attrs\">\(attrs.joined(separator: " · "))</p>")
        if !item.body.isEmpty { w(paragraphs(item.body)) }
        let impls = index.implementations[id] ?? []
        let tests = index.verifications[id] ?? []
        if !impls.isEmpty || !tests.isEmpty {
            w("<ul class=\"code\">")
            for tag in impls { w("<li class=\"impl\"><span class=\"tagkind\">implemented by</span> \(tagText(tag))</li>") }
            for tag in tests { w("<li class=\"test\"><span class=\"tagkind\">verified by</span> \(tagText(tag))</li>") }
            w("</ul>")
        }
        if !itemDefects.isEmpty {
            w("<ul class=\"item-defects\">")
            for n in itemDefects {
                let d = index.report.defects[n]
                w("<li><a href=\"#\(HTMLReport.defectAnchor(n + 1))\"><span class=\"dk\">\(e(d.kind.rawValue))</span></a> \(e(d.detail)) <code class=\"loc\">\(e(d.location.description))</code></li>")
            }
            w("</ul>")
        }
        w("</div>")
    }

    func kindBadge(_ kind: ItemKind?) -> String {
        "<span class=\"kind k-\(ReportIndex.levelCode(kind).lowercased())\">\(ReportIndex.levelCode(kind))</span>"
    }

    func statusChip(_ label: String, _ ok: Bool) -> String {
        "<span class=\"chip \(ok ? "ok" : "no")\">\(ok ? "✓" : "✗") \(label)</span>"
    }

    func itemLink(_ id: String) -> String {
        "<a href=\"#\(HTMLReport.itemAnchor(id))\">\(e(id))</a>"
    }

    /// `symbol` and where it is; a pinned revision as `@rev`.
    func tagText(_ tag: TraceTag) -> String {
        var text = tag.symbol.map { "<code class=\"sym\">\(e($0))</code> " } ?? "<span class=\"muted\">(no declaration)</span> "
        text += "<code class=\"loc\">\(e((tag.symbolLocation ?? tag.location).description))</code>"
        if let rev = tag.reference.rev { text += " <span class=\"muted\">@\(rev)</span>" }
        return text
    }

    func paragraphs(_ body: String) -> String {
        body.components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .map { "<p class=\"text\">\(e($0))</p>" }
            .joined(separator: "\n")
    }

    // MARK: Matrix

    mutating func matrix() {
        w("<section id=\"matrix\">")
        w("<h2>Traceability matrix</h2>")
        w("<p class=\"tools\"><input type=\"search\" id=\"filter\" placeholder=\"Filter rows\" aria-label=\"Filter the matrix\"></p>")
        w("<div class=\"scroll\"><table class=\"matrix\">")
        w("<thead><tr><th>ID</th><th>Level</th><th>ASIL</th><th>Title</th><th>Parents</th><th>Children</th><th>Implemented by</th><th>Verified by</th><th>Impl.</th><th>Verif.</th><th>Defects</th>\(index.hasCoverage ? "<th>Coverage</th>" : "")</tr></thead>")
        w("<tbody>")
        for item in index.items {
            let id = item.id
            let impls = (index.implementations[id] ?? []).map(tagText).joined(separator: "<br>")
            let tests = (index.verifications[id] ?? []).map(tagText).joined(separator: "<br>")
            let itemDefects = index.defectsByID[id] ?? []
            let defectCell = itemDefects.isEmpty ? "<td class=\"num\">0</td>"
                : "<td class=\"num bad\"><a href=\"#\(HTMLReport.defectAnchor(itemDefects[0] + 1))\">\(itemDefects.count)</a></td>"
            w("<tr id=\"\(HTMLReport.rowAnchor(id))\">"
              + "<td>\(itemLink(id))</td><td>\(kindBadge(item.kind))</td><td>\(e(item.asil?.description ?? ""))</td><td>\(e(item.title))</td>"
              + "<td>\((index.parents[id] ?? []).map(itemLink).joined(separator: " "))</td>"
              + "<td>\((index.children[id] ?? []).map(itemLink).joined(separator: " "))</td>"
              + "<td>\(impls)</td><td>\(tests)</td>"
              + "<td class=\"mark\">\(mark(index.implemented.contains(id)))</td><td class=\"mark\">\(mark(index.verified.contains(id)))</td>"
              + defectCell + (index.hasCoverage ? "<td class=\"num\">\(e(index.coverageText(id)))</td>" : "") + "</tr>")
        }
        w("</tbody>")
        w("</table></div>")
        w("</section>")
    }

    func mark(_ ok: Bool) -> String {
        ok ? "<span class=\"ok\" title=\"yes\">✓</span>" : "<span class=\"no\" title=\"no\">✗</span>"
    }

    // MARK: Defects

    mutating func defects() {
        let defects = index.report.defects
        w("<section id=\"defects\">")
        w("<h2>Defects (\(defects.count))</h2>")
        guard !defects.isEmpty else {
            w("<p class=\"ok\">No defects.</p>")
            w("</section>")
            return
        }
        w("<table class=\"defects\">")
        w("<thead><tr><th>#</th><th>Kind</th><th>Item</th><th>Location</th><th>Detail</th></tr></thead>")
        w("<tbody>")
        for (n, d) in defects.enumerated() {
            let item = index.byID[d.id] != nil ? itemLink(d.id) : "\(e(d.id)) <span class=\"muted\">(no such item)</span>"
            w("<tr id=\"\(HTMLReport.defectAnchor(n + 1))\"><td class=\"num\">\(n + 1)</td><td><span class=\"dk\">\(e(d.kind.rawValue))</span></td><td>\(item)</td><td><code class=\"loc\">\(e(d.location.description))</code></td><td>\(e(d.detail))</td></tr>")
        }
        w("</tbody>")
        w("</table>")
        w("</section>")
    }

    // MARK: Coverage

    mutating func coverage() {
        let summary = index.report.coverage
        w("<section id=\"coverage\">")
        w("<h2>Coverage</h2>")
        let floors = ASILLevel.allCases.map { "\($0.rawValue) \(ReportIndex.percentText(summary.thresholds[$0] ?? 0)) %" }.joined(separator: " · ")
        w("<p class=\"note\">Region coverage of the declarations that <code>@implements</code> tags name, from <code>\(e(summary.source ?? ""))</code>. Floors by ASIL: \(e(floors)).</p>")
        if summary.items.isEmpty {
            w("<p class=\"note\">No item's implementing code is in the coverage data.</p>")
        } else {
            w("<table class=\"coverage\">")
            w("<thead><tr><th>Item</th><th>ASIL</th><th>Coverage</th><th>Floor</th><th>Regions</th><th>Declarations</th></tr></thead>")
            w("<tbody>")
            for item in summary.items {
                let low = item.threshold > 0 && item.percent < item.threshold
                let functions = item.functions.map { f in
                    "<code class=\"sym\">\(e(f.symbol))</code> <code class=\"loc\">\(e(f.location.description))</code> \(f.covered)/\(f.regions)"
                }.joined(separator: "<br>")
                w("<tr id=\"\(HTMLReport.coverageAnchor(item.id))\"><td>\(itemLink(item.id))</td><td>\(e(item.asil?.description ?? ""))</td>"
                  + "<td class=\"num \(low ? "bad" : "ok")\">\(ReportIndex.percentText(item.percent)) %</td><td class=\"num\">\(ReportIndex.percentText(item.threshold)) %</td>"
                  + "<td class=\"num\">\(item.covered)/\(item.regions)</td><td>\(functions)</td></tr>")
            }
            w("</tbody>")
            w("</table>")
        }
        if !summary.unmeasured.isEmpty {
            w("<p class=\"note\">Implemented but not in the coverage data: " + summary.unmeasured.map { index.byID[$0] != nil ? itemLink($0) : e($0) }.joined(separator: ", ") + "</p>")
        }
        if !summary.waived.isEmpty {
            w("<p class=\"note\">Coverage waivers (not measured, with the reason given in the item):</p>")
            w("<ul class=\"waivers\" id=\"waivers\">")
            for waiver in summary.waived { w("<li>\(itemLink(waiver.id)): \(e(waiver.reason))</li>") }
            w("</ul>")
        }
        w("</section>")
    }

    // MARK: Style and script

    static let css = """

    :root { --fg: #1d2330; --muted: #6a7280; --line: #d9dde5; --bg: #ffffff; --soft: #f4f6f9; --ok: #1d7a3c; --bad: #b3261e; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
    header { padding: 20px 32px 12px; background: #1f2a44; color: #fff; }
    header h1 { margin: 0 0 4px; font-size: 22px; }
    header .meta { margin: 0 0 6px; color: #c9d1e3; }
    header code { color: #fff; }
    header dl.provenance { display: grid; grid-template-columns: max-content auto; gap: 0 12px; margin: 0 0 8px; color: #c9d1e3; font-size: 12px; }
    header dl.provenance dt { font-weight: 600; }
    header dl.provenance dd { margin: 0; overflow-wrap: anywhere; }
    header nav a { color: #c9d1ff; margin-right: 16px; }
    .verdict { display: inline-block; margin: 4px 0 8px; padding: 4px 10px; border-radius: 4px; font-weight: 600; }
    .verdict.clean { background: #2e8b57; }
    .verdict.dirty { background: #c0392b; }
    main { padding: 8px 32px 40px; }
    section { margin-top: 24px; }
    h2 { font-size: 18px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    table { border-collapse: collapse; }
    th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
    thead th { background: var(--soft); position: sticky; top: 0; }
    tfoot th, tfoot td { background: var(--soft); font-weight: 600; }
    td.num, .summary td { text-align: right; }
    .summary td.label, .summary th.label { text-align: left; font-weight: 600; }
    .pct { color: var(--muted); font-size: 12px; }
    .cards { display: flex; gap: 12px; margin: 8px 0 12px; }
    .card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 16px; min-width: 120px; background: var(--soft); }
    .card .num { font-size: 24px; font-weight: 700; }
    .card.ok .num { color: var(--ok); }
    .card.bad .num { color: var(--bad); }
    .ok { color: var(--ok); }
    .bad, .no { color: var(--bad); }
    .muted, .note { color: var(--muted); }
    code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    code.loc { color: #44506a; }
    code.sym { font-weight: 600; }
    .kind { display: inline-block; min-width: 38px; text-align: center; padding: 0 4px; border-radius: 3px; font-size: 11px; font-weight: 700; color: #fff; background: #7a7f8a; }
    .k-sg { background: #8e2c48; } .k-fsr { background: #b5651d; } .k-tsr { background: #2c5d8e; } .k-swr { background: #2e7d4f; }
    .asil { font-size: 12px; padding: 0 6px; border: 1px solid #8e2c48; border-radius: 3px; color: #8e2c48; }
    .chip { font-size: 12px; padding: 0 6px; border-radius: 10px; background: var(--soft); }
    .chip.ok { color: var(--ok); } .chip.no { color: var(--muted); } .chip.bad { color: #fff; background: var(--bad); text-decoration: none; }
    .dk { font: 12px ui-monospace, monospace; padding: 0 4px; border-radius: 3px; background: #fde8e6; color: var(--bad); }
    ul.tree { list-style: none; padding-left: 20px; margin: 4px 0; }
    section > ul.tree { padding-left: 0; }
    details > summary { cursor: pointer; padding: 2px 0; }
    details:target > summary { background: #fff4c2; }
    .title { font-weight: 600; }
    .detail { margin: 2px 0 6px 22px; padding-left: 10px; border-left: 3px solid var(--line); }
    .detail p { margin: 3px 0; }
    .attrs { color: var(--muted); font-size: 12px; }
    ul.code, ul.item-defects { margin: 4px 0; padding-left: 18px; }
    .tagkind { color: var(--muted); font-size: 12px; }
    li.ref { color: var(--muted); padding: 2px 0; }
    .scroll { overflow-x: auto; }
    table.matrix { width: 100%; }
    table.matrix td { font-size: 13px; }
    table.matrix a, table.matrix .kind { white-space: nowrap; }
    table.matrix code.loc, table.defects code.loc { overflow-wrap: anywhere; font-size: 11px; }
    td.mark { text-align: center; }
    tr:target td { background: #fff4c2; }
    input[type=search] { padding: 4px 8px; width: 280px; border: 1px solid var(--line); border-radius: 4px; }
    button { padding: 3px 10px; }

    """

    static let script = """

    function setOpen(open) { document.querySelectorAll('#tree details').forEach(function (d) { d.open = open; }); }
    function reveal() {
      var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      for (var e = target; e; e = e.parentElement) { if (e.tagName === 'DETAILS') { e.open = true; } }
    }
    window.addEventListener('hashchange', reveal);
    document.getElementById('filter').addEventListener('input', function (event) {
      var query = event.target.value.toLowerCase();
      document.querySelectorAll('#matrix tbody tr').forEach(function (row) {
        row.hidden = query !== '' && row.textContent.toLowerCase().indexOf(query) < 0;
      });
    });

    """
}

// Headless Chromium for tests that look at what a browser makes of generated HTML and SVG: found on
// PATH, or installed from Debian (`chromium`) when missing. A failed install fails the test.

import Foundation

public enum Chromium {
    /// The names the browser goes by.
    static let names = ["chromium", "chromium-browser", "google-chrome"]

    static func find() -> String? {
        names.lazy.compactMap { HostProcess.which($0) }.first
    }

    /// The browser's path; installed with apt-get the first time it is missing (once per test run).
    public static let path: Result<String, ToolFailure> = Result { () throws(ToolFailure) -> String in
        if let found = find() { return found }
        try HostProcess.aptInstall("chromium")
        guard let found = find() else { throw ToolFailure("apt-get installed chromium, but it is not in PATH") }
        return found
    }

    /// Headless Chromium on `arguments`, with its profile in `folder` (so runs do not share one).
    public static func run(_ arguments: [String], in folder: String, timeout: TimeInterval = 120) throws -> ProcessResult {
        let browser = try path.get()
        return try HostProcess.run(browser, ["--headless", "--no-sandbox", "--disable-gpu",
                                             "--user-data-dir=" + folder + "/chromium-profile"] + arguments,
                                   in: folder, timeout: timeout)
    }

    /// Renders `page` (a file) in a `width`×`height` window and writes the screenshot to `png`.
    public static func screenshot(of page: String, width: Int, height: Int, to png: String, in folder: String) throws -> ProcessResult {
        try run(["--hide-scrollbars", "--window-size=\(width),\(height)", "--screenshot=" + png, "file://" + page], in: folder)
    }

    /// Renders `page` (a file) in a `width`×`height` window and decodes the screenshot (written to `png`), at
    /// most `maxRows` rows of it; a browser that writes no picture is an error carrying what it printed.
    public static func render(_ page: String, width: Int, height: Int, to png: String, in folder: String,
                              maxRows: Int = Int.max) throws -> PNGImage {
        let shot = try screenshot(of: page, width: width, height: height, to: png, in: folder)
        guard shot.status == 0, let data = FileManager.default.contents(atPath: png), !data.isEmpty else {
            throw ToolFailure("chromium wrote no screenshot of \(page) (exit \(shot.status)):\n\(shot.stderr.suffix(3000))")
        }
        return try PNGImage(data, maxRows: maxRows)
    }

    /// The DOM of `page` (a file) after its scripts ran, on standard output.
    public static func dumpDOM(of page: String, in folder: String) throws -> ProcessResult {
        try run(["--dump-dom", "file://" + page], in: folder)
    }
}

// The test helpers' own promise: a program that does not finish in time is ended and reported with where it was
// waiting, within its bound plus the grace periods, never waited for without end.

import Foundation
import Testing
import TestSupport

@Suite("Test helpers: HostProcess")
struct HostProcessTests {
    @Test func aProgramPastItsTimeoutIsEndedAndSaysWhereItWaited() throws {
        let start = Date()
        do {
            _ = try HostProcess.run("sleep", ["30"], timeout: 1)
            Issue.record("sleep 30 finished within 1 s")
        } catch let failure as ToolFailure {
            #expect(failure.description.hasPrefix("sleep 30 did not finish within 1 s (pid "), "\(failure)")
            #expect(failure.description.contains("S (sleeping)") && failure.description.contains("wchan "), "\(failure)")
        }
        #expect(Date().timeIntervalSince(start) < 10, "ended within the bound and the grace period")
        // A program that ends is seen to end, with its status.
        let r = try HostProcess.run("sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: 10)
        #expect(r.status == 3 && r.stdout == "out\n" && r.stderr == "err\n")
    }
}

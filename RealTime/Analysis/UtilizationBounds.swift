// Utilization-based schedulability tests: Liu & Layland and the hyperbolic bound (FP), U ≤ 1 (EDF).

/// Sufficient tests from utilizations alone (implicit deadlines, independent tasks).
public enum UtilizationBound {
    /// The Liu & Layland bound n(2^(1/n) − 1) for `n` tasks (1.0 for n ≤ 1).
    public static func liuLayland(taskCount n: Int) -> Double {
        guard n > 1 else { return 1.0 }
        // 2^(1/n) by Newton's method on x^n = 2 (no libm on the boards).
        var x = 1.0 + 1.0 / Double(n)
        var iteration = 0
        while iteration < 60 {
            var power = 1.0  // x^(n-1)
            var k = 1
            while k < n { power *= x; k += 1 }
            let next = x - (power * x - 2.0) / (Double(n) * power)
            if next == x { break }
            x = next
            iteration += 1
        }
        return Double(n) * (x - 1.0)
    }

    /// Whether total utilization is within the Liu & Layland bound (rate-monotonic, sufficient).
    public static func liuLaylandTest(_ set: inout AnalysisTaskSet) -> Bool {
        set.utilization() <= liuLayland(taskCount: set.count)
    }

    /// Whether Π(Uᵢ + 1) ≤ 2 (Bini & Buttazzo's hyperbolic bound, rate-monotonic, sufficient).
    public static func hyperbolicTest(_ set: inout AnalysisTaskSet) -> Bool {
        var product = 1.0
        var i = 0
        while i < set.count {
            let task = set[i]
            product *= Double(task.wcetNs) / Double(task.periodNs) + 1.0
            i += 1
        }
        return product <= 2.0
    }

    /// Whether U ≤ 1 (exact for EDF with implicit deadlines).
    public static func edfTest(_ set: inout AnalysisTaskSet) -> Bool {
        set.utilization() <= 1.0
    }
}
